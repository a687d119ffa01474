import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { advise, dominates, paretoFrontier, type AdvisorInput, type AdvisorOption } from '../../src/estimation/advisor.ts'
import { estimate } from '../../src/estimation/estimate.ts'
import type { EstimateInput, MethodSpec } from '../../src/estimation/types.ts'
import { A10, A100_80, H100_SXM, L40S, LLAMA2_7B, LLAMA2_13B, OFFERS } from './fixtures/part2.ts'

const GPUS: AdvisorInput['gpus'] = [
  { id: 'a100-80gb', spec: A100_80 },
  { id: 'h100-sxm', spec: H100_SXM },
  { id: 'l40s', spec: L40S },
  { id: 'a10', spec: A10 },
]
const SPECS = Object.fromEntries(GPUS.map((g) => [g.id, g.spec]))

const BASE: AdvisorInput = {
  model: LLAMA2_7B,
  goal: 'prototype',
  training: { sequenceLength: 2048, datasetTokens: 20e6, epochs: 1 },
  gpus: GPUS,
  offers: OFFERS,
}

/** Rebuild the engine request an option stands for, to check it independently. */
function requestOf(input: AdvisorInput, o: AdvisorOption): EstimateInput {
  const method: MethodSpec = {
    type: o.method, rank: o.rank ?? 16, alpha: 2 * (o.rank ?? 16), targetModules: o.targetModules ?? ['q_proj', 'v_proj'],
    quantization: 'nf4', doubleQuantization: true, ...(o.freezeStrategy ? { strategy: o.freezeStrategy } : {}),
  }
  return {
    model: input.model,
    method,
    training: {
      microBatchSize: o.microBatchSize, sequenceLength: input.training.sequenceLength, gradientAccumulationSteps: o.gradientAccumulationSteps,
      precision: 'bf16-mixed', optimizer: 'adamw', gradientCheckpointing: o.gradientCheckpointing, attention: 'flash',
      datasetTokens: input.training.datasetTokens, epochs: input.training.epochs ?? 1,
    },
    hardware: { gpu: SPECS[o.gpuId]!, count: o.gpuCount, sharding: o.sharding, offload: 'none' },
  }
}

