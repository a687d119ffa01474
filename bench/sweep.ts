// npm run bench:sweep — server time of a 200-point POST /v1/estimates/sweep (the console's sweep
// charts), against baselines measured in the same run and process: one POST /v1/estimates, and
// 200 of them one after the other (what a client without the sweep would send). Each figure is
// the median of interleaved rounds of app.inject on the real app over an embedded database, so
// it covers routing, validation, the service, the engine and serialisation, but no socket.
// Usage: npm run bench:sweep   (env: BENCH_SWEEP_ROUNDS=60)
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createDb } from '../src/db/client.ts'

const ROUNDS = Number(process.env.BENCH_SWEEP_ROUNDS ?? 60)
const POINTS = 200
const GOAL_MS = 20

const REQUEST = {
  model: 'llama-2-7b',
  method: { type: 'lora', rank: 16 },
  training: { microBatchSize: 4, sequenceLength: 2048, datasetTokens: 50_000_000, gradientCheckpointing: true },
  hardware: { gpu: 'a100-80gb' },
}
const SWEEPS = {
  'training.sequenceLength': { request: REQUEST, vary: { field: 'training.sequenceLength', range: { from: 256, to: 32_768, steps: POINTS } } },
  'training.microBatchSize': { request: REQUEST, vary: { field: 'training.microBatchSize', values: Array.from({ length: POINTS }, (_, i) => i + 1) } },
  'method.rank': { request: REQUEST, vary: { field: 'method.rank', values: Array.from({ length: POINTS }, (_, i) => 4 * (i + 1)) } },
}

const db = await createDb({ pgliteDir: 'memory://' })
const app = await buildApp(loadConfig({ RATE_LIMIT_MAX: '0', PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0', LOG_LEVEL: 'silent' }), { db, logger: false })
await app.ready()

async function post(url: string, payload: object): Promise<void> {
  const res = await app.inject({ method: 'POST', url, payload })
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!

const cases: Record<string, () => Promise<void>> = {
  'one estimate': () => post('/v1/estimates', REQUEST),
  [`${POINTS} estimates, one by one`]: async () => { for (let i = 0; i < POINTS; i++) await post('/v1/estimates', REQUEST) },
  ...Object.fromEntries(Object.entries(SWEEPS).map(([field, body]) => [`sweep of ${field}, ${POINTS} points`, () => post('/v1/estimates/sweep', body)])),
}
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((name) => [name, []]))

// Warm-up: the routes' code optimised, the catalog loaded.
for (let i = 0; i < 10; i++) for (const fn of Object.values(cases)) await fn()
// Rounds interleave the cases (order rotated), so a machine that slows down mid-run slows all of them alike.
const names = Object.keys(cases)
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(round + k) % names.length]!
    samples[name]!.push(await timed(cases[name]!))
  }
}
await app.close()
await db.close()

const one = median(samples['one estimate']!)
const many = median(samples[`${POINTS} estimates, one by one`]!)
console.log(`rounds: ${ROUNDS}, in-process app.inject (no socket)`)
for (const name of names) {
  const m = median(samples[name]!)
  console.log(`${name.padEnd(44)} median ${m.toFixed(2).padStart(7)} ms   p90 ${p90(samples[name]!).toFixed(2).padStart(7)} ms   = ${(m / one).toFixed(1).padStart(5)}× one estimate`)
}
const worst = Math.max(...Object.keys(SWEEPS).map((field) => median(samples[`sweep of ${field}, ${POINTS} points`]!)))
console.log(`a ${POINTS}-point sweep costs ${(worst / many).toFixed(2)}× the ${POINTS} single requests it replaces (slowest field)`)
console.log(`goal ≤ ${GOAL_MS} ms of server time for ${POINTS} points: ${worst <= GOAL_MS ? 'met' : 'NOT met'} (slowest field ${worst.toFixed(2)} ms)`)
