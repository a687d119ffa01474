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

/**
 * Load shedding and rate limits are tested where they live (tests/hardening/protection.test.ts);
 * elsewhere they only add flakiness: on a loaded 2-core machine the first PGlite queries block
 * the event loop for longer than the shedding threshold.
 */
export const QUIET_LIMITS = { PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0', RATE_LIMIT_MAX: '0' } as const

export async function buildTestApp(env: NodeJS.ProcessEnv = {}): Promise<TestApp> {
  const db = await freshPgliteDb()
  return ownedTogether(await buildApp(loadConfig({ ...QUIET_LIMITS, ...env }), { db, logger: false }), db)
}

/** An app and the database handle it was built over, closed together: the app first, so in-flight work finishes. */
export function ownedTogether(app: FastifyInstance, db: Db): TestApp {
  return {
    app,
    db,
    async close() {
      await app.close()
      await db.close()
    },
  }
}
