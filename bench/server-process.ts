// The service as its own process, for the benches: spawned compiled (`node dist/server.js`, what
// `npm start` and the Dockerfile run) or from the sources through tsx (development), timed from
// spawn to the first 200 of /health/ready, and measured from /proc.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'

export type StartMode = 'compiled' | 'tsx'

/** Node's arguments for each way of starting the service. */
export const START_ARGS: Record<StartMode, string[]> = {
  compiled: ['dist/server.js'],
  // What `npm start` and the image ran before the build step (tsx registered in the same process).
  tsx: ['--import', 'tsx', 'src/server.ts'],
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

export async function withAdmin<T>(work: (client: pg.Client) => Promise<T>, url = ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try { return await work(client) } finally { await client.end() }
}

/** A scratch database on the PostgreSQL server of ADMIN_URL; drop() removes it. */
export async function scratchDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}`
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`))
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return { url: url.toString(), drop: async () => { await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)) } }
}

/** Resident set size of a process (all its threads), in MiB. */
export function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))
  return Number(line?.replace(/\D+/g, '') ?? 0) / 1024
}

/** Runs `npm run build:server` unless dist/ is newer than every file under src/. */
export function ensureBuilt(): void {
  const result = spawnSync(process.execPath, ['scripts/build-server.mjs', '--if-stale'], { cwd: ROOT, stdio: 'inherit' })
  if (result.status !== 0) throw new Error('npm run build:server failed')
}

/** Servers still running: a failed run stops them too, rather than leaving them loading the machine. */
export const running = new Set<ChildProcess>()

export interface Server {
  child: ChildProcess
  base: string
  startMs: number
  /** What the server wrote to stdout so far (its JSON log), when started with captureStdout. */
  stdout(): string
  stop(): Promise<number | null>
}

export interface StartOptions {
  mode: StartMode
  /** Added to the environment: DATABASE_URL or DATA_DIR, keys, limits. */
  env: Record<string, string>
  /** How often readiness is asked while the server starts. */
  pollMs?: number
  /** Keep the server's stdout (its log) for Server.stdout(); otherwise it is discarded. */
  captureStdout?: boolean
}

/** Spawns the service and waits for /health/ready 200; startMs is spawn → that answer. */
export async function startServer({ mode, env, pollMs = 10, captureStdout = false }: StartOptions): Promise<Server> {
  const port = await freePort()
  const started = performance.now()
  const child = spawn(process.execPath, START_ARGS[mode], {
    cwd: ROOT,
    // Request logging off (a log line per request would be what is measured); NODE_ENV as the
    // Dockerfile sets it (graphql-js skips its development-only checks).
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production', ...env },
    stdio: ['ignore', captureStdout ? 'pipe' : 'ignore', 'inherit'],
  })
  running.add(child)
  let stdout = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { running.delete(child); resolve(code) }))
  const base = `http://127.0.0.1:${port}`
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server (${mode}) exited with ${child.exitCode}`)
    try {
      if ((await fetch(`${base}/health/ready`)).ok) break
    } catch { /* not listening yet */ }
    await sleep(pollMs)
  }
  const startMs = performance.now() - started
  return { child, base, startMs, stdout: () => stdout, stop: async () => { child.kill('SIGTERM'); return exited } }
}
