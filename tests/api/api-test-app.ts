// One app per engine per test file, over a freshly migrated and seeded database: creating a
// database costs seconds, so tests in a file share it and keep apart by the names they create.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { QUIET_LIMITS } from '../helpers/app.ts'
import { openFreshDatabase, type Engine } from '../helpers/databases.ts'

/** A valid ADMIN_API_KEY: tests send it as `Bearer ${ADMIN_KEY}` to act as the bootstrap admin. */
export const ADMIN_KEY = 'test-admin-key-0123456789'

export interface ApiTestApp {
  app: FastifyInstance
  /** app.inject with an optional bearer key. */
  call(options: InjectOptions & { key?: string }): Promise<LightMyRequestResponse>
  close(): Promise<void>
}

export async function startApiApp(engine: Engine, env: Record<string, string> = {}): Promise<ApiTestApp> {
  const database = await openFreshDatabase(engine)
  const config = loadConfig({ ...QUIET_LIMITS, ADMIN_API_KEY: ADMIN_KEY, LOG_LEVEL: 'silent', ...env })
  const app = await buildApp(config, { db: database.db, logger: false })
  await app.ready()
  return {
    app,
    call: ({ key, headers, ...options }) =>
      app.inject({ ...options, headers: { ...headers, ...(key ? { authorization: `Bearer ${key}` } : {}) } }),
    async close() {
      await app.close()
      await database.dispose()
    },
  }
}

export const asAdmin = { key: ADMIN_KEY }
