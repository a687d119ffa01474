// `npm run keys:create -- --role admin [--name ops]`: creates an API key and prints it once (only
// its SHA-256 is stored). This is how the first admin key comes to exist; later keys can also be
// made with POST /v1/keys. Migrates first, so it works on a fresh install.
import { parseArgs } from 'node:util'
import { loadConfig } from '../src/config.ts'
import { createApiKeyRepository } from '../src/db/api-key.repository.ts'
import { createDb } from '../src/db/client.ts'
import { migrate } from '../src/db/migrator.ts'
import { pgliteDirOf } from '../src/plugins/database.plugin.ts'
import { AccessPolicy, AuthService, CreateKeyInputSchema } from '../src/services/auth.service.ts'
import { validator } from '../src/services/validation.ts'
import { ROLES } from '../src/services/context.ts'

const usage = `usage: npm run keys:create -- --role ${ROLES.join('|')} [--name <who holds it>]`
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
