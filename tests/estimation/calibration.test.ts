// Guards the accuracy against the 102 measured runs of calibration/cases.json (a copy of
// shared/reference/calibration-cases.json): a change to the physics that loses accuracy fails here.
import { beforeAll, describe, expect, it } from 'vitest'
import { runCalibration, type CalibrationReport } from '../../calibration/run.ts'

let report: CalibrationReport
beforeAll(() => {
  report = runCalibration()
})

describe('calibration against measured runs', () => {
  it('runs every case', () => {
    expect(report.cases).toHaveLength(102)
    expect(report.summary.ours!.memory!.n).toBe(95)
    expect(report.summary.ours!.speed!.n).toBe(86)
  })

  it('meets the median targets: memory ≤ 10 %, tokens/s ≤ 25 %', () => {
    expect(report.summary.ours!.memory!.median).toBeLessThanOrEqual(0.1)
    expect(report.summary.ours!.speed!.median).toBeLessThanOrEqual(0.25)
  })

  it('keeps the p90 where it is: 25 % is the target, ~40 % today (torchtune rows with chunked loss, compile or activation offloading the contract cannot express)', () => {
    expect(report.summary.ours!.memory!.p90).toBeLessThanOrEqual(0.42)
    expect(report.summary.ours!.speed!.p90).toBeLessThanOrEqual(0.42)
  })

  it('beats every peer formula on the median', () => {
    for (const [name, s] of Object.entries(report.summary)) {
      if (name === 'ours') continue
      if (s.memory) expect(report.summary.ours!.memory!.median, name).toBeLessThan(s.memory.median)
      if (s.speed) expect(report.summary.ours!.speed!.median, name).toBeLessThan(s.speed.median)
    }
  })
})
