// Cold start: process spawn → first 200 of /health/ready, for the compiled service (`node
// dist/server.js`, what `npm start` and the image run) and for the sources through tsx (what ran
// before the build step), on an existing embedded database and on an existing PostgreSQL one,
// BENCH_COLD_RUNS starts of each, alternating the two so that the machine's load drifts over both
// alike. Printed per database and start: the median wall time to ready (min–max), the median CPU
// time the process spent to get there (all threads; it moves less with a shared machine's load than
// the wall time does), how long a catalog estimate sent at that moment takes (the server loads its
// catalog and compiles its route schemas right after it listens), the idle RSS BENCH_COLD_IDLE_S after ready (the advisor's worker thread
// started), and the start's phases as the server logs them (entry modules, database open and app
// modules side by side, migrations and catalog check, plugins and routes, listen).
// Usage: npm run bench:cold-start   (env: BENCH_COLD_RUNS=5 BENCH_COLD_IDLE_S=3
//        BENCH_ADMIN_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres); also part of `npm run bench`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { ensureBuilt, median, rssMiB, running, scratchDatabase, sleep, startServer, type StartMode } from './server-process.ts'

const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 5)
const IDLE_S = Number(process.env.BENCH_COLD_IDLE_S ?? 3)
/** The aims for the compiled start on an existing database (issue 15). */
const AIMS_MS = { embedded: 1_500, postgresql: 800 } as const
const MODES: StartMode[] = ['compiled', 'tsx']

/** The process's CPU time so far (user + system, all threads), in ms; USER_HZ is 100 on Linux. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** The start as the server logs it (src/server.ts, src/plugins/database.plugin.ts), in ms. */
interface Phases {
  /** Node's own start and the entry's modules. */
  entry: number
  /** From then: the database open and the app's modules, which overlap; each one's own time. */
  open: number
  appModules: number
  /** From when both were done: migrations checked, catalog checked (the first Prisma query). */
  migrations: number
  /** The rest of building the app: plugins, routes and their schemas, GraphQL. */
  app: number
  listen: number
}
interface Run { wallMs: number; cpuMs: number; firstEstimateMs: number; rssMiB: number; phases: Phases | null }

/** A catalog estimate, sent the moment the server is ready: what the first caller waits. */
const ESTIMATE = {
  model: 'llama-2-7b',
  method: { type: 'lora', rank: 16 },
  training: { microBatchSize: 4, sequenceLength: 2048, datasetTokens: 50_000_000, gradientCheckpointing: true },
  hardware: { gpu: 'a100-80gb' },
}

function logged<T>(stdout: string, key: string): T | undefined {
  for (const line of stdout.split('\n')) {
    if (!line.includes(`"${key}"`)) continue
    try {
      const value = (JSON.parse(line) as Record<string, unknown>)[key]
      if (value) return value as T
    } catch { /* not a JSON log line */ }
  }
  return undefined
}

function phasesOf(stdout: string): Phases | null {
  const startup = logged<{ modulesMs: number; openMs: number; appModulesMs: number; appMs: number; listenMs: number }>(stdout, 'startup')
  const database = logged<{ migrateMs: number; seedCheckMs: number }>(stdout, 'database')
  if (!startup || !database) return null
  const migrations = database.migrateMs + database.seedCheckMs
  return {
    entry: startup.modulesMs, open: startup.openMs, appModules: startup.appModulesMs, migrations,
    app: startup.appMs - migrations, listen: startup.listenMs,
  }
}

async function once(mode: StartMode, env: Record<string, string>): Promise<Run> {
  const server = await startServer({ mode, env: { ...env, LOG_LEVEL: 'info' }, captureStdout: true })
  const cpu = cpuMs(server.child.pid!)
  const sent = performance.now()
  const res = await fetch(`${server.base}/v1/estimates`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ESTIMATE) })
  if (res.status !== 200) throw new Error(`first estimate (${mode}): ${res.status} ${await res.text()}`)
  await res.arrayBuffer()
  const firstEstimateMs = performance.now() - sent
  await sleep(IDLE_S * 1_000)
  const rss = rssMiB(server.child.pid!)
  await server.stop()
  return { wallMs: server.startMs, cpuMs: cpu, firstEstimateMs, rssMiB: rss, phases: phasesOf(server.stdout()) }
}

