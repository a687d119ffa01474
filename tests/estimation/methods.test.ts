import { describe, expect, it } from 'vitest'
import { describeArchitecture } from '../../src/estimation/architecture.ts'
import { planMethod, quantizedBitsPerParam } from '../../src/estimation/methods.ts'
import { ALL_LINEAR, LLAMA2_7B, LLAMA32_3B, input } from './fixtures/engine.ts'

const llama3b = describeArchitecture(LLAMA32_3B)
const llama7b = describeArchitecture(LLAMA2_7B)

describe('LoRA trainable parameters: r·(dIn + dOut) per adapted matrix', () => {
  it('matches the PEFT benchmark counts for Llama-3.2-3B on q_proj, v_proj', () => {
    // huggingface/peft method_comparison: rank32 → 9,175,040 and rank64 → 18,350,080 trainable
    // = 28 layers × r × [(3072 + 3072) + (3072 + 1024)].
    expect(planMethod(llama3b, input({ model: LLAMA32_3B, method: { type: 'lora', rank: 32 } }).method).adapterParams).toBe(9_175_040)
    expect(planMethod(llama3b, input({ model: LLAMA32_3B, method: { type: 'lora', rank: 64 } }).method).adapterParams).toBe(18_350_080)
  })

  it('adapts every linear layer, embeddings and lm_head', () => {
    const all = planMethod(llama7b, input({ method: { type: 'lora', rank: 8, targetModules: [...ALL_LINEAR, 'embed_tokens', 'lm_head'] } }).method)
    // Per layer: 4 × 8·(4096 + 4096) + 3 × 8·(4096 + 11008) = 262,144 + 362,496 = 624,640; × 32 = 19,988,480;
    // embed_tokens 8·(32000 + 4096) and lm_head 8·(4096 + 32000) = 577,536.
    expect(all.adapterParams).toBe(19_988_480 + 577_536)
    expect(all.firstBackwardLayer).toBe(0)
  })

  it('honours per-layer ranks and skips layers with rank 0', () => {
    const layerRanks = Array.from({ length: 32 }, (_, i) => (i < 16 ? 0 : 32))
    const plan = planMethod(llama7b, input({ method: { type: 'lora', rank: 16, layerRanks } }).method)
    // 16 layers × 32 × (8192 + 8192) on q and v.
    expect(plan.adapterParams).toBe(16 * 32 * 16_384)
    // No backward below the lowest adapted layer.
    expect(plan.firstBackwardLayer).toBe(16)
  })
})

describe('freezing', () => {
  it('trains the top k decoder layers', () => {
    const plan = planMethod(llama7b, input({ method: { type: 'freeze', trainableLayers: 3 } }).method)
    expect(plan.trainableBase).toBe(3 * 202_383_360)
    expect(plan.firstBackwardLayer).toBe(29)
  })

  it('names strategies: conservative, attention-only, aggressive', () => {
    const conservative = planMethod(llama7b, input({ method: { type: 'freeze', strategy: 'conservative' } }).method)
    // Top 16 layers + final norm + lm_head.
    expect(conservative.trainableBase).toBe(16 * 202_383_360 + 4_096 + 131_072_000)
    const attention = planMethod(llama7b, input({ method: { type: 'freeze', strategy: 'attention-only' } }).method)
    expect(attention.trainableBase).toBe(32 * (67_108_864 + 8_192))
    expect(attention.saved.downInput).toBe(false)
    const aggressive = planMethod(llama7b, input({ method: { type: 'freeze', strategy: 'aggressive' } }).method)
    // First 75 % frozen: the top 8 of 32 layers train.
    expect(aggressive.firstBackwardLayer).toBe(24)
  })
})

describe('QLoRA storage', () => {
  it('costs 4.5 bits per weight with NF4, 4.127 with double quantisation, ~8 with int8', () => {
    const m = input({ method: { type: 'qlora' } }).method
    expect(quantizedBitsPerParam({ ...m, doubleQuantization: false }, 4096)).toBe(4.5)
    // QLoRA paper: 8/64 + 32/(64·256) = 0.127 bits of constants.
    expect(quantizedBitsPerParam(m, 4096)).toBeCloseTo(4.127, 3)
    expect(quantizedBitsPerParam({ ...m, quantization: 'int8' }, 4096)).toBe(8 + 32 / 4096)
  })

  it('quantises the decoder linears only', () => {
    const plan = planMethod(llama7b, input({ method: { type: 'qlora' } }).method)
    // 32 × (4·4096² + 3·4096·11008) = 6,476,005,376; embeddings, lm_head and norms stay 16-bit.
    expect(plan.quantizedParams).toBe(6_476_005_376)
  })
})
