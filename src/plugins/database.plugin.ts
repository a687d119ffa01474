// Decorates the app with the database handle and the catalog service. On boot it brings the schema
// up to date and seeds an empty catalog; it closes the handle with the app when it opened it.
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { DatabaseAvailability } from '../db/availability.ts'
import { withStaleFallback } from '../db/catalog-fallback.repository.ts'
import { createCatalogRepository } from '../db/catalog.repository.ts'
import { createDb, type Db } from '../db/client.ts'
import { migrate } from '../db/migrator.ts'
import { seedIfEmpty } from '../db/seed.ts'
import { CatalogService } from '../services/catalog.service.ts'
import path from 'node:path'

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
    catalog: CatalogService
    /** Whether the database answered lately (src/db/availability.ts). */
    dbAvailability: DatabaseAvailability
  }
}

export interface DatabasePluginOptions {
  config: Config
  /** A handle opened by the caller (tests, scripts); the caller closes it. */
  db?: Db | undefined
  /** Apply pending migrations and seed an empty catalog on boot (default true). */
  prepare?: boolean | undefined
}

export const pgliteDirOf = (config: Config) => path.join(config.DATA_DIR, 'pglite')

export const databasePlugin = fp<DatabasePluginOptions>(async (app, { config, db: given, prepare = true }) => {
  const started = performance.now()
  const db = given ?? await createDb({
    databaseUrl: config.DATABASE_URL,
    pgliteDir: pgliteDirOf(config),
    poolMax: config.DB_POOL_MAX,
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: config.DB_QUERY_TIMEOUT_MS,
  })
  if (!given) app.addHook('onClose', async () => db.close())
  const opened = performance.now()
  if (prepare) {
    try {
      const applied = await migrate(db)
      if (applied.length > 0) app.log.info({ applied }, 'migrations applied')
      const migrated = performance.now()
      const seeded = await seedIfEmpty(db.prisma)
      if (seeded) app.log.info({ seeded }, 'empty catalog seeded')
      // Where a start's time goes (bench/cold-start.ts reads this line and server.ts's 'started').
      const ms = (from: number, to: number) => Math.round(to - from)
      app.log.info({ database: { kind: db.kind, openMs: given ? 0 : ms(started, opened), migrateMs: ms(opened, migrated), seedCheckMs: ms(migrated, performance.now()) } }, 'database prepared')
    } catch (err) {
      if (!given) await db.close()
      throw err
    }
  }
  app.decorate('db', db)
  const availability = new DatabaseAvailability()
  app.decorate('dbAvailability', availability)
  app.decorate('catalog', new CatalogService(withStaleFallback(createCatalogRepository(db.prisma), availability)))
}, { name: 'database' })
