import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { assessForgetting, forgettingRisk, levelOf, replayFactor, riskOf, specForMethod, type ForgettingInput } from '../../src/estimation/forgetting.ts'
import { estimate } from '../../src/estimation/estimate.ts'
import { method, request } from './fixtures/part2.ts'

// Llama-2-7B, LoRA r=16 on all linear layers: 16 × 2,498,560 / 6,738,415,616 = 0.005933
const LORA16_SHARE = 0.005933
const CODE_EPOCH = 72.97e6

describe('forgettingRisk against Biderman et al. 2024 (Llama-2-7B, code IFT, 4 epochs)', () => {
  it('predicts the full fine-tuning drop within the figure reading error', () => {
    // ΔF = 0.076 × 4^0.48 = 0.076 × 1.94531 = 0.147844 (measured 0.159, §1.1.2)
    // risk = 1 − exp(−0.147844 / 0.075) = 0.86072
    const r = forgettingRisk({ method: 'full', trainableShare: 1, trainingTokens: 4 * CODE_EPOCH, spec: { domain: 'far' } })
    expect(r.expectedDrop).toBeCloseTo(0.147844, 5)
    expect(r.risk).toBeCloseTo(0.86072, 4)
    expect(r.level).toBe('high')
  })
  it('predicts a much smaller drop for LoRA r=16', () => {
    // ΔF = 0.147844 × 0.005933^0.335 = 0.147844 × 0.17949 = 0.026537 (measured 0.020)
    const r = forgettingRisk({ method: 'lora', trainableShare: LORA16_SHARE, trainingTokens: 4 * CODE_EPOCH, rank: 16, spec: { domain: 'far' } })
    expect(r.expectedDrop).toBeCloseTo(0.026537, 5)
    expect(r.level).toBe('low')
    expect(r.drivers.find((d) => d.name === 'rank')?.value).toBe(16)
  })
})

describe('drivers', () => {
  const base: ForgettingInput = { method: 'full', trainableShare: 1, trainingTokens: 103e6 }
  it('scales with the learning rate as (lr / lr_ref)^β', () => {
    // near/instruction: lr_ref 1e-5, β 0.17; doubling lr multiplies ΔF by 2^0.17 = 1.12504
    const a = forgettingRisk(base).expectedDrop
    const b = forgettingRisk({ ...base, spec: { learningRate: 2e-5 } }).expectedDrop
    expect(a).toBeCloseTo(0.073, 10)
    expect(b / a).toBeCloseTo(1.125058, 5)
  })
  it('applies the replay and regularisation factors', () => {
    // R(1 %) = 0.3 by construction (near); G(λ = 1, h = 1) = 1/2
    expect(replayFactor(0, 'near')).toBe(1)
    expect(replayFactor(0.01, 'near')).toBeCloseTo(0.3, 12)
    expect(replayFactor(0.05, 'far')).toBeCloseTo(0.3, 12)
    const r = forgettingRisk({ ...base, spec: { replayShare: 0.01, regularization: { kind: 'ewc', lambda: 1 } } })
    expect(r.expectedDrop).toBeCloseTo(0.073 * 0.3 * 0.5, 10)
  })
  it('maps drops to levels at the documented bounds', () => {
    expect(levelOf(riskOf(0.029))).toBe('low')
    expect(levelOf(riskOf(0.031))).toBe('moderate')
    expect(levelOf(riskOf(0.083))).toBe('high')
    expect(riskOf(0.075)).toBeCloseTo(1 - Math.exp(-1), 12)
  })
})

describe('mitigations', () => {
  it('shows each technique lowering the risk of a full fine-tune', () => {
    const r = forgettingRisk({ method: 'full', trainableShare: 1, trainingTokens: 3 * 50e6, alternatives: { loraShare: LORA16_SHARE, freezeShare: 0.2 } })
    expect(r.mitigations.map((m) => m.technique)).toEqual(['parameter-regularization', 'selective-freezing', 'low-rank-adaptation', 'replay'])
    for (const m of r.mitigations) {
      expect(m.riskWith).toBeLessThan(m.riskWithout)
      expect(m.reduction).toBeCloseTo(m.riskWithout - m.riskWith, 12)
      expect(m.appliedInRequest).toBe(false)
    }
    // without any technique every row starts from the request's own risk
    expect(r.mitigations.every((m) => Math.abs(m.riskWithout - r.risk) < 1e-12)).toBe(true)
  })
  it('marks the techniques the request already uses and takes its own setting', () => {
    const r = forgettingRisk({ method: 'lora', trainableShare: LORA16_SHARE, trainingTokens: 1e8, spec: { replayShare: 0.05 } })
    const replay = r.mitigations.find((m) => m.technique === 'replay')!
    expect(replay.appliedInRequest).toBe(true)
    expect(replay.riskWith).toBeCloseTo(r.risk, 12)
    expect(r.mitigations.find((m) => m.technique === 'low-rank-adaptation')!.appliedInRequest).toBe(true)
  })
})

