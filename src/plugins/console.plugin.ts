// The console at /: the bundle `npm run build:web` writes to web/dist (vite build of web/), served
// by the service itself, so it works offline and with no CDN. index.html is revalidated on every
// load (no-cache); files under /assets/ carry a content hash in their names and are cached for a
// year as immutable, precompressed (brotli, gzip) where the build wrote .br/.gz beside them. The
// page's CSP allows only its own origin (no inline scripts or styles); the API keeps its own
// headers, since these hooks apply to this plugin's two routes only.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

export const CONSOLE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
  + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/** web/dist under the package root: the nearest folder above this file with a package.json (src/ or a compiled dist/). */
export function defaultConsoleDir(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir)
  return path.join(dir, 'web', 'dist')
}

export async function consolePlugin(app: FastifyInstance, { dir = defaultConsoleDir() }: { dir?: string } = {}): Promise<void> {
  const indexFile = path.join(dir, 'index.html')
  const index = existsSync(indexFile) ? readFileSync(indexFile) : null

  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('content-security-policy', CONSOLE_CSP)
    done(null, payload)
  })

  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    if (!index) {
      return reply.code(503).header('cache-control', 'no-store').type('text/plain; charset=utf-8')
        .send('The console is not built. Run `npm run build:web` (npm install does it), then reload. The API is at /docs.\n')
    }
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(index)
  })

  const assets = path.join(dir, 'assets')
  if (existsSync(assets)) {
    await app.register(fastifyStatic, {
      root: assets,
      prefix: '/assets/',
      decorateReply: false,
      index: false,
      preCompressed: true,
      immutable: true,
      maxAge: '365d',
      schemaHide: true,
    })
  }
}
