// Guards the accuracy against the measured runs: the 102 of calibration/cases.json (a copy of
// shared/reference/calibration-cases.json, with the stack each source states) and the 239 collected
// from the stacks' own sources (calibration/stacks/, calibration/SOURCES.md). A change to the physics
// that loses accuracy fails here. Bounds sit just above what the engine achieves; the targets of the
// stack-profiles work are memory median ≤ 10 % and p90 ≤ 30 %, every stack group of 3+ runs within
// ±20 % median signed error, tokens/s median ≤ 20 %, and less error than every peer formula.
import { Value } from 'typebox/value'
import { beforeAll, describe, expect, it } from 'vitest'
import { leaveOneSourceOut, loadCases, runCalibration, type CalibrationReport, type LosoReport } from '../../calibration/run.ts'
import { EstimateRequestSchema } from '../../src/contract/estimate.schemas.ts'
import { applyDefaults } from '../../src/estimation/defaults.ts'
import { validateInput } from '../../src/estimation/validate.ts'

let report: CalibrationReport
let loso: LosoReport
beforeAll(() => {
  const cases = loadCases()
  report = runCalibration(cases)
  loso = leaveOneSourceOut(cases)
}, 120_000)

describe('calibration against measured runs', () => {
  it('every case is a request the service accepts as it stands', () => {
    const refused = loadCases().flatMap((c) => {
      const problems = [...Value.Errors(EstimateRequestSchema, c.request)].map((e) => e.message)
      return [...problems, ...validateInput(applyDefaults(c.request)).map((p) => `${p.field} ${p.message}`)].map((p) => `${c.id}: ${p}`)
    })
    expect(refused).toEqual([])
  })

  it('runs every case', () => {
    expect(report.cases).toHaveLength(341)
    expect(report.summary.ours!.memory!.n).toBe(334)
    expect(report.summary.ours!.speed!.n).toBe(112)
  })

  it('in-sample: memory median 7.4 %, p90 22.5 %; tokens/s median 9.9 %', () => {
    expect(report.summary.ours!.memory!.median).toBeLessThanOrEqual(0.08)
    expect(report.summary.ours!.memory!.p90).toBeLessThanOrEqual(0.23)
    expect(report.summary.ours!.speed!.median).toBeLessThanOrEqual(0.105)
  })

  it('leave one source out: memory median 9.1 %, p90 32.5 %; tokens/s median 9.6 %', () => {
    expect(loso.pooled.memory!.median).toBeLessThanOrEqual(0.095)
    expect(loso.pooled.memory!.p90).toBeLessThanOrEqual(0.33)
    expect(loso.pooled.speed!.median).toBeLessThanOrEqual(0.10)
  })

  it('every stack group of 3 or more runs within ±20 % median signed error in-sample, but two QLoRA groups', () => {
    // Both undershoot by a few GB that no mechanism read in their code accounts for yet (docs/accuracy.md,
    // "Known gaps"): ms-swift 1.5/1.6 with bitsandbytes 0.41, and torchtune 0.1/0.2 with torchao NF4.
    const off = Object.entries(report.groups)
      .filter(([, g]) => g.memory && g.memory.n >= 3 && Math.abs(g.memory.medianSigned) > 0.2)
      .map(([name]) => name)
    expect(off).toEqual(['ms-swift/qlora/1 GPU', 'torchtune/qlora/1 GPU'])
  })

  it('beats every peer formula on the median', () => {
    for (const [name, s] of Object.entries(report.summary)) {
      if (name === 'ours') continue
      if (s.memory) expect(report.summary.ours!.memory!.median, name).toBeLessThan(s.memory.median)
      if (s.speed) expect(report.summary.ours!.speed!.median, name).toBeLessThan(s.speed.median)
    }
  })
})
