// The service under load, all in one run on this machine: the server runs as its own process on a
// scratch PostgreSQL database (the real deployment shape), autocannon drives it from this one.
//   baseline           GET /health/live (a static JSON route)
//   rest-estimate      POST /v1/estimates by catalog ids (cache + price lookup + engine)
//   graphql-estimate   the same estimate through POST /graphql
//   recommendation     POST /v1/recommendations (the advisor's search over catalog GPUs and prices)
//   cost report        GET /v1/reports/costs over BENCH_SCENARIOS stored scenarios (bulk-inserted with generate_series)
//   cold start         process spawn → /health/ready 200, on an empty database and on a migrated one; then
//                      bench/cold-start.ts: compiled vs tsx start, embedded and PostgreSQL, idle RSS
//   soak               BENCH_SOAK_S of REST estimates while sampling the server's RSS
// The server runs compiled (`node dist/server.js`, as `npm start` and the image run it; built first
// when dist/ is older than src/).
// The baseline and the two estimate routes run in BENCH_ROUNDS interleaved rounds (order rotated
// each round), and each ratio is taken within its round: on a shared 2-vCPU machine the same
// route's CPU time per request was seen to drift 2× within minutes, which a single run of each,
// one after the other, reads as a change in the ratio. Medians over the rounds are the figures.
// autocannon shares the machine with the server and needs about as much CPU per request
// (measured here: ~100 µs for the baseline, ~150-160 µs for an estimate, against the server's
// ~120-140 and ~200-290 µs), so the ratios are of the whole exchange, not of the server alone.
// Usage: npm run bench   (env: BENCH_ROUNDS=5 BENCH_DURATION_S=5 BENCH_WARMUP_S=3 BENCH_SOAK_S=60 BENCH_CONNECTIONS=50
//                         BENCH_SCENARIOS=100000 BENCH_ADMIN_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres,
//                         and bench/cold-start.ts's BENCH_COLD_RUNS, BENCH_COLD_IDLE_S)
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import autocannon from 'autocannon'
import { coldStart } from './cold-start.ts'
import {
  ensureBuilt, median, rssMiB, running, scratchDatabase, sleep, startServer as spawnServer, withAdmin, type Server,
} from './server-process.ts'

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const SOAK_S = Number(process.env.BENCH_SOAK_S ?? 60)
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50)
const SCENARIOS = Number(process.env.BENCH_SCENARIOS ?? 100_000)
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef'

const ESTIMATE = {
  model: 'llama-2-7b',
  method: { type: 'lora', rank: 16 },
  training: { microBatchSize: 4, sequenceLength: 2048, datasetTokens: 50_000_000, gradientCheckpointing: true },
  hardware: { gpu: 'a100-80gb' },
}
const GRAPHQL = {
  query: `query Estimate($input: EstimateInput!) { estimate(input: $input) {
    parameters { total trainable } memory { fits perGpu { totalBytes } } speed { tokensPerSecond trainingHours gpuHours }
    cost { totalUsd usdPerGpuHour } forgetting { risk level } pricesUsed { usdPerGpuHour provider } } }`,
  variables: { input: { modelId: 'llama-2-7b', method: { type: 'LORA', rank: 16 }, training: { microBatchSize: 4, sequenceLength: 2048, datasetTokens: 50_000_000, gradientCheckpointing: true }, hardware: { gpuId: 'a100-80gb' } } },
}
const RECOMMENDATION = {
  model: 'llama-2-7b',
  goal: 'production',
  training: { sequenceLength: 2048, datasetTokens: 50_000_000, epochs: 2 },
  gpus: ['a100-80gb', 'h100-sxm-80gb', 'l40s'],
}

interface Row { name: string; rps: number; p50: number; p99: number; errors: number; cpuUs: number | null }

