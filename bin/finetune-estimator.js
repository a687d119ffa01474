#!/usr/bin/env node
// The `finetune-estimator` command: the compiled CLI when `npm run build` made one (dist/cli/main.js,
// or dist/src/cli/main.js when the build's root is the repository, as compiling clients/ with src/
// needs), otherwise the TypeScript sources through tsx, so it works from a clone as from an install.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const compiled = ['../dist/cli/main.js', '../dist/src/cli/main.js']
  .map((file) => new URL(file, import.meta.url))
  .find((url) => existsSync(fileURLToPath(url)))
let main
if (compiled) {
  main = await import(compiled.href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  main = await import(new URL('../src/cli/main.ts', import.meta.url).href)
}
process.exitCode = await main.run(process.argv.slice(2))
