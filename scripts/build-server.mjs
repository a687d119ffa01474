// `npm run build:server` (also run by `npm run build` and `prepare`): compiles src/ to dist/ with
// tsconfig.build.json, then copies what the modules read beside themselves at run time (the
// GraphQL SDL under src/graphql/schema, any other non-TypeScript file under src/). dist/ is wiped
// first, so a deleted source leaves no stale module behind. prisma/ stays where it is: dist/db/
// sits as deep as src/db/, so '../../prisma' reaches it from both.
// `--if-stale` (benches, tests): does nothing when dist/server.js is newer than every file under src/.
import { spawnSync } from 'node:child_process'
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const src = path.join(root, 'src')
const dist = path.join(root, 'dist')

const mtime = (file) => { try { return statSync(file).mtimeMs } catch { return 0 } }
const files = (dir) => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile())
if (process.argv.includes('--if-stale')) {
  const newestSource = Math.max(...files(src).map((entry) => mtime(path.join(entry.parentPath, entry.name))))
  if (mtime(path.join(dist, 'server.js')) > newestSource) process.exit(0)
}

let tsc
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
} catch {
  console.error('build:server needs the dev dependencies (typescript): install without --omit=dev, build, then prune (as the Dockerfile does)')
  process.exit(1)
}

rmSync(dist, { recursive: true, force: true })
const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root })
if (compiled.status !== 0) process.exit(compiled.status ?? 1)

let assets = 0
for (const entry of files(src)) {
  if (entry.name.endsWith('.ts')) continue
  const from = path.join(entry.parentPath, entry.name)
  cpSync(from, path.join(dist, path.relative(src, from)))
  assets++
}
console.log(`build:server: dist/ compiled, ${assets} asset file(s) copied`)
