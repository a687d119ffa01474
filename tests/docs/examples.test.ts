// The documentation cannot drift: every `sh runnable` block of README.md and docs/ runs with bash
// against one started server (a fresh embedded database, a real port) and must meet the
// expectations written under it; every relative link must lead to a file and heading that exist.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.ts'
import {
  documentationFiles, parseExpectations, runBlock, runnableBlocks, unmetExpectations, type Response,
} from './doc-examples.ts'

const root = path.resolve(import.meta.dirname, '../..')
const files = documentationFiles(root)
const markdown = new Map(files.map((file) => [file, readFileSync(path.join(root, file), 'utf8')]))
const blocks = files.flatMap((file) => runnableBlocks(file, markdown.get(file)!))

/** The bootstrap admin key the examples that write send as `$ADMIN_API_KEY`. */
const ADMIN_API_KEY = 'docs-examples-admin-key-0001'

describe('the expectation grammar', () => {
  const response: Response = {
    status: 201,
    headers: { etag: '"1"', 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ parameters: { total: 6738415616 }, rows: [{ method: 'lora', fits: true }], warnings: [], tags: ['a', 'b b'], nothing: null }),
  }
  const unmet = (text: string) => unmetExpectations(parseExpectations(text), response)

  it('passes what holds', () => {
    expect(unmet('status=201 header.etag~1 header.content-type~"application/json" body~6738415616 body!~nope')).toEqual([])
    expect(unmet('.parameters.total=6738415616 .parameters.total>6e9 .parameters.total<=6738415616 .rows[0].method=lora .rows.0.fits=true')).toEqual([])
    expect(unmet('.rows.length=1 .warnings=[] .tags~"b b" .tags!~c .rows[0].method!=full .parameters !.missing !.nothing')).toEqual([])
  })

  it('reports each expectation that does not hold, with what was found', () => {
    expect(unmet('status=200')).toEqual(['status=200: the last curl answered 201'])
    expect(unmet('.parameters.total=6738415617')).toEqual(['.parameters.total=6738415617: found 6738415616'])
    expect(unmet('.rows[0].method=full .rows[1].method=lora .parameters.total>7e9 .tags~c .missing .nothing')).toHaveLength(6)
    expect(unmet('!.parameters header.etag~2 body~nope .missing!=1')).toHaveLength(4)
  })

  it('refuses what it does not know', () => {
    expect(() => parseExpectations('stat=200')).toThrow(/unknown expectation "stat=200"/)
    expect(() => parseExpectations('.a..b=1')).toThrow(/bad JSON path/)
  })

  it('finds a block and the expectation under it, and a block without one', () => {
    const found = runnableBlocks('x.md', '# x\n\n```sh runnable\ncurl -s http://127.0.0.1:3000/health/live\n```\n\n<!-- expect: status=200\n  .status=ok -->\n\n```sh\nnot runnable\n```\n\n```sh runnable\necho\n```\ntext\n')
    expect(found).toEqual([
      { file: 'x.md', line: 3, script: 'curl -s http://127.0.0.1:3000/health/live', expect: 'status=200\n  .status=ok' },
      { file: 'x.md', line: 14, script: 'echo', expect: null },
    ])
  })
})

describe('links between the pages', () => {
  const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\- _]/gu, '').replace(/ /g, '-')
  const prose = (text: string) => text.replace(/^(`{3,}|~{3,})[\s\S]*?^\1/gm, '').replace(/<!--[\s\S]*?-->/g, '')
  const anchors = new Map(files.map((file) => [file, new Set([...prose(markdown.get(file)!).matchAll(/^#+ (.*)$/gm)].map((m) => slug(m[1]!)))]))

  it.each(files)('%s links only to files and headings that exist', (file) => {
    const broken: string[] = []
    for (const [, target] of prose(markdown.get(file)!).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue
      const [relative, anchor] = target!.split('#')
      const resolved = relative ? path.posix.normalize(path.posix.join(path.posix.dirname(file), relative)) : file
      if (!existsSync(path.join(root, resolved))) broken.push(`${target} (no file ${resolved})`)
      else if (anchor && resolved.endsWith('.md') && !anchors.get(resolved)?.has(anchor)) broken.push(`${target} (no heading #${anchor})`)
    }
    expect(broken).toEqual([])
  })

  it('no page points outside the repository', () => {
    const outside = files.filter((file) => /\bshared\/(design|reference)\//.test(markdown.get(file)!))
    expect(outside).toEqual([])
  })
})

describe('runnable examples', () => {
  let t: TestApp
  let baseUrl: string

  beforeAll(async () => {
    execFileSync('curl', ['--version'], { stdio: 'ignore' }) // the examples are curl commands; CI installs it
    t = await buildTestApp({ ADMIN_API_KEY, ADVISOR_WORKERS: '0' })
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
  })
  afterAll(async () => { await t?.close() })

  it('README.md shows a runnable REST and GraphQL request and a config import, and docs/ many more', () => {
    const readme = blocks.filter((block) => block.file === 'README.md')
    expect(readme.map((block) => /\/graphql\b/.test(block.script))).toEqual([false, true, false])
    expect(readme[2]!.script).toContain('/v1/estimates/from-config')
    expect(blocks.length).toBeGreaterThanOrEqual(30)
  })

  it.each(blocks.map((block) => [`${block.file}:${block.line}`, block] as const))('%s', async (_, block) => {
    expect(block.expect, 'a runnable block needs <!-- expect: … --> right after it').not.toBeNull()
    const parsed = parseExpectations(block.expect!)
    expect(parsed.map((p) => p.expectation.kind), 'every runnable block states the HTTP status it expects').toContain('status')
    const run = await runBlock(block.script, baseUrl, { ADMIN_API_KEY })
    expect(run.exitCode, `bash exited ${run.exitCode}: ${run.stderr}`).toBe(0)
    expect(unmetExpectations(parsed, run)).toEqual([])
  })
})
