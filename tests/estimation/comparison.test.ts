import { describe, expect, it } from 'vitest'
import { compareMethods } from '../../src/estimation/comparison.ts'
import { estimate } from '../../src/estimation/estimate.ts'
import { A100_80, LLAMA2_7B, method, request } from './fixtures/part2.ts'

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
