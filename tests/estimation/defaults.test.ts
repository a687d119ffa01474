import { describe, expect, it } from 'vitest'
import { applyDefaults } from '../../src/estimation/defaults.ts'
import { A100_80, LLAMA2_7B } from './fixtures/engine.ts'

describe('applyDefaults', () => {
  it('fills the documented contract defaults', () => {
    const i = applyDefaults({ model: LLAMA2_7B, method: { type: 'lora', rank: 8 }, training: { microBatchSize: 2, sequenceLength: 1024 }, hardware: { gpu: A100_80 } })
    expect(i.method).toEqual({ type: 'lora', rank: 8, alpha: 16, targetModules: ['q_proj', 'v_proj'], quantization: 'nf4', doubleQuantization: true })
    expect(i.training).toEqual({ microBatchSize: 2, sequenceLength: 1024, gradientAccumulationSteps: 1, precision: 'bf16-mixed', optimizer: 'adamw', gradientCheckpointing: false, attention: 'flash', epochs: 1 })
    expect(i.hardware).toEqual({ gpu: A100_80, count: 1, sharding: 'none', offload: 'none' })
  })

  it('keeps what the request says', () => {
    const i = applyDefaults({ model: LLAMA2_7B, method: { type: 'freeze', strategy: 'aggressive' }, training: { microBatchSize: 1, sequenceLength: 512, precision: 'fp32', datasetTokens: 1000, epochs: 3 }, hardware: { gpu: A100_80, count: 4, sharding: 'fsdp' } })
    expect(i.method.strategy).toBe('aggressive')
    expect(i.method.rank).toBe(16)
    expect(i.training).toMatchObject({ precision: 'fp32', datasetTokens: 1000, epochs: 3 })
    expect(i.hardware).toMatchObject({ count: 4, sharding: 'fsdp' })
  })
})
