import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { expectedQuality } from '../../src/estimation/quality.ts'

// Llama-2-7B: 6,738,415,616 params; LoRA r=16 on all linear layers 16 × 2,498,560 = 39,976,960
const TOTAL = 6_738_415_616
const R16 = 39_976_960

describe('expectedQuality', () => {
  it('is exactly 1 for full fine-tuning', () => {
    expect(expectedQuality({ method: 'full', trainableParams: TOTAL, totalParams: TOTAL, trainingTokens: 1e8 }).shareOfFullFineTuning)
      .toEqual({ low: 1, expected: 1, high: 1 })
  })
  it('reproduces the capacity fit for LoRA r=16 on a 4-epoch math IFT (412M tokens)', () => {
    // z(P) = 2.62 + 1.78·log10(P/D): z(R16) = 2.62 + 1.78·log10(0.097031) = 0.81668, σ = 0.693536
    // z(total) = 2.62 + 1.78·log10(16.3554) = 4.78032, σ = 0.991677 → expected 0.699357
    // band ±0.97 logit: low σ(−0.15332)/0.991677 = 0.465627, high σ(1.78668)/0.991677 = 0.863712
    // (measured: math 0.88, code 0.61 of full FT's gain, §1.1.1)
    const q = expectedQuality({ method: 'lora', trainableParams: R16, totalParams: TOTAL, trainingTokens: 412e6, rank: 16 }).shareOfFullFineTuning
    expect(q.expected).toBeCloseTo(0.699357, 5)
    expect(q.low).toBeCloseTo(0.465627, 5)
    expect(q.high).toBeCloseTo(0.863712, 5)
  })
  it('falls short on continued-pretraining scale data and says so', () => {
    const q = expectedQuality({ method: 'lora', trainableParams: 256 * 2_498_560, totalParams: TOTAL, trainingTokens: 20e9, rank: 256 })
    // measured r=256 at 20B tokens: code 0.69, math 0.38
    expect(q.shareOfFullFineTuning.expected).toBeGreaterThan(0.38)
    expect(q.shareOfFullFineTuning.expected).toBeLessThan(0.69)
    expect(q.notes.some((n) => n.includes('continued-pretraining'))).toBe(true)
  })
  it('discounts QLoRA by the 4-bit factor and flags attention-only targets', () => {
    const base = { trainableParams: R16, totalParams: TOTAL, trainingTokens: 5e7, rank: 16, targetModules: ['q_proj' as const, 'v_proj' as const] }
    const l = expectedQuality({ ...base, method: 'lora' })
    const q = expectedQuality({ ...base, method: 'qlora' })
    expect(q.shareOfFullFineTuning.expected).toBeCloseTo(l.shareOfFullFineTuning.expected * 0.987, 12)
    expect(l.notes.some((n) => n.startsWith('Attention-only'))).toBe(true)
  })
  it('sweeps the rank and finds where doubling stops paying (50M tokens, all linear layers)', () => {
    // r=32: P = 79,953,920, z = 2.62 + 1.78·log10(1.59908) = 2.98289, σ = 0.951795
    // r=64: P = 159,907,840, z = 3.51872, σ = 0.971216; full: z = 6.41067, σ = 0.998359
    // shares 0.953360 and 0.972812: doubling 32 → 64 adds 1.95 points < 2 → sweet spot r = 32
    const q = expectedQuality({ method: 'lora', trainableParams: R16, totalParams: TOTAL, trainingTokens: 50e6, rank: 16 })
    expect(q.byRank.map((r) => r.rank)).toEqual([4, 8, 16, 32, 64, 128, 256])
    expect(q.byRank[3]!.expected).toBeCloseTo(0.95336, 5)
    expect(q.byRank[4]!.expected).toBeCloseTo(0.972812, 5)
    expect(q.sweetSpotRank).toBe(32)
    expect(expectedQuality({ method: 'full', trainableParams: TOTAL, totalParams: TOTAL, trainingTokens: 50e6 }).sweetSpotRank).toBeNull()
  })
  it('rises with trainable parameters and falls with tokens (property)', () => {
    const p = fc.double({ min: 1e5, max: TOTAL, noNaN: true })
    const d = fc.double({ min: 1e5, max: 1e11, noNaN: true })
    fc.assert(fc.property(p, p, d, (a, b, t) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a]
      const q = (x: number, tok = t) => expectedQuality({ method: 'lora', trainableParams: x, totalParams: TOTAL, trainingTokens: tok }).shareOfFullFineTuning
      expect(q(hi).expected).toBeGreaterThanOrEqual(q(lo).expected)
      expect(q(lo, t * 2).expected).toBeLessThanOrEqual(q(lo).expected + 1e-12)
      const r = q(lo)
      expect(r.low).toBeLessThanOrEqual(r.expected)
      expect(r.expected).toBeLessThanOrEqual(r.high)
      expect(r.high).toBeLessThanOrEqual(1)
    }))
  })
})
