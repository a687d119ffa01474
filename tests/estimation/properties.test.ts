import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { estimate } from '../../src/estimation/estimate.ts'
import type { Attention, EstimateInput, LossImplementation, MethodSpec, Precision } from '../../src/estimation/types.ts'
import { A100_80, ALL_LINEAR } from './fixtures/engine.ts'

// Random but well-formed Llama-style architectures and training settings.
const model = fc.record({
  heads: fc.constantFrom(8, 16, 32, 64),
  headDim: fc.constantFrom(64, 128),
  kvDiv: fc.constantFrom(1, 2, 4, 8),
  layers: fc.integer({ min: 2, max: 80 }),
  ffn: fc.double({ min: 2, max: 4, noNaN: true }),
  vocab: fc.constantFrom(32000, 128256, 151936),
  tie: fc.boolean(),
}).map(({ heads, headDim, kvDiv, layers, ffn, vocab, tie }) => ({
  hiddenSize: heads * headDim,
  intermediateSize: Math.round(heads * headDim * ffn),
  numLayers: layers,
  numAttentionHeads: heads,
  numKeyValueHeads: heads / kvDiv,
  headDim,
  vocabSize: vocab,
  tieWordEmbeddings: tie,
}))

const methodOf = (type: MethodSpec['type'], rank: number): MethodSpec =>
  ({ type, rank, alpha: 2 * rank, targetModules: ALL_LINEAR, quantization: 'nf4', doubleQuantization: true })

const scenario = fc.record({
  model,
  type: fc.constantFrom<MethodSpec['type']>('full', 'lora', 'qlora', 'freeze'),
  rank: fc.integer({ min: 1, max: 256 }),
  batch: fc.integer({ min: 1, max: 16 }),
  seq: fc.integer({ min: 16, max: 16384 }),
  precision: fc.constantFrom<Precision>('bf16-mixed', 'bf16', 'fp16-mixed', 'fp32'),
  ac: fc.boolean(),
  attention: fc.constantFrom<Attention>('flash', 'sdpa', 'eager'),
  loss: fc.constantFrom<LossImplementation>('fp32', 'half', 'chunked'),
  compile: fc.boolean(),
  offload: fc.boolean(),
}).map((s): EstimateInput => ({
  model: s.model,
  method: { ...methodOf(s.type, s.rank), trainableLayers: Math.max(1, Math.floor(s.model.numLayers / 4)) },
  training: {
    microBatchSize: s.batch, sequenceLength: s.seq, gradientAccumulationSteps: 1, precision: s.precision, optimizer: 'adamw',
    gradientCheckpointing: s.ac, attention: s.attention, loss: s.loss, compile: s.compile, activationOffload: s.offload, epochs: 1,
  },
  hardware: { gpu: A100_80, count: 1, sharding: 'none', offload: 'none' },
}))

const total = (i: EstimateInput) => estimate(i).memory.perGpu.totalBytes
const runs = { numRuns: Number(process.env.RUNS ?? 150) }

