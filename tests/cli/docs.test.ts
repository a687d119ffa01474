// docs/cli.md and README.md cannot drift: every `sh cli` block runs (in this process, through the
// CLI's own entry) and ends with the exit status written under it; one runs through `npx` as a reader would.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'
import { run } from '../../src/cli/main.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8')
const markdown = read('docs/cli.md')
const readme = read('README.md')

/** `sh cli` blocks and the `<!-- exit: N -->` after each. */
const blocksOf = (text: string) => [...text.matchAll(/^```sh cli\n([\s\S]*?)^```\n\s*<!-- exit: (\d) -->/gm)].map((m) => ({ command: m[1]!.trim(), exit: Number(m[2]) }))
const blocks = [...blocksOf(markdown), ...blocksOf(readme)]

test('docs/cli.md and README.md have their examples marked', () => {
  expect(blocksOf(markdown).length).toBeGreaterThanOrEqual(7)
  expect(markdown.match(/^```sh cli$/gm)).toHaveLength(blocksOf(markdown).length)
  expect(blocksOf(readme)).toHaveLength(1)
  expect(readme.match(/^```sh cli$/gm)).toHaveLength(1)
})

test.each(blocks.map((b) => [b.command, b] as const))('%s', async (_command, block) => {
  const words = block.command.split(/\s+/)
  expect(words.slice(0, 2)).toEqual(['npx', 'finetune-estimator'])
  const cwd = process.cwd()
  process.chdir(ROOT)
  try {
    const err: string[] = []
    const status = await run(words.slice(2), { out: () => undefined, err: (t) => err.push(t) })
    expect(status, err.join('\n')).toBe(block.exit)
  } finally {
    process.chdir(cwd)
  }
})

test('npx finetune-estimator runs the bin from a clone', async () => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const { stdout } = await promisify(execFile)(npm, ['exec', '--no', '--', 'finetune-estimator', 'estimate', 'examples/requests/llama-2-7b-lora.json', '--json'], { cwd: ROOT })
  expect(JSON.parse(stdout).resolved.modelId).toBe('llama-2-7b')
}, 60_000)
