import { describe, expect, it } from 'vitest'
import { validateInput } from '../../src/estimation/validate.ts'
import { input } from './fixtures/engine.ts'

describe('validateInput', () => {
  it('accepts a well-formed request', () => {
    expect(validateInput(input({ method: { type: 'lora' } }))).toEqual([])
  })

  it('names the field of each problem', () => {
    const i = input({ model: { numKeyValueHeads: 5 }, method: { type: 'lora', rank: 0 }, training: { microBatchSize: 0 }, hardware: { offload: 'optimizer-and-params' } })
    expect(validateInput(i).map((p) => p.field)).toEqual(['model.numKeyValueHeads', 'method.rank', 'training.microBatchSize', 'hardware.offload'])
  })

  it('checks the servers the GPUs are spread over', () => {
    const i = input({ hardware: { count: 16, gpusPerNode: 0, networkGBps: -1 } })
    expect(validateInput(i).map((p) => p.field)).toEqual(['hardware.gpusPerNode', 'hardware.networkGBps'])
  })

  it('needs headDim when the hidden size does not split into heads', () => {
    const i = input({ model: { hiddenSize: 4100, headDim: undefined } })
    expect(validateInput(i)).toEqual([{ field: 'model.headDim', message: 'required when hiddenSize (4100) is not a multiple of numAttentionHeads (32)' }])
  })
})
