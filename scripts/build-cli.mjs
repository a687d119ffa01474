// `npm run build:cli` (part of `npm run build`): the CLI as one ES module, dist/cli/main.js, which
// bin/finetune-estimator.js runs when it exists (else the sources through tsx). Bundled with
// esbuild rather than compiled by tsc with the server: it imports the typed client under clients/,
// outside the server's src/ root. Packages stay in node_modules, but TypeBox, bundled in (683 ES
// modules, the largest part of a start on Node 20). dist/cli/ sits as deep as src/db/, so the seed
// catalog the CLI reads ('../../prisma/seed-data' from the module) is found from the bundle too.
import { readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const out = path.join(root, 'dist', 'cli')

let esbuild
try {
  esbuild = createRequire(import.meta.url)('esbuild')
} catch {
  console.error('build:cli needs the dev dependencies (esbuild): install without --omit=dev, build, then prune (as the Dockerfile does)')
  process.exit(1)
}

const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))
const external = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter((name) => name !== 'typebox')

rmSync(out, { recursive: true, force: true })
esbuild.buildSync({
  entryPoints: [path.join(root, 'src', 'cli', 'main.ts')],
  outfile: path.join(out, 'main.js'),
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  sourcemap: true,
  logLevel: 'warning',
})
console.log('build:cli: dist/cli/main.js bundled')
