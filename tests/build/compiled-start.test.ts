// The service as `npm start` and the image run it: compiled JavaScript under dist/ (built here
// when older than src/), on PostgreSQL, with tsx out of reach as in the image. It starts, logs where its start went, serves REST and
// GraphQL (the SDL files travel with the build), runs a recommendation on a worker thread that
// loads the compiled worker module, and answers the same as the sources do in-process; the
// compiled operator command creates a key that the server then accepts; SIGTERM exits 0.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { createDb } from '../../src/db/client.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const RECOMMENDATION = {
  model: 'llama-3.2-1b', goal: 'prototype', training: { sequenceLength: 1024, datasetTokens: 10_000_000 }, gpus: ['a100-80gb', 'l4'], limit: 5,
}

let database: TestDatabase
let child: ChildProcessWithoutNullStreams
let output = ''
let base = ''

beforeAll(async () => {
  const built = spawnSync(process.execPath, ['scripts/build-server.mjs', '--if-stale'], { cwd: ROOT, encoding: 'utf8' })
  expect(built.status, `${built.stdout}${built.stderr}`).toBe(0)
  database = await createTestDatabase()
  child = spawn(process.execPath, ['--import', './tests/build/fixtures/without-tsx.mjs', 'dist/server.js'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: database.url, PORT: '0', LOG_LEVEL: 'info', ADVISOR_WORKERS: '1', NODE_ENV: 'production' },
  })
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dist/server.js did not start:\n${output}`)), 60_000)
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`dist/server.js exited with ${code}:\n${output}`)) })
    child.stdout.on('data', () => {
      const match = /listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output)
      if (match) { clearTimeout(timer); resolve(Number(match[1])) }
    })
  })
  base = `http://127.0.0.1:${port}`
}, 180_000)

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  await database?.drop()
})

test('the compiled server is ready and logs the phases of its start', async () => {
  const ready = await fetch(`${base}/health/ready`)
  expect(ready.status).toBe(200)
  expect(await ready.json()).toEqual({ status: 'ok', checks: { database: true, migrations: true } })
  const line = output.split('\n').find((l) => l.includes('"startup"'))!
  const { startup } = JSON.parse(line) as { startup: Record<string, number> }
  expect(Object.keys(startup).sort()).toEqual(['appModulesMs', 'appMs', 'listenMs', 'modulesMs', 'openMs'])
  for (const value of Object.values(startup)) expect(value).toBeGreaterThanOrEqual(0)
  const database = JSON.parse(output.split('\n').find((l) => l.includes('"database"'))!) as { database: Record<string, unknown> }
  expect(database.database.kind).toBe('postgres')
})

test('GraphQL answers from the SDL copied into dist/', async () => {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ gpu(id: "a100-80gb") { id memoryGiB } }' }),
  })
  expect(await res.json()).toEqual({ data: { gpu: { id: 'a100-80gb', memoryGiB: 80 } } })
})

test('a recommendation runs on the compiled worker and equals the sources\' in-process answer', async () => {
  const res = await fetch(`${base}/v1/recommendations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(RECOMMENDATION) })
  const compiled = await res.json() as { recommended: { gpuId: string } | null }
  expect(res.status, JSON.stringify(compiled)).toBe(200)
  expect(output).not.toContain('advisor worker failed')

  const db = await createDb({ databaseUrl: database.url })
  const app = await buildApp(loadConfig({ ADVISOR_WORKERS: '0', DATABASE_URL: database.url }), { db, logger: false, prepareDatabase: false })
  try {
    const inline = await app.inject({ method: 'POST', url: '/v1/recommendations', payload: RECOMMENDATION })
    expect(compiled).toEqual(inline.json())
  } finally {
    await app.close()
    await db.close()
  }
})

test('dist/ops/keys-create.js issues a key the running server accepts', async () => {
  const created = spawnSync(process.execPath, ['dist/ops/keys-create.js', '--role', 'admin', '--name', 'compiled-test'], {
    cwd: ROOT, env: { ...process.env, DATABASE_URL: database.url }, encoding: 'utf8',
  })
  expect(created.status, created.stderr).toBe(0)
  const key = created.stdout.trim()
  expect(key).toMatch(/^fte_[\w-]{43}$/)
  const keys = await fetch(`${base}/v1/keys`, { headers: { authorization: `Bearer ${key}` } })
  expect(keys.status).toBe(200)
  const { items } = await keys.json() as { items: { name: string; role: string }[] }
  expect(items).toContainEqual(expect.objectContaining({ name: 'compiled-test', role: 'admin' }))
})

test('SIGTERM: the compiled server exits 0', async () => {
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  child.kill('SIGTERM')
  expect(await exited).toBe(0)
  expect(output).toContain('shutting down')
  // Its route schemas compiled after it listened, every one of them.
  expect(output).not.toContain('a route schema does not compile')
})