describe('properties of the memory and speed model', () => {
  // Activations always grow; the peak may not, when torch AdamW's foreach step (after the activations
  // are freed) is what sets it.
  it('activations grow with micro-batch and with sequence length, and the peak never shrinks', () => {
    const at = (i: EstimateInput) => estimate(i).memory.perGpu
    fc.assert(fc.property(scenario, (i) => {
      const base = at(i)
      for (const more of [at({ ...i, training: { ...i.training, microBatchSize: i.training.microBatchSize + 1 } }), at({ ...i, training: { ...i.training, sequenceLength: i.training.sequenceLength * 2 } })]) {
        expect(more.activationsBytes).toBeGreaterThan(base.activationsBytes)
        expect(more.totalBytes).toBeGreaterThanOrEqual(base.totalBytes)
      }
    }), runs)
  })

  // The domain: h ≥ 2048 and r ≤ min(64, h/64), over the scenario's shapes (kv ≥ h/8, I ≥ 2h) and up to
  // 16 × 16,384 tokens. Per layer, LoRA keeps what full fine-tuning does plus the rank-r input of each
  // lora_B (7 targets × r × B per token); full fine-tuning adds gradients and AdamW states (B + 2B per
  // parameter, + fp32 master when mixed) for ≥ 8.25·h² weights. In fp32 without checkpointing that is
  // 262,144 × 7 × h/64 × 4 = 114,688·h against 12 × 8.25·h² = 99·h² bytes: LoRA stays below for
  // h ≥ 1,159, so h ≥ 2048 holds with margin everywhere (bf16: 57,344·h against 49.5·h²). Outside it —
  // a toy model at long context with a high rank — LoRA really needs more (huggingface/peft#1514), as
  // the test after this one shows, so the property's domain is bounded, not the physics changed.
  const worstCorner: EstimateInput = {
    model: { hiddenSize: 2048, intermediateSize: 4096, numLayers: 80, numAttentionHeads: 16, numKeyValueHeads: 2, headDim: 128, vocabSize: 32000, tieWordEmbeddings: true },
    method: methodOf('lora', 32),
    training: { microBatchSize: 16, sequenceLength: 16384, gradientAccumulationSteps: 1, precision: 'fp32', optimizer: 'adamw', gradientCheckpointing: false, attention: 'flash', epochs: 1 },
    hardware: { gpu: A100_80, count: 1, sharding: 'none', offload: 'none' },
  }
  const loraAndFull = (i: EstimateInput, rank: number) => ({
    lora: total({ ...i, method: { ...i.method, type: 'lora', rank } }),
    full: total({ ...i, method: { ...i.method, type: 'full' } }),
  })

  it('low-rank LoRA on a real model never needs more than full fine-tuning (its worst corner always checked)', () => {
    fc.assert(fc.property(scenario, (i) => {
      fc.pre(i.model.hiddenSize >= 2048)
      const { lora, full } = loraAndFull(i, Math.max(1, Math.min(i.method.rank, 64, i.model.hiddenSize / 64)))
      expect(lora).toBeLessThanOrEqual(full)
    }), { ...runs, examples: [[worstCorner]] })
  })

  it('outside that domain LoRA can need more than full fine-tuning: rank 1024 on h = 2048 at 262k tokens', () => {
    // Per token and layer LoRA keeps 7 × 1024 × 4 B = 28,672 B of rank-r inputs, where full fine-tuning
    // keeps the two trained norms' fp32 outputs (2 × 4 × 2048 = 16,384 B): 12,288 B × 80 layers × 262,144
    // tokens = 258 GB more, against full fine-tuning's 12 B of gradients and AdamW states for 2.8 G weights.
    const { lora, full } = loraAndFull(worstCorner, 1024)
    expect(lora).toBeGreaterThan(full)
  })

  it('more GPUs with ZeRO-3 means less memory per GPU', () => {
    fc.assert(fc.property(scenario, fc.integer({ min: 2, max: 63 }), (i, n) => {
      const at = (count: number) => total({ ...i, hardware: { ...i.hardware, count, sharding: 'zero3' } })
      expect(at(n + 1)).toBeLessThan(at(n))
    }), runs)
  })

  // With activation offloading, checkpointing can be the faster choice: it moves one B·h per layer
  // and token over PCIe instead of every saved tensor, so the timing half excludes offloading.
  it('gradient checkpointing keeps fewer activations and, without offloading, takes longer', () => {
    fc.assert(fc.property(scenario, (i) => {
      i = { ...i, training: { ...i.training, activationOffload: false } }
      const on = estimate({ ...i, training: { ...i.training, gradientCheckpointing: true } })
      const off = estimate({ ...i, training: { ...i.training, gradientCheckpointing: false } })
      expect(on.memory.perGpu.activationsBytes).toBeLessThanOrEqual(off.memory.perGpu.activationsBytes)
      expect(on.speed.stepSeconds).toBeGreaterThan(off.speed.stepSeconds)
    }), runs)
  })

  it('QLoRA stores smaller weights than LoRA', () => {
    fc.assert(fc.property(scenario, (i) => {
      const q = estimate({ ...i, method: { ...i.method, type: 'qlora' } }).memory.perGpu.weightsBytes
      const l = estimate({ ...i, method: { ...i.method, type: 'lora' } }).memory.perGpu.weightsBytes
      expect(q).toBeLessThan(l)
    }), runs)
  })

  it('is deterministic and returns finite, non-negative integers for every component', () => {
    fc.assert(fc.property(scenario, (i) => {
      const a = estimate(i)
      expect(JSON.stringify(estimate(i))).toBe(JSON.stringify(a))
      for (const v of Object.values(a.memory.perGpu)) expect(Number.isSafeInteger(v) && v >= 0).toBe(true)
      expect(Number.isFinite(a.speed.tokensPerSecond) && a.speed.tokensPerSecond > 0).toBe(true)
    }), runs)
  })
})
