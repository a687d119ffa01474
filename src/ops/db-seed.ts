// `npm run db:seed` (compiled: `node dist/ops/db-seed.js`): (re)loads the catalog from prisma/seed-data. Creates what is missing, refreshes
// seed-managed rows, leaves admin-edited rows and existing prices alone. Migrates first.
import { loadConfig } from '../config.ts'
import { createDb } from '../db/client.ts'
import { migrate } from '../db/migrator.ts'
import { seedCatalog } from '../db/seed.ts'
import { pgliteDirOf } from '../plugins/database-options.ts'

const config = loadConfig(process.env)
const db = await createDb({ databaseUrl: config.DATABASE_URL, pgliteDir: pgliteDirOf(config) })
try {
  await migrate(db)
  const result = await seedCatalog(db.prisma)
  console.log(JSON.stringify(result))
} catch (err) {
  console.error(`db:seed failed: ${(err as Error).message}`)
  process.exitCode = 1
} finally {
  await db.close()
}