/** The server's CPU time so far (all threads, user + system), in µs; null where /proc cannot tell (not Linux). */
function cpuUs(pid: number): number | null {
  try {
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th; clock ticks are USER_HZ, 100 on Linux.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10_000
  } catch {
    return null
  }
}

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 0)} ms`

/** The compiled server on `databaseUrl`, with the bench's admin key, no rate limit and request logging off. */
const startServer = (databaseUrl: string): Promise<Server> => spawnServer({
  mode: 'compiled',
  env: { DATABASE_URL: databaseUrl, ADMIN_API_KEY: ADMIN_KEY, RATE_LIMIT_MAX: '0', DB_POOL_MAX: '10' },
  pollMs: 20,
})

async function warm(base: string, options: Partial<autocannon.Options>): Promise<void> {
  // Each route warmed on its own first: its code optimised, GraphQL's documents compiled, and
  // the connections' first requests (slow on a cold path: up to ~1.2 s seen here) not counted.
  await autocannon({ url: base, connections: CONNECTIONS, duration: WARMUP_S, ...options })
  await sleep(1_000)
}

async function load(name: string, server: Server, options: Partial<autocannon.Options> = {}, seconds = DURATION_S): Promise<Row> {
  const cpuBefore = cpuUs(server.child.pid!)
  const result = await autocannon({ url: server.base, connections: CONNECTIONS, duration: seconds, ...options })
  const cpuAfter = cpuUs(server.child.pid!)
  // Let the server's event-loop sample settle, or load shedding answers the next run's first requests.
  await sleep(2_000)
  const errors = result.errors + result.timeouts + result.non2xx
  if (errors > 0) {
    const statuses = Object.entries(result.statusCodeStats ?? {}).filter(([code]) => !code.startsWith('2')).map(([code, { count }]) => `${count} × ${code}`)
    console.error(`${name}: ${result.errors} errors, ${result.timeouts} timeouts${statuses.length ? `, ${statuses.join(', ')}` : ''}`)
  }
  const cpu = cpuBefore === null || cpuAfter === null || result.requests.total === 0 ? null : (cpuAfter - cpuBefore) / result.requests.total
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors, cpuUs: cpu }
}

const get = (path: string): Partial<autocannon.Options> => ({ requests: [{ method: 'GET', path }] })
const post = (path: string, body: unknown): Partial<autocannon.Options> => ({
  method: 'POST', requests: [{ method: 'POST', path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }],
})

async function main(): Promise<void> {
  ensureBuilt()
  const database = await scratchDatabase('fe_bench')
  const databaseUrl = database.url
  const report: string[] = []
  try {
    // Cold starts: the first on an empty database migrates and seeds; the second finds it ready.
    const first = await startServer(databaseUrl)
    await first.stop()
    const server = await startServer(databaseUrl)
    report.push(`cold start: ${ms(first.startMs)} on an empty database (migrate + seed), ${ms(server.startMs)} on a migrated one (spawn → /health/ready 200)`)

    // One real scenario through the API, cloned SCENARIOS times by the database.
    const created = await fetch(`${server.base}/v1/scenarios`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ name: 'bench seed', team: 'team-0', project: 'project-0', request: ESTIMATE }),
    })
    if (created.status !== 201) throw new Error(`creating the seed scenario: ${created.status} ${await created.text()}`)
    const { id } = await created.json() as { id: string }
    const insertStarted = performance.now()
    await withAdmin(async (c) => {
      await c.query(`
        INSERT INTO scenarios
        SELECT (jsonb_populate_record(s, jsonb_build_object(
                  'id', gen_random_uuid()::text, 'name', 'bench ' || i, 'team', 'team-' || (i % 20),
                  'project', 'project-' || (i % 75), 'owner', 'owner-' || (i % 40), 'idempotency_key', NULL,
                  'gpu_hours', s.gpu_hours * (1 + (i % 13) / 10.0), 'compute_cost_usd', s.compute_cost_usd * (1 + (i % 13) / 10.0),
                  'total_cost_usd', s.total_cost_usd * (1 + (i % 13) / 10.0),
                  'created_at', now() - make_interval(mins => i), 'updated_at', now() - make_interval(mins => i)))).*
          FROM scenarios s, generate_series(1, $2::int) AS i
         WHERE s.id = $1`, [id, SCENARIOS - 1])
      await c.query('ANALYZE scenarios')
    }, databaseUrl)
    report.push(`stored scenarios: ${SCENARIOS.toLocaleString('en')} (bulk insert ${ms(performance.now() - insertStarted)})`)

    const routes: Array<{ name: string; options: Partial<autocannon.Options>; goal?: number }> = [
      { name: 'baseline GET /health/live', options: get('/health/live') },
      { name: 'REST POST /v1/estimates', options: post('/v1/estimates', ESTIMATE), goal: 0.5 },
      { name: 'GraphQL estimate', options: post('/graphql', GRAPHQL), goal: 0.35 },
    ]
    for (const route of routes) await warm(server.base, route.options)
    const rounds: Row[][] = []
    for (let round = 0; round < ROUNDS; round++) {
      const rows: Row[] = []
      for (let k = 0; k < routes.length; k++) {
        const index = (k + round) % routes.length
        rows[index] = await load(routes[index]!.name, server, routes[index]!.options)
      }
      rounds.push(rows)
    }
    await warm(server.base, post('/v1/recommendations', RECOMMENDATION))
    const recommendation = await load('POST /v1/recommendations', server, post('/v1/recommendations', RECOMMENDATION), 10)

    // The cost report, one request at a time: its latency is the question, not its throughput.
    const reportTimes: number[] = []
    for (const groupBy of ['team', 'month', 'project', 'method', 'model']) {
      for (let i = 0; i < 6; i++) {
        const t0 = performance.now()
        const res = await fetch(`${server.base}/v1/reports/costs?groupBy=${groupBy}`)
        const body = await res.json() as { rows: unknown[]; totals: { scenarios: number } }
        reportTimes.push(performance.now() - t0)
        if (!res.ok) throw new Error(`cost report: ${res.status} ${JSON.stringify(body)}`)
        if (i === 0 && groupBy === 'team') report.push(`cost report rows (groupBy=team): ${body.rows.length}, scenarios counted: ${body.totals.scenarios.toLocaleString('en')}`)
      }
    }
    reportTimes.sort((a, b) => a - b)
    const reportP50 = reportTimes[Math.floor(reportTimes.length / 2)]!
    const reportMax = reportTimes.at(-1)!

    // Soak: RSS sampled every 2 s under the REST estimate load.
    const samples: number[] = []
    const sampler = setInterval(() => samples.push(rssMiB(server.child.pid!)), 2_000)
    const soak = await load(`soak ${SOAK_S} s REST estimate`, server, post('/v1/estimates', ESTIMATE), SOAK_S)
    clearInterval(sampler)
    const quarter = Math.max(1, Math.floor(samples.length / 4))
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    const early = avg(samples.slice(quarter, 2 * quarter))
    const late = avg(samples.slice(-quarter))

    const exit = await server.stop()

    console.log(`\nfinetune-estimator bench: ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${DURATION_S} s per route, node ${process.version}, ${availableParallelism()} CPUs\n`)
    console.log('Per round (req/s, p99, × the same round\'s baseline):\n')
    console.log(`| round | ${routes.map((r) => r.name).join(' | ')} |`)
    console.log(`|---|${routes.map(() => '---:').join('|')}|`)
    rounds.forEach((rows, i) => {
      const cells = rows.map((row, k) => `${Math.round(row.rps)} · ${ms(row.p99)}${k === 0 ? '' : ` · ${(row.rps / rows[0]!.rps).toFixed(2)}×`}`)
      console.log(`| ${i + 1} | ${cells.join(' | ')} |`)
    })
    console.log('\nMedians over the rounds (ratio: median of the per-round ratios; p99 range in brackets):\n')
    // Server CPU per request: the server's own cost, whatever the load generator beside it costs.
    const cpuOf = (rows: Row[]) => rows.some((row) => row.cpuUs === null) ? null : median(rows.map((row) => row.cpuUs!))
    const baselineCpu = cpuOf(rounds.map((rows) => rows[0]!))
    const cpuCell = (cpu: number | null) => cpu === null ? 'n/a' : `${cpu.toFixed(0)} µs${baselineCpu === null ? '' : ` (${(baselineCpu / cpu).toFixed(2)}×)`}`
    console.log('| run | req/s | p50 | p99 | × baseline | goal | errors | server CPU/request (baseline\'s ÷ this) |')
    console.log('|---|---:|---:|---:|---:|---|---:|---:|')
    routes.forEach((route, k) => {
      const runs = rounds.map((rows) => rows[k]!)
      const ratios = rounds.map((rows) => rows[k]!.rps / rows[0]!.rps)
      const p99s = runs.map((row) => row.p99)
      const ratio = median(ratios)
      const p99 = median(p99s)
      const verdict = route.goal === undefined ? '' : `≥ ${route.goal}× ${ratio >= route.goal ? 'met' : 'MISSED'} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}); p99 < 20 ms ${p99 < 20 ? 'met' : 'MISSED'}`
      const errors = runs.reduce((sum, row) => sum + row.errors, 0)
      console.log(`| ${route.name} | ${Math.round(median(runs.map((row) => row.rps)))} | ${ms(median(runs.map((row) => row.p50)))} | ${ms(p99)} (${Math.min(...p99s)}–${Math.max(...p99s)}) | ${ratio.toFixed(2)} | ${verdict} | ${errors} | ${cpuCell(cpuOf(runs))} |`)
    })
    const baselineRps = median(rounds.map((rows) => rows[0]!.rps))
    for (const row of [recommendation, soak]) {
      console.log(`| ${row.name} | ${Math.round(row.rps)} | ${ms(row.p50)} | ${ms(row.p99)} | ${(row.rps / baselineRps).toFixed(2)} |  | ${row.errors} | ${cpuCell(row.cpuUs)} |`)
    }
    console.log(`\ncost report over ${SCENARIOS.toLocaleString('en')} scenarios (30 requests, 5 groupings): p50 ${ms(reportP50)}, max ${ms(reportMax)}; goal < 1 s ${reportMax < 1_000 ? 'met' : 'MISSED'}`)
    const growth = late - early
    console.log(`soak RSS: ${early.toFixed(0)} MiB (2nd quarter avg) → ${late.toFixed(0)} MiB (last quarter avg), ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MiB; min ${Math.min(...samples).toFixed(0)}, max ${Math.max(...samples).toFixed(0)} MiB over ${samples.length} samples; ${growth < Math.max(16, early * 0.05) ? 'flat (no growth beyond noise)' : 'GROWING'}`)
    for (const line of report) console.log(line)
    console.log(`server exit code after SIGTERM: ${exit}`)
  } finally {
    for (const child of running) child.kill('SIGKILL')
    await database.drop()
  }
  console.log(`\n${(await coldStart()).join('\n')}`)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