describe('properties', () => {
  const share = fc.double({ min: 1e-4, max: 1, noNaN: true })
  const tokens = fc.double({ min: 1e5, max: 1e10, noNaN: true })
  const lr = fc.double({ min: 1e-6, max: 1e-3, noNaN: true })
  const frac = fc.double({ min: 0, max: 0.5, noNaN: true })
  const domain = fc.constantFrom('near' as const, 'far' as const)
  const regime = fc.constantFrom('instruction' as const, 'continued-pretraining' as const)
  const drop = (i: ForgettingInput) => forgettingRisk(i).expectedDrop

  it('grows with learning rate and with tokens, sublinearly in tokens', () => {
    fc.assert(fc.property(share, tokens, lr, domain, regime, (s, t, l, d, g) => {
      const i: ForgettingInput = { method: 'full', trainableShare: s, trainingTokens: t, spec: { learningRate: l, domain: d, regime: g } }
      expect(drop({ ...i, spec: { ...i.spec, learningRate: l * 2 } })).toBeGreaterThan(drop(i))
      const twice = drop({ ...i, trainingTokens: t * 2 })
      expect(twice).toBeGreaterThan(drop(i))
      expect(twice).toBeLessThan(2 * drop(i))
    }))
  })
  it('shrinks with replay share and regularisation strength', () => {
    fc.assert(fc.property(share, tokens, frac, frac, fc.double({ min: 0, max: 100, noNaN: true }), domain, (s, t, p1, p2, lambda, d) => {
      const [lo, hi] = p1 <= p2 ? [p1, p2] : [p2, p1]
      const i: ForgettingInput = { method: 'lora', trainableShare: s, trainingTokens: t, spec: { domain: d } }
      const r = (spec: ForgettingInput['spec']) => forgettingRisk({ ...i, spec: { domain: d, ...spec } }).risk
      expect(r({ replayShare: hi })).toBeLessThanOrEqual(r({ replayShare: lo }))
      expect(r({ regularization: { kind: 'l2-sp', lambda: lambda + 1 } })).toBeLessThan(r({ regularization: { kind: 'l2-sp', lambda } }))
    }))
  })
  it('stays in [0, 1] and grows with the trained share', () => {
    fc.assert(fc.property(share, share, tokens, (s1, s2, t) => {
      const [lo, hi] = s1 <= s2 ? [s1, s2] : [s2, s1]
      const a = forgettingRisk({ method: 'freeze', trainableShare: lo, trainingTokens: t }).risk
      const b = forgettingRisk({ method: 'freeze', trainableShare: hi, trainingTokens: t }).risk
      expect(a).toBeGreaterThanOrEqual(0)
      expect(b).toBeLessThanOrEqual(1)
      expect(b).toBeGreaterThanOrEqual(a)
    }))
  })
})

describe('forgetting of an estimate request', () => {
  it('fills the contract block from the engine parameter counts', () => {
    // LoRA r=16 q,v on Llama-2-7B: 32 layers × 2 × 16 × (4096 + 4096) = 8,388,608 trainable,
    // share 8,388,608 / 6,738,415,616 = 0.00124489
    // near/instruction, 50M tokens, lr_ref: ΔF = 0.073 × (50/103)^0.17 × 0.00124489^0.073
    //   = 0.073 × 0.884387 × 0.613684 = 0.0396196
    const e = estimate(request())
    expect(e.forgetting.expectedDrop).toBeCloseTo(0.0396196, 5)
    expect(e.forgetting.risk).toBeCloseTo(1 - Math.exp(-0.0396196 / 0.075), 5)
    expect(e.forgetting.level).toBe('moderate')
  })
  it('reacts to the request forgetting block', () => {
    const plain = estimate(request({ method: method('full') })).forgetting.risk
    const hot = estimate(request({ method: method('full'), forgetting: { learningRate: 1e-4 } })).forgetting.risk
    const replayed = estimate(request({ method: method('full'), forgetting: { replayShare: 0.05 } })).forgetting.risk
    expect(hot).toBeGreaterThan(plain)
    expect(replayed).toBeLessThan(plain)
  })
  it('shows every technique for a full fine-tune, with LoRA and freezing alternatives from the architecture', () => {
    const r = assessForgetting(request({ method: method('full') }))
    expect(r.mitigations.map((m) => m.technique)).toEqual(['parameter-regularization', 'selective-freezing', 'low-rank-adaptation', 'replay'])
    // LoRA r=16 on all linear layers: 39,976,960 / 6,738,415,616 = 0.0059327
    expect(r.mitigations[2]!.setting).toContain('0.593 %')
    expect(r.mitigations.every((m) => m.riskWith < m.riskWithout)).toBe(true)
  })
})

describe('specForMethod', () => {
  it('reads the LR as the full-FT LR and scales it to each method reference (near IFT: 1e-5 full, 1e-4 LoRA)', () => {
    expect(specForMethod('full', { learningRate: 2e-5 })?.learningRate).toBeCloseTo(2e-5, 15)
    expect(specForMethod('lora', { learningRate: 2e-5 })?.learningRate).toBeCloseTo(2e-4, 15)
    // far IFT: 5e-5 full, 2e-4 LoRA → ×4
    expect(specForMethod('qlora', { learningRate: 5e-5, domain: 'far' })?.learningRate).toBeCloseTo(2e-4, 15)
    expect(specForMethod('lora', { replayShare: 0.1 })).toEqual({ replayShare: 0.1 })
  })
})
