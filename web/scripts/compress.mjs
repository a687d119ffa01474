// Brotli and gzip copies of the built scripts and styles beside them (index-abc.js.br, .gz), which
// @fastify/static serves to browsers that accept them: compressed once at build, never per request.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { URL } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const ASSETS = new URL('../dist/assets/', import.meta.url)
let raw = 0
let brotli = 0
for (const name of readdirSync(ASSETS)) {
  if (!/\.(js|css|svg)$/.test(name)) continue
  const file = new URL(name, ASSETS)
  const content = readFileSync(file)
  const br = brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: content.length } })
  writeFileSync(new URL(`${name}.br`, ASSETS), br)
  writeFileSync(new URL(`${name}.gz`, ASSETS), gzipSync(content, { level: 9 }))
  raw += content.length
  brotli += br.length
}
console.log(`web: ${(raw / 1024).toFixed(1)} KiB of scripts and styles, ${(brotli / 1024).toFixed(1)} KiB brotli`)
