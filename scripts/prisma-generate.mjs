// Generates the Prisma client. `prisma generate` tries to download the schema-engine binary,
// which fails on offline machines; generate never runs that binary, it only checks that the file
// exists, so on failure we retry with PRISMA_SCHEMA_ENGINE_BINARY pointing at any existing file.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const prismaCli = require.resolve('prisma/build/index.js')
const run = (env) =>
  spawnSync(process.execPath, [prismaCli, 'generate'], { env: { ...process.env, ...env }, encoding: 'utf8' })

let result = run({})
if (result.status !== 0 && !process.env.PRISMA_SCHEMA_ENGINE_BINARY) {
  result = run({ PRISMA_SCHEMA_ENGINE_BINARY: process.execPath })
}
process.stdout.write(result.stdout ?? '')
if (result.status !== 0) {
  process.stderr.write(result.stderr ?? '')
  process.exit(result.status ?? 1)
}
