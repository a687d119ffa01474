import { describe, expect, it } from 'vitest'
import { estimate } from '../../src/estimation/estimate.ts'
import { phasedForgetting, forgettingRisk } from '../../src/estimation/forgetting.ts'
import { dynamicRank, gradualUnfreezing, mixedRanks, runPlan, stagedLoraThenFull } from '../../src/estimation/plans.ts'
import { A100_80, ALL_LINEAR, method, request } from './fixtures/part2.ts'

const base = request({ hardware: { gpu: A100_80, count: 8, sharding: 'zero3', offload: 'none' }, pricing: { usdPerGpuHour: 1.79 } })

describe('runPlan', () => {
  it('staged LoRA → full: peak is the full phase, time and cost are the sums of the phase estimates', () => {
    const plan = runPlan(stagedLoraThenFull(base, { loraShare: 0.25 }))
    const lora = estimate({ ...base, method: method('lora', { targetModules: ALL_LINEAR }), training: { ...base.training, datasetTokens: 12.5e6 } })
    const full = estimate({ ...base, method: method('full', { targetModules: ALL_LINEAR }), training: { ...base.training, datasetTokens: 37.5e6 } })
    expect(plan.phases.map((p) => p.trainingTokens)).toEqual([12.5e6, 37.5e6])
    expect(plan.peakMemoryBytes).toBe(Math.max(lora.memory.perGpu.totalBytes, full.memory.perGpu.totalBytes))
    expect(plan.trainingHours).toBeCloseTo(lora.speed.trainingHours! + full.speed.trainingHours!, 9)
    expect(plan.costUsd).toBeCloseTo(lora.cost.totalUsd! + full.cost.totalUsd!, 9)
    expect(plan.fits).toBe(true)
    expect(plan.warnings).toEqual([])
  })

  it('gradual unfreezing: top 8, 16, 24, 32 of 32 layers, a quarter of the tokens each', () => {
    const p = gradualUnfreezing(base, { stages: 4 })
    expect(p.phases.map((x) => x.method.trainableLayers)).toEqual([8, 16, 24, 32])
    const r = runPlan(p)
    expect(r.phases.map((x) => x.trainableShare)).toEqual([...r.phases.map((x) => x.trainableShare)].sort((a, b) => a - b))
    // less forgetting than training every layer for the whole run
    const fullRun = runPlan({ base, phases: [{ name: 'all layers', method: method('freeze', { trainableLayers: 32 }), tokenShare: 1 }] })
    expect(r.forgetting.risk).toBeLessThan(fullRun.forgetting.risk)
  })

  it('mixed ranks: r=64 on the top quarter, r=8 below; adapter size between uniform r=8 and r=64', () => {
    const p = mixedRanks(base)
    expect(p.phases[0]!.method.layerRanks!.filter((r) => r === 64)).toHaveLength(8)
    const share = runPlan(p).phases[0]!.trainableShare
    // uniform r: r × 2,498,560 / 6,738,415,616; mixed = (24 × 8 + 8 × 64) / 32 = 22 effective rank
    expect(share).toBeCloseTo((22 * 2_498_560) / 6_738_415_616, 12)
  })

  it('dynamic rank runs one phase per rank and warns when shares do not sum to 1', () => {
    expect(runPlan(dynamicRank(base)).phases.map((x) => x.name)).toEqual(['LoRA r=64', 'LoRA r=32', 'LoRA r=16'])
    const bad = runPlan({ base, phases: [{ name: 'half', method: method('lora'), tokenShare: 0.5 }] })
    expect(bad.warnings[0]).toMatch(/sum to 0.500/)
  })
})

describe('phasedForgetting', () => {
  it('equals the single-phase model when every phase is the same', () => {
    const one = forgettingRisk({ method: 'lora', trainableShare: 0.01, trainingTokens: 1e8 })
    const two = phasedForgetting([{ method: 'lora', trainableShare: 0.01, trainingTokens: 4e7 }, { method: 'lora', trainableShare: 0.01, trainingTokens: 6e7 }])
    expect(two.expectedDrop).toBeCloseTo(one.expectedDrop, 12)
  })
})
