// Keeps the service useful while its surroundings fail: catalog caches follow writes made on
// other replicas (LISTEN/NOTIFY + version poll), reads served while the database is away say so
// (`x-cache: stale`, `Warning: 110`), and a draining process fails readiness first so load
// balancers stop sending before the listener closes.
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { isDatabaseUnavailable } from '../db/availability.ts'
import { RETRY_AFTER_S } from '../contract/errors.ts'
import { CatalogSync } from '../db/catalog-sync.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Present on PostgreSQL: follows the catalog version across replicas. */
    catalogSync: CatalogSync | null
    /** Marks the process as going away: /health/ready answers 503 from now on. */
    drain(): void
    readonly draining: boolean
  }
}

export const resiliencePlugin = fp<{ config: Config }>(async (app, { config }) => {
  const sync = app.db.kind === 'postgres'
    ? new CatalogSync({
        db: app.db,
        databaseUrl: config.DATABASE_URL,
        ttlMs: config.CATALOG_VERSION_TTL_MS,
        connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
        availability: app.dbAvailability,
        invalidate: () => app.catalog.invalidate(),
        log: app.log,
      })
    : null
  app.decorate('catalogSync', sync)
  if (sync) {
    // Without DATABASE_URL (a handle opened by the caller) only the version poll runs.
    await sync.start()
    app.addHook('onClose', async () => sync.close())
  }

  app.addHook('onError', async (_request, _reply, err) => {
    if (isDatabaseUnavailable(err)) app.dbAvailability.markDown()
  })

  app.addHook('onSend', (request, reply, payload, done) => {
    if (!app.dbAvailability.available && request.method === 'GET' && reply.statusCode < 300 && request.url.startsWith('/v1/')) {
      reply.header('x-cache', 'stale')
      reply.header('warning', '110 - "Response is Stale"')
    }
    done(null, payload)
  })

  let draining = false
  app.decorate('drain', () => { draining = true })
  app.decorate('draining', { getter: () => draining })
  app.addHook('onRequest', (request, reply, done) => {
    // Replying from a callback hook ends the request there: done() must not follow.
    if (draining && request.url.split('?')[0] === '/health/ready') reply.code(503).header('retry-after', RETRY_AFTER_S).send({ status: 'unavailable' })
    else done()
  })
}, { name: 'resilience', dependencies: ['database'] })
