import { describe, expect, it } from 'vitest'
import { compareMethods, costComparisonTable } from '../../src/estimation/comparison.ts'
import { estimate } from '../../src/estimation/estimate.ts'
import { A100_80, ALL_LINEAR, LLAMA2_7B, method, request } from './fixtures/part2.ts'

describe('compareMethods: Llama-2-7B on one A100-80GB, 50M tokens', () => {
  const input = { model: LLAMA2_7B, training: request().training, hardware: { gpu: A100_80, count: 1, sharding: 'none' as const, offload: 'none' as const }, pricing: { usdPerGpuHour: 1.79 } }
  const c = compareMethods(input)
  const row = (m: string) => c.rows.find((r) => r.method === m)!

  it('returns the four methods in order, each equal to its own estimate', () => {
    expect(c.rows.map((r) => r.method)).toEqual(['full', 'freeze', 'lora', 'qlora'])
    const lora = estimate({ ...request({ pricing: { usdPerGpuHour: 1.79 } }), method: method('lora', { targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] }) })
    expect(row('lora').memory.perGpuBytes).toBe(lora.memory.perGpu.totalBytes)
    expect(row('lora').speed.trainingHours).toBe(lora.speed.trainingHours)
    expect(row('lora').costUsd).toBe(lora.cost.totalUsd)
    expect(row('lora').forgetting.risk).toBeCloseTo(lora.forgetting.risk, 12)
  })

  it('shows the expected orderings: trainable share, memory, risk and quality', () => {
    // LoRA r=16 all linear: 16 × 2,498,560 = 39,976,960 of 6,738,415,616 = 0.59327 %
    expect(row('lora').parameters.trainable).toBe(39_976_960)
    expect(row('qlora').parameters.trainable).toBe(39_976_960)
    expect(row('full').parameters.trainableShare).toBe(1)
    // conservative freezing trains the top 16 of 32 layers plus final norm and lm_head
    expect(row('freeze').parameters.trainableShare).toBeGreaterThan(0.45)
    expect(row('qlora').memory.perGpuBytes).toBeLessThan(row('lora').memory.perGpuBytes)
    expect(row('lora').memory.perGpuBytes).toBeLessThan(row('full').memory.perGpuBytes)
    expect(row('full').memory.fits).toBe(false) // 16 B/param × 6.74e9 = 100 GiB of states alone
    expect(row('lora').forgetting.risk).toBeLessThan(row('freeze').forgetting.risk)
    expect(row('freeze').forgetting.risk).toBeLessThan(row('full').forgetting.risk)
    expect(row('full').quality).toEqual({ low: 1, expected: 1, high: 1 })
    expect(row('qlora').quality.expected).toBeLessThan(row('lora').quality.expected)
  })

  it('names the best method per criterion among those that fit', () => {
    expect(c.best.memory).toBe('qlora')
    expect(c.best.risk === 'lora' || c.best.risk === 'qlora').toBe(true)
    expect(c.best.quality).not.toBe('full') // full does not fit on one A100-80GB
  })
})

describe('costComparisonTable', () => {
  const rows = costComparisonTable({
    models: [LLAMA2_7B],
    gpu: { id: 'a100-80gb', spec: A100_80, maxCount: 16 },
    prices: [{ label: 'lambda', usdPerGpuHour: 1.79 }, { label: 'aws', usdPerGpuHour: 5.1207 }],
    datasetTokens: 100e6, epochs: 3, sequenceLength: 2048,
  })

  it('has one row per method, each priced at every column as GPU-hours × price', () => {
    expect(rows.map((r) => r.method)).toEqual(['full fine-tuning', 'layer freezing (aggressive)', 'LoRA r=32'])
    for (const r of rows) {
      expect(r.computeUsd[0]).toBeCloseTo(r.gpuHours * 1.79, 9)
      expect(r.computeUsd[1]).toBeCloseTo(r.gpuHours * 5.1207, 9)
      expect(r.totalUsd).toBeCloseTo(r.computeUsd[0]! + r.storageUsd + r.transferUsd, 9)
    }
  })

  it('chooses, per method, a configuration that fits and has no fewer GPU-hours than the engine allows at that count', () => {
    for (const r of rows) {
      const m = r.method.startsWith('full') ? method('full') : r.method.startsWith('layer') ? method('freeze', { strategy: 'aggressive' }) : method('lora', { rank: 32, alpha: 64, targetModules: ALL_LINEAR })
      const e = estimate({
        ...request(),
        method: m,
        training: { ...request().training, microBatchSize: r.microBatchSize, gradientCheckpointing: r.gradientCheckpointing, datasetTokens: 100e6, epochs: 3, gradientAccumulationSteps: Math.max(1, Math.round(786_432 / (r.microBatchSize * 2048 * r.gpus))) },
        hardware: { gpu: A100_80, count: r.gpus, sharding: r.sharding as 'none', offload: 'none' },
      })
      expect(e.memory.fits).toBe(true)
      expect(e.speed.gpuHours).toBeCloseTo(r.gpuHours, 9)
    }
  })

  it('stores full copies for full FT and freezing but only adapters for LoRA', () => {
    // full: 3 epochs × 13.48 GB checkpoints (12.55 GiB) × $0.023 = $0.866, + egress 12.55 GiB × $0.09 = $1.130
    const full = rows[0]!
    expect(full.storageUsd).toBeCloseTo((3 * 6_738_415_616 * 2 / 2 ** 30) * 0.023, 9)
    expect(full.transferUsd).toBeCloseTo((6_738_415_616 * 2 / 2 ** 30) * 0.09, 9)
    expect(rows[2]!.storageUsd).toBeLessThan(full.storageUsd / 50)
  })
})
