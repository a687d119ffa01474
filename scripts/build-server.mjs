// `npm run build:server` (also run by `npm run build` and `prepare`): compiles src/ to dist/ with
// tsconfig.build.json, then copies what the modules read beside themselves at run time (the
// GraphQL SDL under src/graphql/schema, any other non-TypeScript file under src/). prisma/ stays
// where it is: dist/db/ sits as deep as src/db/, so '../../prisma' reaches it from both.
//
// TypeBox is then bundled into dist/vendor/typebox/ (one module per entry the service imports,
// shared code in chunks, so there is still one TypeBox) and the compiled modules import it from
// there: published as 683 ES modules, it cost Node 20's ES module loader about half of all the
// module loading of a start (typebox/compile alone: ~0.6 s of CPU on the 2-core dev machine, 35 ms
// bundled). Only the compiled start uses the bundle; tsx and Vitest load node_modules/typebox.
// `--if-stale` (benches, tests): does nothing when dist/server.js is newer than every file under src/.
import { spawnSync } from 'node:child_process'
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
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

// What this build makes (the tree of src/ but the CLI, and vendor/) goes first, so a deleted source
// leaves no stale module; what other build steps put beside it (dist/cli, a web build) stays.
const owned = new Set([...readdirSync(src).filter((name) => name !== 'cli').map((name) => name.replace(/\.ts$/, '')), 'vendor'])
for (const name of mtime(dist) ? readdirSync(dist) : []) {
  if (owned.has(name.replace(/\.js(\.map)?$/, ''))) rmSync(path.join(dist, name), { recursive: true, force: true })
}
const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root })
if (compiled.status !== 0) process.exit(compiled.status ?? 1)

let assets = 0
for (const entry of files(src)) {
  if (entry.name.endsWith('.ts') || path.relative(src, entry.parentPath).split(path.sep)[0] === 'cli') continue
  const from = path.join(entry.parentPath, entry.name)
  cpSync(from, path.join(dist, path.relative(src, from)))
  assets++
}

// 'typebox', 'typebox/value', ... as tsc wrote them (static imports and import()).
const TYPEBOX_IMPORT = /(\bfrom\s*|\bimport\s*\(\s*)(['"])(typebox(?:\/[\w-]+)?)\2/g
const modules = files(dist).filter((entry) => entry.name.endsWith('.js')).map((entry) => path.join(entry.parentPath, entry.name))
const specifiers = new Set(modules.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(TYPEBOX_IMPORT)].map((m) => m[3])))
const vendor = path.join(dist, 'vendor', 'typebox')
const entryName = (specifier) => (specifier === 'typebox' ? 'index' : specifier.slice('typebox/'.length))
const esbuild = createRequire(import.meta.url)('esbuild')
esbuild.buildSync({
  entryPoints: Object.fromEntries([...specifiers].map((specifier) => [entryName(specifier), specifier])),
  absWorkingDir: root,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: vendor,
  logLevel: 'warning',
})
for (const file of modules) {
  const text = readFileSync(file, 'utf8')
  const rewritten = text.replace(TYPEBOX_IMPORT, (_match, keyword, quote, specifier) => {
    const target = path.relative(path.dirname(file), path.join(vendor, `${entryName(specifier)}.js`)).split(path.sep).join('/')
    return `${keyword}${quote}${target.startsWith('.') ? target : `./${target}`}${quote}`
  })
  if (rewritten !== text) writeFileSync(file, rewritten)
}
console.log(`build:server: dist/ compiled, ${assets} asset file(s) copied, typebox bundled (${[...specifiers].sort().join(', ')})`)
