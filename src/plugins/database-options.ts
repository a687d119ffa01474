// Where the service's database is and how it is reached, from the config: PostgreSQL at
// DATABASE_URL, else the embedded one under DATA_DIR. Apart from the database plugin so that the
// server can start opening the database before the rest of the app has loaded.
import path from 'node:path'
import type { Config } from '../config.ts'
import type { DbOptions } from '../db/client.ts'

export const pgliteDirOf = (config: Config) => path.join(config.DATA_DIR, 'pglite')

export const dbOptionsOf = (config: Config): DbOptions => ({
  databaseUrl: config.DATABASE_URL,
  pgliteDir: pgliteDirOf(config),
  poolMax: config.DB_POOL_MAX,
  connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
  queryTimeoutMs: config.DB_QUERY_TIMEOUT_MS,
})
