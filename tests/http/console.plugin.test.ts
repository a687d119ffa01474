// The console's plugin on its own: what / answers before the bundle is built, and the headers of
// a built one (the browser tests in tests/console/ use the real bundle).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Fastify from 'fastify'
import { afterAll, describe, expect, test } from 'vitest'
import { CONSOLE_CSP, consolePlugin, defaultConsoleDir } from '../../src/plugins/console.plugin.ts'

const dirs: string[] = []
afterAll(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }) })

async function appOver(files: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'console-plugin-'))
  dirs.push(dir)
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    writeFileSync(path.join(dir, name), content)
  }
  const app = Fastify()
  await app.register(consolePlugin, { dir })
  app.get('/v1/thing', async () => ({ ok: true }))
  return app
}

describe('console plugin', () => {
  test('before `npm run build:web`: / says how to build it (503, not cached); nothing else changes', async () => {
    const app = await appOver({})
    const res = await app.inject('/')
    expect(res.statusCode).toBe(503)
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.body).toContain('npm run build:web')
    expect((await app.inject('/v1/thing')).json()).toEqual({ ok: true })
    await app.close()
  })

  test('a built bundle: index revalidated, hashed assets immutable and precompressed, the CSP on both only', async () => {
    const app = await appOver({ 'index.html': '<!doctype html><title>c</title>', 'assets/index-abc123.js': 'console.log(1)', 'assets/index-abc123.js.br': 'BR' })
    const index = await app.inject('/')
    expect(index.statusCode).toBe(200)
    expect(index.headers['cache-control']).toBe('no-cache')
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(index.headers['content-security-policy']).toBe(CONSOLE_CSP)
    const asset = await app.inject({ url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'br, gzip' } })
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(asset.headers['content-encoding']).toBe('br')
    expect(asset.body).toBe('BR')
    expect(asset.headers['content-security-policy']).toBe(CONSOLE_CSP)
    const plain = await app.inject('/assets/index-abc123.js')
    expect(plain.body).toBe('console.log(1)')
    expect((await app.inject('/v1/thing')).headers['content-security-policy']).toBeUndefined()
    await app.close()
  })

  test('the bundle is looked for under the package root, from src/ as from a compiled dist/', () => {
    const root = path.resolve(import.meta.dirname, '../..')
    expect(defaultConsoleDir(path.join(root, 'src/plugins'))).toBe(path.join(root, 'web/dist'))
    expect(defaultConsoleDir(path.join(root, 'dist/src/plugins'))).toBe(path.join(root, 'web/dist'))
  })
})