interface Target { name: keyof typeof AIMS_MS; env: Record<string, string>; firstMs: number; runs: Record<StartMode, Run[]> }

async function measure(name: Target['name'], env: Record<string, string>): Promise<Target> {
  // The first start creates the database's contents (migrations, seed); the measured ones find them.
  const first = await startServer({ mode: 'compiled', env })
  await first.stop()
  const runs: Record<StartMode, Run[]> = { compiled: [], tsx: [] }
  for (let i = 0; i < RUNS; i++) {
    for (const mode of i % 2 === 0 ? MODES : [...MODES].reverse()) runs[mode].push(await once(mode, env))
  }
  return { name, env, firstMs: first.startMs, runs }
}

const fmt = (ms: number) => `${Math.round(ms)} ms`

export async function coldStart(): Promise<string[]> {
  ensureBuilt()
  const lines: string[] = []
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fe-cold-'))
  const database = await scratchDatabase('fe_cold')
  const targets: Target[] = []
  try {
    targets.push(await measure('embedded', { DATA_DIR: dataDir }))
    targets.push(await measure('postgresql', { DATABASE_URL: database.url }))
  } finally {
    for (const child of running) child.kill('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
    await database.drop()
  }
  lines.push(`cold start, spawn → /health/ready 200 on an existing database: median of ${RUNS} starts each (min–max), node ${process.version}, ${availableParallelism()} CPUs`)
  lines.push('')
  lines.push('| database | start | wall time to ready | CPU time to ready | first estimate after ready | idle RSS | aim |')
  lines.push('|---|---|---:|---:|---:|---:|---|')
  for (const target of targets) {
    for (const mode of MODES) {
      const runs = target.runs[mode]
      const walls = runs.map((r) => r.wallMs)
      const wall = median(walls)
      const aim = AIMS_MS[target.name]
      const verdict = mode === 'compiled' ? `≤ ${fmt(aim)} ${wall <= aim ? 'met' : 'MISSED'}` : ''
      lines.push(`| ${target.name} | ${mode === 'compiled' ? 'node dist/server.js' : 'node --import tsx src/server.ts'} | ${fmt(wall)} (${fmt(Math.min(...walls))}–${fmt(Math.max(...walls))}) | ${fmt(median(runs.map((r) => r.cpuMs)))} | ${fmt(median(runs.map((r) => r.firstEstimateMs)))} | ${median(runs.map((r) => r.rssMiB)).toFixed(0)} MiB | ${verdict} |`)
    }
  }
  lines.push('')
  lines.push('Phases of the start (medians, as the server logs them). The database opens while the app\'s modules load:')
  lines.push('each column of the two is its own time from the end of the entry\'s; the next phase starts when both are done.')
  lines.push('')
  lines.push('| database | start | node + entry modules | database open | app modules | migrations + catalog check | plugins, routes, GraphQL | listen |')
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|')
  for (const target of targets) {
    for (const mode of MODES) {
      const phases = target.runs[mode].map((r) => r.phases).filter((p): p is Phases => p !== null)
      if (phases.length === 0) continue
      const cell = (key: keyof Phases) => fmt(median(phases.map((p) => p[key])))
      lines.push(`| ${target.name} | ${mode} | ${cell('entry')} | ${cell('open')} | ${cell('appModules')} | ${cell('migrations')} | ${cell('app')} | ${cell('listen')} |`)
    }
  }
  lines.push('')
  for (const target of targets) {
    const compiled = median(target.runs.compiled.map((r) => r.wallMs))
    const tsx = median(target.runs.tsx.map((r) => r.wallMs))
    lines.push(`${target.name}: compiled ${fmt(compiled)} vs tsx ${fmt(tsx)} (${(tsx / compiled).toFixed(2)}× faster); the first start, which ${target.name === 'embedded' ? 'creates the database, ' : ''}migrates and seeds: ${fmt(target.firstMs)}`)
  }
  return lines
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  coldStart().then((lines) => console.log(`\n${lines.join('\n')}`), (err: unknown) => {
    console.error(err)
    process.exit(1)
  })
}
