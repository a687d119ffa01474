// A built app over the test file's shared PGlite, migrated and seeded the way a first start does.
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import type { Db } from '../../src/db/client.ts'
import { freshPgliteDb } from './pglite.ts'

export interface TestApp {
  app: FastifyInstance
  db: Db
  close(): Promise<void>
}

export async function buildTestApp(env: NodeJS.ProcessEnv = {}): Promise<TestApp> {
  const db = await freshPgliteDb()
  const app = await buildApp(loadConfig(env), { db, logger: false })
  return {
    app,
    db,
    async close() {
      await app.close()
      await db.close()
    },
  }
}
