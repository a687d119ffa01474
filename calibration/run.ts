// Runs every measured case through estimate() and through the peers' formulas and summarises the
// absolute percentage errors. Shared by `npm run calibrate` and tests/estimation/calibration.test.ts.

import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { applyDefaults, type EstimateDraft } from '../src/estimation/defaults.ts'
import { estimate } from '../src/estimation/estimate.ts'
import { PEERS } from './peers.ts'

export interface CalibrationCase {
  id: string
  source: string
  request: EstimateDraft
  measured: { peakMemoryBytes?: number; tokensPerSecond?: number }
  memoryKind: 'torch-allocated' | 'torch-reserved' | 'device-total' | 'unknown'
  assumptions: string[]
}

export interface Comparison { measured: number; predicted: number | null; ape: number | null }

export interface CaseResult {
  id: string
  memory: Record<string, Comparison> | null
  speed: Record<string, Comparison> | null
}

export interface ErrorSummary { n: number; median: number; p90: number }

export interface CalibrationReport {
  cases: CaseResult[]
  /** Per estimator ('ours' and each peer): memory and tokens/s error summaries (null: the estimator has no answer). */
  summary: Record<string, { memory: ErrorSummary | null; speed: ErrorSummary | null }>
}

export const CASES_PATH = fileURLToPath(new URL('./cases.json', import.meta.url))

export function loadCases(path = CASES_PATH): CalibrationCase[] {
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: CalibrationCase[] }).cases
}

function compare(measured: number, predicted: number | null): Comparison {
  return { measured, predicted, ape: predicted === null ? null : Math.abs(predicted - measured) / measured }
}

/** Nearest-rank percentile of a sorted list. */
function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

function summarise(apes: number[]): ErrorSummary | null {
  if (apes.length === 0) return null
  const s = [...apes].sort((x, y) => x - y)
  return { n: s.length, median: percentile(s, 0.5), p90: percentile(s, 0.9) }
}

export function runCalibration(cases: CalibrationCase[] = loadCases()): CalibrationReport {
  const names = ['ours', ...PEERS.map((p) => p.name)]
  const apes: Record<string, { memory: number[]; speed: number[] }> = {}
  for (const n of names) apes[n] = { memory: [], speed: [] }
  const results: CaseResult[] = []
  for (const c of cases) {
    const input = applyDefaults(c.request)
    const ours = estimate(input)
    // Allocator statistics exclude what lives outside PyTorch's allocator.
    const allocatorOnly = c.memoryKind === 'torch-allocated' || c.memoryKind === 'torch-reserved'
    const predictions = [
      { name: 'ours', memory: ours.memory.perGpu.totalBytes, overhead: ours.memory.perGpu.overheadBytes, speed: ours.speed.tokensPerSecond },
      ...PEERS.map((p) => {
        const r = p.predict(input)
        return { name: p.name, memory: r.memoryBytes, overhead: r.overheadBytes, speed: r.tokensPerSecond }
      }),
    ]
    const row: CaseResult = { id: c.id, memory: null, speed: null }
    for (const p of predictions) {
      if (c.measured.peakMemoryBytes !== undefined) {
        const predicted = p.memory === null ? null : p.memory - (allocatorOnly ? p.overhead : 0)
        const cmp = compare(c.measured.peakMemoryBytes, predicted)
        ;(row.memory ??= {})[p.name] = cmp
        if (cmp.ape !== null) apes[p.name]!.memory.push(cmp.ape)
      }
      if (c.measured.tokensPerSecond !== undefined) {
        const cmp = compare(c.measured.tokensPerSecond, p.speed)
        ;(row.speed ??= {})[p.name] = cmp
        if (cmp.ape !== null) apes[p.name]!.speed.push(cmp.ape)
      }
    }
    results.push(row)
  }
  const summary: CalibrationReport['summary'] = {}
  for (const n of names) summary[n] = { memory: summarise(apes[n]!.memory), speed: summarise(apes[n]!.speed) }
  return { cases: results, summary }
}
