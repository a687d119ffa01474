// Runs every measured case through estimate() and through the peers' formulas and summarises the
// errors: overall, per stack group and per source, in-sample and leave-one-source-out (the fitted
// constants of src/estimation/fitted.ts refitted on every other source, the left-out one scored).
// Shared by `npm run calibrate` and tests/estimation/calibration.test.ts.

import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { applyDefaults, type EstimateDraft } from '../src/estimation/defaults.ts'
import { estimate } from '../src/estimation/estimate.ts'
import { FITTED, FITTED_RANGES, type Fitted } from '../src/estimation/fitted.ts'
import type { EstimateResult } from '../src/estimation/types.ts'
import { PEERS } from './peers.ts'
import { withStatedSettings } from './stated-settings.ts'

export type MemoryKind = 'torch-allocated' | 'torch-reserved' | 'device-total' | 'unknown'

export interface CalibrationCase {
  id: string
  source: string
  /** The repository or paper the case comes from: the unit left out in leave-one-source-out. */
  sourceGroup: string
  /** The training stack that ran it (training.framework.name), or "unspecified". */
  stack: string
  request: EstimateDraft
  measured: { peakMemoryBytes?: number; tokensPerSecond?: number }
  memoryKind: MemoryKind
  assumptions: string[]
  quote?: string
}

export interface Comparison { measured: number; predicted: number | null; ape: number | null; signed: number | null }

export interface CaseResult {
  id: string
  group: string
  sourceGroup: string
  memory: Record<string, Comparison> | null
  speed: Record<string, Comparison> | null
}

export interface ErrorSummary { n: number; median: number; p90: number; medianSigned: number }

export interface CalibrationReport {
  cases: CaseResult[]
  /** Per estimator ('ours' and each peer): memory and tokens/s error summaries (null: the estimator has no answer). */
  summary: Record<string, { memory: ErrorSummary | null; speed: ErrorSummary | null }>
  /** Ours, per stack group ("litgpt/qlora/1 GPU"). */
  groups: Record<string, { memory: ErrorSummary | null; speed: ErrorSummary | null }>
  /** Ours, per source. */
  sources: Record<string, { memory: ErrorSummary | null; speed: ErrorSummary | null }>
}

export const SHARED_CASES_PATH = fileURLToPath(new URL('./cases.json', import.meta.url))
export const STACK_CASES_DIR = fileURLToPath(new URL('./stacks/', import.meta.url))

/** The 102 cases of shared/reference/calibration-cases.json, with the stack and settings their sources state. */
export function loadSharedCases(path = SHARED_CASES_PATH): CalibrationCase[] {
  const raw = (JSON.parse(readFileSync(path, 'utf8')) as { cases: Omit<CalibrationCase, 'sourceGroup' | 'stack'>[] }).cases
  return withStatedSettings(raw)
}

/** The cases collected from the stacks' own sources (calibration/stacks/*.json, calibration/SOURCES.md). */
export function loadStackCases(dir = STACK_CASES_DIR): CalibrationCase[] {
  const cases: CalibrationCase[] = []
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const data = JSON.parse(readFileSync(`${dir}${file}`, 'utf8')) as { cases: CalibrationCase[] }
    cases.push(...data.cases)
  }
  return cases
}

export function loadCases(): CalibrationCase[] {
  return [...loadSharedCases(), ...loadStackCases()]
}

/** "litgpt/qlora/1 GPU": the stack, the method and whether the job spans GPUs. */
export function groupOf(c: CalibrationCase): string {
  const count = c.request.hardware.count ?? 1
  return `${c.stack}/${c.request.method.type}/${count > 1 ? 'multi-GPU' : '1 GPU'}`
}

/** What the source measured, as the engine predicts it: the allocator's peaks or the device total. */
export function predictedMemory(kind: MemoryKind, r: EstimateResult): number {
  if (kind === 'torch-allocated') return r.memory.perGpu.allocatedPeakBytes
  if (kind === 'torch-reserved') return r.memory.perGpu.reservedPeakBytes
  return r.memory.perGpu.totalBytes
}

function compare(measured: number, predicted: number | null): Comparison {
  if (predicted === null) return { measured, predicted, ape: null, signed: null }
  const signed = (predicted - measured) / measured
  return { measured, predicted, ape: Math.abs(signed), signed }
}

/** Nearest-rank percentile of a sorted list. */
function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

export function summarise(comparisons: Comparison[]): ErrorSummary | null {
  const valid = comparisons.filter((c) => c.ape !== null)
  if (valid.length === 0) return null
  const apes = valid.map((c) => c.ape!).sort((x, y) => x - y)
  const signed = valid.map((c) => c.signed!).sort((x, y) => x - y)
  return { n: apes.length, median: percentile(apes, 0.5), p90: percentile(apes, 0.9), medianSigned: percentile(signed, 0.5) }
}

interface Predicted { memory: number | null; speed: number | null }

/** Our prediction for one case under a set of fitted constants. */
function ours(c: CalibrationCase, fitted: Fitted): Predicted {
  const r = estimate(applyDefaults(c.request), fitted)
  return { memory: predictedMemory(c.memoryKind, r), speed: r.speed.tokensPerSecond }
}

function rollup(results: CaseResult[], key: (r: CaseResult) => string, who = 'ours') {
  const out: Record<string, { memory: ErrorSummary | null; speed: ErrorSummary | null }> = {}
  const buckets = new Map<string, CaseResult[]>()
  for (const r of results) buckets.set(key(r), [...(buckets.get(key(r)) ?? []), r])
  for (const [k, rs] of [...buckets].sort(([a], [b]) => a.localeCompare(b))) {
    out[k] = {
      memory: summarise(rs.flatMap((r) => (r.memory?.[who] ? [r.memory[who]] : []))),
      speed: summarise(rs.flatMap((r) => (r.speed?.[who] ? [r.speed[who]] : []))),
    }
  }
  return out
}