describe('advise', () => {
  const r = advise(BASE)

  it('returns a recommendation from the Pareto frontier, with reasons and a decision matrix', () => {
    expect(r.recommended).not.toBeNull()
    expect(r.pareto).toContain(r.recommended)
    expect(r.recommended!.reasons[0]).toBe('best weighted score for a prototype goal')
    expect(r.decisionMatrix.rows[0]!.optionId).toBe(r.recommended!.id)
    expect(r.decisionMatrix.rows.map((x) => x.score)).toEqual([...r.decisionMatrix.rows.map((x) => x.score)].sort((a, b) => b - a))
    // 23 variants: full, 2 freeze strategies, (lora + qlora) × 5 ranks × 2 target sets
    expect(r.searched.methodVariants).toBe(23)
  })

  it('prices each option at its cheapest allowed offer: cost = GPU-hours × price', () => {
    for (const o of r.pareto) {
      expect(o.costUsd).toBeCloseTo(o.gpuHours * o.usdPerGpuHour, 9)
      const cheapest = Math.min(...OFFERS.filter((x) => x.gpuId === o.gpuId).map((x) => x.usdPerGpuHour))
      expect(o.usdPerGpuHour).toBe(cheapest)
    }
  })

  it('keeps production off spot capacity unless asked', () => {
    const p = advise({ ...BASE, goal: 'production' })
    expect(p.pareto.every((o) => o.pricingModel !== 'spot')).toBe(true)
    expect(p.recommended!.reasons[0]).toBe('best weighted score for a production goal')
  })

  it('every option matches the engine: it fits its GPU and its hours are the engine hours', () => {
    for (const o of r.pareto) {
      const e = estimate(requestOf(BASE, o))
      expect(e.memory.fits).toBe(true)
      expect(o.memoryPerGpuBytes).toBe(e.memory.perGpu.totalBytes)
      expect(o.trainingHours).toBeCloseTo(e.speed.trainingHours!, 9)
    }
  })

  it('uses the smallest configuration that fits: the A10 (24 GiB) cannot hold a 13B full fine-tune on 8 GPUs', () => {
    // 13B full FT, bf16-mixed AdamW: 2 + 2 + 12 = 16 B/param × 13,015,864,320 = 208.3e9 B = 194.0 GiB of model
    // states, more than 8 × 24 GiB = 192 GiB even with zero3 and before any activation
    const a = advise({ ...BASE, model: LLAMA2_13B, gpus: [{ id: 'a10', spec: A10 }], space: { methods: ['full'] } })
    expect(a.pareto).toHaveLength(0)
    expect(a.rejected.noFit).toBe(1)
  })

  it('multiplies cost by the number of tasks and warns about full copies', () => {
    const one = advise({ ...BASE, goal: 'multi-task', space: { methods: ['full'] }, gpus: [GPUS[0]!] })
    const twelve = advise({ ...BASE, goal: 'multi-task', tasks: 12, space: { methods: ['full'] }, gpus: [GPUS[0]!] })
    expect(twelve.recommended!.costUsd).toBeCloseTo(one.recommended!.costUsd * 12, 6)
    expect(twelve.recommended!.tradeOffs.some((t) => t.startsWith('12 tasks mean 12 full model copies'))).toBe(true)
  })

  it('respects budget, deadline, quality floor and risk ceiling (property)', () => {
    fc.assert(fc.property(
      fc.constantFrom('prototype' as const, 'production' as const, 'multi-task' as const),
      fc.double({ min: 1, max: 200, noNaN: true }),
      fc.double({ min: 0.2, max: 20, noNaN: true }),
      fc.double({ min: 0, max: 0.99, noNaN: true }),
      fc.double({ min: 0.3, max: 1, noNaN: true }),
      fc.subarray(GPUS, { minLength: 1 }),
      (goal, budgetUsd, deadlineHours, qualityFloor, maxRisk, gpus) => {
        const input: AdvisorInput = { ...BASE, goal, budgetUsd, deadlineHours, qualityFloor, maxRisk, gpus, space: { ranks: [16, 64] } }
        const a = advise(input)
        for (const o of a.pareto) {
          expect(o.costUsd).toBeLessThanOrEqual(budgetUsd)
          expect(o.trainingHours).toBeLessThanOrEqual(deadlineHours)
          expect(o.quality.expected).toBeGreaterThanOrEqual(qualityFloor)
          expect(o.risk).toBeLessThanOrEqual(maxRisk)
          expect(o.memoryPerGpuBytes).toBeLessThanOrEqual(o.gpuCapacityBytes)
          for (const other of a.pareto) expect(dominates(other, o)).toBe(false)
        }
        if (a.recommended) expect(estimate(requestOf(input, a.recommended)).memory.fits).toBe(true)
      },
    ), { numRuns: 12 })
  })
})

describe('paretoFrontier (property)', () => {
  const option = fc.record({
    costUsd: fc.integer({ min: 0, max: 20 }),
    trainingHours: fc.integer({ min: 0, max: 20 }),
    quality: fc.integer({ min: 0, max: 10 }).map((q) => ({ low: q / 10, expected: q / 10, high: q / 10 })),
    risk: fc.integer({ min: 0, max: 10 }).map((r) => r / 10),
  }).map((o) => o as unknown as AdvisorOption)

  it('keeps exactly the non-dominated options (one per identical outcome)', () => {
    fc.assert(fc.property(fc.array(option, { maxLength: 60 }), (raw) => {
      const options = raw.map((o, i) => ({ ...o, id: String(i) }))
      const front = paretoFrontier(options)
      for (const f of front) for (const o of options) expect(dominates(o, f)).toBe(false)
      for (const o of options) {
        if (front.includes(o)) continue
        const covered = front.some((f) => dominates(f, o)
          || (f.costUsd === o.costUsd && f.trainingHours === o.trainingHours && f.quality.expected === o.quality.expected && f.risk === o.risk))
        expect(covered).toBe(true)
      }
    }))
  })
})
