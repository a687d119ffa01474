// `npm run db:migrate` (compiled: `node dist/ops/db-migrate.js`, as in the image): applies pending
// migrations to DATABASE_URL (or the embedded database under DATA_DIR).
import { loadConfig } from '../config.ts'
import { createDb } from '../db/client.ts'
import { migrate } from '../db/migrator.ts'
import { pgliteDirOf } from '../plugins/database-options.ts'

const config = loadConfig(process.env)
const db = await createDb({ databaseUrl: config.DATABASE_URL, pgliteDir: pgliteDirOf(config) })
try {
  const applied = await migrate(db)
  console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database is up to date')
} catch (err) {
  console.error(`db:migrate failed: ${(err as Error).message}`)
  process.exitCode = 1
} finally {
  await db.close()
}
