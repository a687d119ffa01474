// `npm run keys:create -- --role admin [--name ops]` (compiled: `node dist/ops/keys-create.js
// --role admin`): creates an API key and prints it once (only its SHA-256 is stored). This is how
// the first admin key comes to exist; later keys can also be made with POST /v1/keys. Migrates
// first, so it works on a fresh install.
import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { createApiKeyRepository } from '../db/api-key.repository.ts'
import { createDb } from '../db/client.ts'
import { migrate } from '../db/migrator.ts'
import { pgliteDirOf } from '../plugins/database-options.ts'
import { AccessPolicy, AuthService, CreateKeyInputSchema } from '../services/auth.service.ts'
import { validator } from '../services/validation.ts'
import { ROLES } from '../services/context.ts'

const options = `--role ${ROLES.join('|')} [--name <who holds it>]`
const usage = `usage: npm run keys:create -- ${options}\n   or: node dist/ops/keys-create.js ${options}`
let input
try {
  const { values } = parseArgs({ options: { role: { type: 'string' }, name: { type: 'string', default: 'cli' } }, strict: true })
  input = validator(CreateKeyInputSchema)({ role: values.role, name: values.name })
} catch (err) {
  console.error(`${(err as Error).message}\n${usage}`)
  process.exit(2)
}

const config = loadConfig(process.env)
const db = await createDb({ databaseUrl: config.DATABASE_URL, pgliteDir: pgliteDirOf(config) })
try {
  await migrate(db)
  const auth = new AuthService(createApiKeyRepository(db.prisma), new AccessPolicy(config.REQUIRE_AUTH))
  const created = await auth.issue(input)
  console.error(`Created ${created.role} key "${created.name}" (id ${created.id}). It is shown once; store it now:`)
  console.log(created.key)
} catch (err) {
  console.error(`keys:create failed: ${(err as Error).message}`)
  process.exitCode = 1
} finally {
  await db.close()
}