export function runCalibration(cases: CalibrationCase[] = loadCases(), fitted: Fitted = FITTED): CalibrationReport {
  const names = ['ours', ...PEERS.map((p) => p.name)]
  const results: CaseResult[] = []
  for (const c of cases) {
    const input = applyDefaults(c.request)
    const mine = ours(c, fitted)
    // Allocator statistics exclude what lives outside PyTorch's allocator; the peers' formulas say which part that is.
    const allocatorOnly = c.memoryKind === 'torch-allocated' || c.memoryKind === 'torch-reserved'
    const predictions = [
      { name: 'ours', memory: mine.memory, speed: mine.speed },
      ...PEERS.map((p) => {
        const r = p.predict(input)
        return { name: p.name, memory: r.memoryBytes === null ? null : r.memoryBytes - (allocatorOnly ? r.overheadBytes : 0), speed: r.tokensPerSecond }
      }),
    ]
    const row: CaseResult = { id: c.id, group: groupOf(c), sourceGroup: c.sourceGroup, memory: null, speed: null }
    for (const p of predictions) {
      if (c.measured.peakMemoryBytes !== undefined) (row.memory ??= {})[p.name] = compare(c.measured.peakMemoryBytes, p.memory)
      if (c.measured.tokensPerSecond !== undefined) (row.speed ??= {})[p.name] = compare(c.measured.tokensPerSecond, p.speed)
    }
    results.push(row)
  }
  const summary: CalibrationReport['summary'] = {}
  for (const n of names) {
    summary[n] = {
      memory: summarise(results.flatMap((r) => (r.memory?.[n] ? [r.memory[n]] : []))),
      speed: summarise(results.flatMap((r) => (r.speed?.[n] ? [r.speed[n]] : []))),
    }
  }
  return { cases: results, summary, groups: rollup(results, (r) => r.group), sources: rollup(results, (r) => r.sourceGroup) }
}

/** Which fitted constants move which prediction. */
const MEMORY_KEYS: (keyof Fitted)[] = ['cudaContextBytes', 'variableShapeRecords']
const SPEED_KEYS: (keyof Fitted)[] = ['gemmEfficiency', 'microStepSeconds']
const GRID = 11

/** The loss a fit minimises: the median error, with the tail weighing in. */
function objective(comparisons: Comparison[]): number {
  const s = summarise(comparisons)
  return s === null ? 0 : s.median + s.p90 / 4
}

/**
 * Coordinate search over each constant's physically allowed range (FITTED_RANGES), two sweeps:
 * memory constants on the memory cases, speed constants on the speed cases.
 */
export function fit(cases: CalibrationCase[], start: Fitted = FITTED): Fitted {
  let best = { ...start }
  const memoryCases = cases.filter((c) => c.measured.peakMemoryBytes !== undefined)
  const speedCases = cases.filter((c) => c.measured.tokensPerSecond !== undefined)
  const score = (f: Fitted, keys: (keyof Fitted)[]) => {
    const memory = keys === MEMORY_KEYS
    const comps = (memory ? memoryCases : speedCases).map((c) => {
      const p = ours(c, f)
      return memory ? compare(c.measured.peakMemoryBytes!, p.memory) : compare(c.measured.tokensPerSecond!, p.speed)
    })
    return objective(comps)
  }
  for (const keys of [MEMORY_KEYS, SPEED_KEYS]) {
    for (let sweep = 0; sweep < 2; sweep++) {
      for (const key of keys) {
        const [lo, hi] = FITTED_RANGES[key]
        let bestScore = score(best, keys)
        for (let i = 0; i < GRID; i++) {
          const candidate = { ...best, [key]: lo + ((hi - lo) * i) / (GRID - 1) }
          const s = score(candidate, keys)
          if (s < bestScore - 1e-9) { bestScore = s; best = candidate }
        }
      }
    }
  }
  return best
}

export interface LosoReport {
  /** Per left-out source: the constants fitted without it and its errors under them. */
  perSource: Record<string, { fitted: Fitted; memory: ErrorSummary | null; speed: ErrorSummary | null }>
  /** Every case scored while its own source was left out. */
  pooled: { memory: ErrorSummary | null; speed: ErrorSummary | null }
  /** The same predictions, per stack group. */
  groups: CalibrationReport['groups']
}

export function leaveOneSourceOut(cases: CalibrationCase[] = loadCases()): LosoReport {
  const sources = [...new Set(cases.map((c) => c.sourceGroup))].sort()
  const perSource: LosoReport['perSource'] = {}
  const held: CaseResult[] = []
  for (const source of sources) {
    const fitted = fit(cases.filter((c) => c.sourceGroup !== source))
    const report = runCalibration(cases.filter((c) => c.sourceGroup === source), fitted)
    held.push(...report.cases)
    perSource[source] = { fitted, memory: report.summary.ours!.memory, speed: report.summary.ours!.speed }
  }
  return {
    perSource,
    pooled: {
      memory: summarise(held.flatMap((r) => (r.memory?.ours ? [r.memory.ours] : []))),
      speed: summarise(held.flatMap((r) => (r.speed?.ours ? [r.speed.ours] : []))),
    },
    groups: rollup(held, (r) => r.group),
  }
}
