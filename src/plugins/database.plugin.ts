// Decorates the app with the database handle and the catalog service. On boot it brings the schema
// up to date and seeds an empty catalog; it closes the handle with the app when it opened it.
// Once the server listens it loads the catalog, so the first estimate finds it in memory.
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { DatabaseAvailability } from '../db/availability.ts'
import { withStaleFallback } from '../db/catalog-fallback.repository.ts'
import { createCatalogRepository } from '../db/catalog.repository.ts'
import { createDb, type Db } from '../db/client.ts'
import { migrate } from '../db/migrator.ts'
import { catalogIsEmpty, seedCatalog } from '../db/seed.ts'
import { CatalogService } from '../services/catalog.service.ts'
import { dbOptionsOf } from './database-options.ts'

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

export const databasePlugin = fp<DatabasePluginOptions>(async (app, { config, db: given, prepare = true }) => {
  const db = given ?? await createDb(dbOptionsOf(config))
  if (!given) app.addHook('onClose', async () => db.close())
  if (prepare) {
    const started = performance.now()
    try {
      const applied = await migrate(db)
      if (applied.length > 0) app.log.info({ applied }, 'migrations applied')
      const migrated = performance.now()
      if (await catalogIsEmpty(db)) app.log.info({ seeded: await seedCatalog(db.prisma) }, 'empty catalog seeded')
      // Where a start's time goes (bench/cold-start.ts reads this line and server.ts's 'started').
      const ms = (from: number, to: number) => Math.round(to - from)
      app.log.info({ database: { kind: db.kind, migrateMs: ms(started, migrated), seedCheckMs: ms(migrated, performance.now()) } }, 'database prepared')
    } catch (err) {
      if (!given) await db.close()
      throw err
    }
  }
  app.decorate('db', db)
  const availability = new DatabaseAvailability()
  app.decorate('dbAvailability', availability)
  const catalog = new CatalogService(withStaleFallback(createCatalogRepository(db.prisma), availability))
  app.decorate('catalog', catalog)
  // Once listening, the catalog loads (and Prisma with it) ahead of the first estimate that needs it.
  app.addHook('onListen', (done) => {
    Promise.resolve(catalog.view()).catch((err: unknown) => app.log.warn({ err }, 'loading the catalog after listen failed; the first request will retry'))
    done()
  })
}, { name: 'database' })
