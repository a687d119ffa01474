import { describe, expect, it } from 'vitest'
import { estimate } from '../../src/estimation/estimate.ts'
import { maxMicroBatchSize, maxSequenceLength, minGpuCount } from '../../src/estimation/inverse.ts'
import type { EstimateInput } from '../../src/estimation/types.ts'
import { LLAMA31_8B, RTX4090, input } from './fixtures/engine.ts'

const fits = (i: EstimateInput) => estimate(i).memory.fits

describe('inverse questions', () => {
  const lora = input({ model: LLAMA31_8B, method: { type: 'qlora' }, training: { sequenceLength: 2048, gradientCheckpointing: true }, hardware: { gpu: RTX4090 } })

  it('finds the largest micro-batch that fits', () => {
    const b = maxMicroBatchSize(lora)
    expect(b).toBeGreaterThan(0)
    expect(fits({ ...lora, training: { ...lora.training, microBatchSize: b } })).toBe(true)
    expect(fits({ ...lora, training: { ...lora.training, microBatchSize: b + 1 } })).toBe(false)
  })

  it('finds the longest sequence that fits', () => {
    const s = maxSequenceLength(lora)
    expect(fits({ ...lora, training: { ...lora.training, sequenceLength: s } })).toBe(true)
    expect(fits({ ...lora, training: { ...lora.training, sequenceLength: s + 1 } })).toBe(false)
  })

  it('answers 0 when not even one sequence fits', () => {
    const full = input({ model: LLAMA31_8B, method: { type: 'full' }, hardware: { gpu: RTX4090 } })
    expect(maxMicroBatchSize(full)).toBe(0)
  })

  it('finds the fewest GPUs that fit with ZeRO-3', () => {
    const full = input({ model: LLAMA31_8B, method: { type: 'full' }, training: { gradientCheckpointing: true }, hardware: { gpu: RTX4090 } })
    const r = minGpuCount(full)!
    expect(r.sharding).toBe('zero3')
    expect(fits({ ...full, hardware: { ...full.hardware, count: r.count, sharding: 'zero3' } })).toBe(true)
    expect(fits({ ...full, hardware: { ...full.hardware, count: r.count - 1, sharding: 'zero3' } })).toBe(false)
    expect(minGpuCount(lora)).toEqual({ count: 1, sharding: 'none' })
  })
})
