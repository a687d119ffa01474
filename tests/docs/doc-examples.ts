// The documentation's runnable examples: found in the Markdown, run with bash against a started
// server, and held to the expectations written next to them. The grammar is documented in
// docs/development.md ("Documentation examples that run"); keep the two in step.
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { isDeepStrictEqual } from 'node:util'

/** The base URL the examples are written against; the runner puts the started server's in its place. */
export const DOCUMENTED_BASE_URL = 'http://127.0.0.1:3000'

export interface RunnableBlock {
  /** Path relative to the repository root, e.g. "docs/rest-api.md". */
  file: string
  /** 1-based line of the opening fence. */
  line: number
  script: string
  /** The expectation comment's text after "expect:", or null when the block has none. */
  expect: string | null
}

/** README.md, then docs/ in path order: the order the examples run in. */
export function documentationFiles(root: string): string[] {
  const docs = readdirSync(path.join(root, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.posix.join('docs', name.split(path.sep).join('/')))
    .sort()
  return ['README.md', ...docs]
}

const FENCE = /^(`{3,}|~{3,})(.*)$/

/**
 * Every fenced block whose info string is `sh runnable`, with the `<!-- expect: … -->` comment
 * that follows it (blank lines between are allowed, nothing else).
 */
export function runnableBlocks(file: string, markdown: string): RunnableBlock[] {
  const lines = markdown.split('\n')
  const blocks: RunnableBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!)
    if (!open) continue
    const fence = open[1]!
    const info = open[2]!.trim().split(/\s+/)
    let end = i + 1
    while (end < lines.length && !lines[end]!.startsWith(fence)) end++
    if (info[0] === 'sh' && info.includes('runnable')) {
      let next = end + 1
      while (next < lines.length && lines[next]!.trim() === '') next++
      blocks.push({
        file,
        line: i + 1,
        script: lines.slice(i + 1, end).join('\n'),
        expect: expectationAt(lines, next),
      })
    }
    i = end
  }
  return blocks
}

function expectationAt(lines: string[], start: number): string | null {
  if (start >= lines.length || !lines[start]!.trimStart().startsWith('<!--')) return null
  let text = ''
  for (let i = start; i < lines.length; i++) {
    text += `${lines[i]}\n`
    if (lines[i]!.includes('-->')) break
  }
  const match = /^\s*<!--\s*expect:([\s\S]*?)-->/.exec(text)
  return match ? match[1]!.trim() : null
}

export type Comparison = '=' | '!=' | '>' | '>=' | '<' | '<=' | '~' | '!~'

export type Expectation =
  | { kind: 'status'; value: number }
  | { kind: 'header'; name: string; op: '=' | '~'; value: string }
  | { kind: 'body'; op: '~' | '!~'; value: string }
  | { kind: 'path'; path: (string | number)[]; op: Comparison; value: unknown }
  | { kind: 'present'; path: (string | number)[] }
  | { kind: 'absent'; path: (string | number)[] }

export interface ParsedExpectation {
  token: string
  expectation: Expectation
}

const TOKEN = /(?:[^\s"]+|"(?:[^"\\]|\\.)*")+/g
const PATH_OP = /^(\.[^=!<>~]*)(!=|!~|>=|<=|=|>|<|~)([\s\S]*)$/

/** Splits an expectation comment into tokens and parses each; throws on anything it does not know. */
export function parseExpectations(text: string): ParsedExpectation[] {
  return (text.match(TOKEN) ?? []).map((token) => ({ token, expectation: parseToken(token) }))
}

function parseToken(token: string): Expectation {
  let m: RegExpExecArray | null
  if ((m = /^status=(\d{3})$/.exec(token))) return { kind: 'status', value: Number(m[1]) }
  if ((m = /^header\.([A-Za-z0-9-]+)(=|~)([\s\S]*)$/.exec(token))) {
    return { kind: 'header', name: m[1]!.toLowerCase(), op: m[2] as '=' | '~', value: text(m[3]!) }
  }
  if ((m = /^body(!~|~)([\s\S]+)$/.exec(token))) return { kind: 'body', op: m[1] as '~' | '!~', value: text(m[2]!) }
  if (token.startsWith('!.')) return { kind: 'absent', path: parsePath(token.slice(1)) }
  if ((m = PATH_OP.exec(token))) {
    return { kind: 'path', path: parsePath(m[1]!), op: m[2] as Comparison, value: literal(m[3]!) }
  }
  if (token.startsWith('.')) return { kind: 'present', path: parsePath(token) }
  throw new Error(`unknown expectation "${token}" (see docs/development.md, "Documentation examples that run")`)
}

/** `.a.b[0].c` or `.a.b.0.c`; `.` alone is the whole body. */
function parsePath(source: string): (string | number)[] {
  if (source === '.') return []
  const segments: (string | number)[] = []
  const re = /\.([A-Za-z_$][\w$-]*|\d+)|\[(\d+)\]/y
  let m: RegExpExecArray | null
  while (re.lastIndex < source.length && (m = re.exec(source))) {
    const raw = m[1] ?? m[2]!
    segments.push(/^\d+$/.test(raw) ? Number(raw) : raw)
  }
  if (re.lastIndex !== source.length || segments.length === 0) throw new Error(`bad JSON path "${source}"`)
  return segments
}

/** A JSON literal where the text is one (42, true, null, "a b", [1,2]); the bare text otherwise. */
function literal(raw: string): unknown {
  try {
    return JSON.parse(raw)
  } catch {
    return raw
  }
}

/** Header and contains values: a JSON string literal when quoted, else the text as written. */
function text(raw: string): string {
  const value = literal(raw)
  return typeof value === 'string' ? value : raw
}

export interface Response {
  status: number | null
  headers: Record<string, string>
  body: string
}

const MISSING = Symbol('missing')

function lookup(root: unknown, segments: (string | number)[]): unknown {
  let value: unknown = root
  for (const segment of segments) {
    if (segment === 'length' && (Array.isArray(value) || typeof value === 'string')) {
      value = value.length
    } else if (value !== null && typeof value === 'object' && Object.hasOwn(value, segment)) {
      value = (value as Record<string | number, unknown>)[segment]
    } else {
      return MISSING
    }
  }
  return value
}

const show = (value: unknown) => (value === MISSING ? 'nothing' : JSON.stringify(value))

function compare(actual: unknown, op: Comparison, expected: unknown): boolean {
  switch (op) {
    case '=': return isDeepStrictEqual(actual, expected)
    case '!=': return actual !== MISSING && !isDeepStrictEqual(actual, expected)
    case '~':
    case '!~': {
      const has = typeof actual === 'string'
        ? actual.includes(String(expected))
        : Array.isArray(actual) && actual.some((item) => isDeepStrictEqual(item, expected))
      return (actual !== MISSING) && (op === '~' ? has : !has)
    }
    default: {
      if (typeof actual !== 'number' || typeof expected !== 'number') return false
      return op === '>' ? actual > expected : op === '>=' ? actual >= expected : op === '<' ? actual < expected : actual <= expected
    }
  }
}

/** What does not hold, one line each; empty when everything does. */
export function unmetExpectations(parsed: ParsedExpectation[], response: Response): string[] {
  const failures: string[] = []
  let json: unknown = MISSING
  const body = () => {
    if (json === MISSING) {
      try {
        json = JSON.parse(response.body)
      } catch {
        json = null
        failures.push(`the body is not JSON: ${response.body.slice(0, 200)}`)
      }
    }
    return json
  }
  for (const { token, expectation: e } of parsed) {
    if (e.kind === 'status') {
      if (response.status !== e.value) failures.push(`${token}: the last curl answered ${response.status ?? 'nothing'}`)
    } else if (e.kind === 'header') {
      const actual = response.headers[e.name]
      const ok = actual !== undefined && (e.op === '=' ? actual === e.value : actual.includes(e.value))
      if (!ok) failures.push(`${token}: header ${e.name} is ${actual === undefined ? 'absent' : JSON.stringify(actual)}`)
    } else if (e.kind === 'body') {
      if (response.body.includes(e.value) !== (e.op === '~')) failures.push(`${token}: body ${response.body.slice(0, 200)}`)
    } else {
      const actual = lookup(body(), e.path)
      const ok = e.kind === 'present' ? actual !== MISSING && actual !== null
        : e.kind === 'absent' ? actual === MISSING || actual === null
          : compare(actual, e.op, e.value)
      if (!ok) failures.push(`${token}: found ${show(actual)}`)
    }
  }
  return failures
}

/**
 * Wraps curl so that every call also writes its response headers and body where the runner reads
 * them: the last call's are what the expectations check. The reader's command runs unchanged.
 */
const PRELUDE = `set -euo pipefail
curl() { command curl -D "$DOCS_EXAMPLE_DIR/headers" "$@" | tee "$DOCS_EXAMPLE_DIR/body"; }
`

export interface BlockRun extends Response {
  exitCode: number | null
  stdout: string
  stderr: string
}

/** Runs one block with bash, its documented base URL replaced by `baseUrl`. */
export function runBlock(script: string, baseUrl: string, env: Record<string, string>, timeoutMs = 30_000): Promise<BlockRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'docs-example-'))
  const source = PRELUDE + script.replaceAll(DOCUMENTED_BASE_URL, baseUrl)
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-c', source], {
      env: { ...process.env, BASH_ENV: '', ...env, DOCS_EXAMPLE_DIR: dir, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    child.on('error', reject)
    child.on('close', (exitCode) => {
      try {
        resolve({ exitCode, stdout, stderr, ...lastResponse(dir) })
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })
}

function readOr(file: string): string | null {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return null
  }
}

/** The last response in curl's header dump (after any 100 Continue or redirect), and its body. */
function lastResponse(dir: string): Response {
  const dump = readOr(path.join(dir, 'headers'))
  const body = readOr(path.join(dir, 'body')) ?? ''
  if (dump === null) return { status: null, headers: {}, body }
  const blocks = dump.split(/\r?\n\r?\n/).filter((block) => /^HTTP\/\S+ \d{3}/.test(block))
  const last = blocks.at(-1)
  if (!last) return { status: null, headers: {}, body }
  const [statusLine, ...headerLines] = last.split(/\r?\n/)
  const headers: Record<string, string> = {}
  for (const line of headerLines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status: Number(/^HTTP\/\S+ (\d{3})/.exec(statusLine!)![1]), headers, body }
}
