// Median latency of a full advisor search (every method, rank, target set, GPU, count, sharding,
// checkpointing and micro-batch for Llama-2-7B over four GPU types and nine price offers), and,
// measured in the same run, the median of one estimate() call as the baseline it is built from.
// Usage: npm run bench:advisor [-- --runs 51]

import { advise, type AdvisorInput } from '../src/estimation/advisor.ts'
import { estimate } from '../src/estimation/estimate.ts'
import { A10, A100_80, H100_SXM, L40S, LLAMA2_7B, OFFERS, request } from '../tests/estimation/fixtures/part2.ts'

const runsArg = process.argv.indexOf('--runs')
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 51

export const FULL_SEARCH: AdvisorInput = {
  model: LLAMA2_7B,
  goal: 'production',
  training: { sequenceLength: 2048, datasetTokens: 50e6, epochs: 2 },
  gpus: [
    { id: 'a100-80gb', spec: A100_80 },
    { id: 'h100-sxm', spec: H100_SXM },
    { id: 'l40s', spec: L40S },
    { id: 'a10', spec: A10 },
  ],
  offers: OFFERS,
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

function time(fn: () => unknown, n: number, warmup: number): number[] {
  for (let i = 0; i < warmup; i++) fn()
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    fn()
    out.push(performance.now() - t0)
  }
  return out
}

const single = request()
const estimateMs = median(time(() => estimate(single), 2000, 200))
const advisorTimes = time(() => advise(FULL_SEARCH), runs, 5)
const advisorMs = median(advisorTimes)
const result = advise(FULL_SEARCH)
console.log(JSON.stringify({
  advisorMedianMs: Number(advisorMs.toFixed(2)),
  advisorP90Ms: Number(advisorTimes.sort((a, b) => a - b)[Math.floor(runs * 0.9)]!.toFixed(2)),
  estimateMedianMs: Number(estimateMs.toFixed(4)),
  ratio: Number((advisorMs / estimateMs).toFixed(0)),
  estimatesPerSearch: result.searched.estimates,
  searched: result.searched,
  paretoSize: result.pareto.length,
  recommended: result.recommended?.id ?? null,
  runs,
  budgetMs: 100,
  withinBudget: advisorMs <= 100,
}, null, 2))
