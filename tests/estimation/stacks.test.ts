// Stack profiles: the defaults each stack's release implies, and the memory physics they switch on,
// computed by hand on Llama-2-7B (P = 6,738,415,616; h = 4096; V = 32,000; 32 layers) unless named.
import { describe, expect, it } from 'vitest'
import { applyDefaults } from '../../src/estimation/defaults.ts'
import { estimate, estimateCore } from '../../src/estimation/estimate.ts'
import { FITTED } from '../../src/estimation/fitted.ts'
import { frameworkProblems, placeFramework, resolveStack } from '../../src/estimation/stacks.ts'
import type { FrameworkSpec } from '../../src/estimation/types.ts'
import { A100_80, LLAMA2_7B, LLAMA31_8B, input } from './fixtures/engine.ts'

const P = 6_738_415_616
const with_ = (framework: FrameworkSpec, over: Parameters<typeof input>[0] = {}) =>
  input({ ...over, training: { ...over.training, framework } })

describe('profile defaults, by release', () => {
  it('TRL turned gradient checkpointing on in 0.22; each default names its source', () => {
    const on = with_({ name: 'trl', version: '0.22.0' })
    const off = with_({ name: 'trl', version: '0.21.0' })
    expect(on.training.gradientCheckpointing).toBe(true)
    expect(off.training.gradientCheckpointing).toBe(false)
    expect(on.defaults).toContainEqual({ field: 'training.gradientCheckpointing', value: true, source: expect.stringContaining('huggingface/trl@v0.22.0') })
  })

  it('torchtune trains in pure bf16; litgpt checkpoints only when sharded', () => {
    expect(with_({ name: 'torchtune' }).training.precision).toBe('bf16')
    expect(with_({ name: 'litgpt' }).training.gradientCheckpointing).toBe(false)
    expect(with_({ name: 'litgpt' }, { hardware: { count: 2, sharding: 'fsdp' } }).training.gradientCheckpointing).toBe(true)
  })

  it('places snapshots by date and fills in the transformers release of the time', () => {
    expect(placeFramework({ name: 'trl', version: '2025-08' })).toMatchObject({ release: [0, 22], transformers: '4.56' }) // 0.22 came out on 2025-08-29
    expect(placeFramework({ name: 'litgpt', version: '2023-10' }).release).toEqual([0, 1])
    expect(placeFramework({ name: 'llama-factory', version: '0.9.1' }).transformers).toBe('4.46')
    expect(placeFramework({ name: 'hf-trainer', version: '4.46.3' }).transformers).toBe('4.46.3')
  })

  it("axolotl's full fine-tune upcasts embeddings, norms and lm_head only under SDPA, and says so only for a 16-bit decoder", () => {
    const notes = (precision: 'bf16-mixed' | 'fp16-mixed' | 'fp32', attention: 'sdpa' | 'flash') =>
      resolveStack(with_({ name: 'axolotl', version: '0.9.1' }, { method: { type: 'full' }, training: { precision, attention } }))
        .defaults.filter(d => d.field === 'training.weightsDtype').map(d => d.value)
    expect(notes('bf16-mixed', 'sdpa')).toEqual(['bf16', 'bf16 decoder, fp32 embeddings, norms and lm_head'])
    expect(notes('fp16-mixed', 'sdpa')).toEqual(['fp16', 'fp16 decoder, fp32 embeddings, norms and lm_head'])
    expect(notes('bf16-mixed', 'flash')).toEqual(['bf16'])
    expect(notes('fp32', 'sdpa')).toEqual(['fp32'])
    expect(notes('fp32', 'flash')).toEqual(['fp32'])
  })

  it('what each stack stores its weights in', () => {
    const stack = (fw: FrameworkSpec, type: 'full' | 'lora' | 'qlora' = 'lora') => resolveStack(with_(fw, { method: { type } }))
    expect(stack({ name: 'hf-trainer', version: '4.57.0' }).frozenDtype).toBe('fp32') // no torch_dtype: fp32
    expect(stack({ name: 'hf-trainer', version: '5.0.0' }).frozenDtype).toBe('bf16') // dtype "auto"
    expect(stack({ name: 'trl', version: '0.26.0' }).frozenDtype).toBe('bf16')
    expect(stack({ name: 'trl', version: '0.27.0' }).frozenDtype).toBe('fp32')
    const lf = stack({ name: 'llama-factory', version: '0.9.3' }, 'full')
    expect([lf.frozenDtype, lf.trainableDtype, lf.master]).toEqual(['bf16', 'fp32', false]) // trainable parameters upcast
    expect(stack({ name: 'hf-trainer', version: '4.45.0' }, 'qlora').nonQuantizedDtype).toBe('fp32') // PEFT's kbit preparation
    expect(stack({ name: 'llama-factory', version: '0.9.3' }, 'qlora').nonQuantizedDtype).toBe('bf16')
  })

  it('which loss a stack runs', () => {
    const loss = (fw: FrameworkSpec) => resolveStack(with_(fw)).loss
    expect(loss({ name: 'torchtune', version: '0.2.0' })).toBe('fp32')
    expect(loss({ name: 'torchtune', version: '0.3.0' })).toBe('chunked')
    expect(loss({ name: 'trl', version: '1.6.0' })).toBe('fp32')
    expect(loss({ name: 'trl', version: '1.7.0' })).toBe('fused')
    expect(loss({ name: 'unsloth', version: '2024-06' })).toBe('half')
    expect(loss({ name: 'unsloth', version: '2025-01' })).toBe('fused')
  })
})

describe('stack input problems', () => {
  it('refuses versions a profile cannot place, and transformers under a stack that has none', () => {
    expect(frameworkProblems({ name: 'trl', version: '0.1.0' })[0]).toMatchObject({ field: 'training.framework.version', message: expect.stringContaining('predates') })
    expect(frameworkProblems({ name: 'unsloth', version: '1.2' })[0]!.field).toBe('training.framework.version')
    expect(frameworkProblems({ name: 'torchtune', transformers: '4.46.0' })[0]!.field).toBe('training.framework.transformers')
    expect(frameworkProblems({ name: 'custom', version: '1.0' })[0]!.field).toBe('training.framework.version')
    expect(frameworkProblems({ name: 'axolotl', version: '0.9.1', transformers: '4.51.3' })).toEqual([])
  })

  it('warns, and uses the newest profile, for a release newer than the profile knows', () => {
    const r = estimate(with_({ name: 'axolotl', version: '0.99.0' }, { method: { type: 'lora' } }))
    expect(r.warnings.map((w) => w.code)).toContain('FRAMEWORK_VERSION_NEWER')
    expect(r.assumptions.framework).toEqual({ name: 'axolotl', version: '0.99.0', transformers: '5.0' }) // as of 0.18, 2026-07-17
  })
})

describe('stack physics, computed by hand', () => {
  it("QLoRA under PEFT's kbit preparation: unquantized parameters in fp32, an fp32 residual stream", () => {
    const core = estimateCore(with_({ name: 'hf-trainer', version: '4.45.0' }, { method: { type: 'qlora' } }))
    // NF4 with double quantisation: 6,476,005,376 decoder weights × 4.127 bits = 3,340,771,328 B;
    // embeddings + lm_head + norms = 262,410,240 parameters × 4 B = 1,049,640,960 B.
    expect(core.memory.perGpu.weightsBytes).toBe(3_340_771_328 + 1_049_640_960)
    expect(core.assumptions.residualDtype).toBe('fp32')
    expect(core.assumptions.nonQuantizedDtype).toBe('fp32')
  })

  it("Lightning's bf16-mixed keeps fp32 weights, and autocast keeps a bf16 copy of each for backward", () => {
    const core = estimateCore(with_({ name: 'litgpt', version: '0.4.0' }, { method: { type: 'lora' }, training: { sequenceLength: 512 } }))
    expect(core.memory.perGpu.weightsBytes).toBe(4 * P)
    // No checkpointing on one GPU: every adapted layer saves the bf16 casts of its frozen weights
    // (6,476,267,520 decoder weights one token multiplies with) and of lm_head (V·h = 131,072,000).
    expect(core.internals.memory.detail.fixedBytes).toBe(2 * (6_476_267_520 + 131_072_000))
  })

  it('variable batch shapes: reserved exceeds allocated by the rounding and two records of the logits', () => {
    const core = estimateCore(with_({ name: 'trl', version: '0.24.0' }, { method: { type: 'lora' }, training: { weightsDtype: 'bf16' } }))
    const m = core.memory.perGpu
    // Logits at their peak: 2048 tokens × 32,000 × 12 B (transformers 4.57: 16-bit logits, fp32
    // upcast, log-softmax and its gradient) = 786,432,000 B.
    expect(core.internals.memory.detail.logitsBytes).toBe(786_432_000)
    // 272 tensors of ≥ 10 MiB (226 weight matrices, 46 activations) × 0.75 MiB, + 2 records × logits.
    expect(m.reservedPeakBytes - m.allocatedPeakBytes).toBe(272 * 0.75 * 1024 ** 2 + FITTED.variableShapeRecords * 786_432_000)
    const expandable = estimateCore(with_({ name: 'trl', version: '0.24.0' }, { method: { type: 'lora' }, training: { weightsDtype: 'bf16', expandableSegments: true } }))
    expect(expandable.memory.perGpu.reservedPeakBytes).toBe(expandable.memory.perGpu.allocatedPeakBytes)
  })

  it('FSDP1 with frozen and LoRA weights in one flat parameter: full gradients, unsharded while accumulating', () => {
    const grads = (gradientAccumulationSteps: number) => estimateCore(with_({ name: 'litgpt', version: '0.4.0' }, {
      method: { type: 'lora' }, training: { precision: 'bf16', gradientAccumulationSteps }, hardware: { count: 2, sharding: 'fsdp' },
    })).memory.perGpu.gradientsBytes
    // Adapters 8,388,608 × 2 B; frozen P × 2 B. Under no_sync every rank keeps them whole:
    expect(grads(4)).toBe(8_388_608 * 2 + 2 * P)
    // Reduce-scattered each micro-step: halves, plus one Block's unsharded gradient (202,383,360 × 2 B).
    expect(grads(1)).toBe(8_388_608 + P + 202_383_360 * 2)
  })

  it('a fused loss keeps no vocabulary-sized tensor per token, only one chunk (Liger, Llama-3.1-8B)', () => {
    const detail = estimateCore(input({ model: LLAMA31_8B, method: { type: 'lora' }, training: { loss: 'fused', microBatchSize: 2 } })).internals.memory.detail
    expect(detail.logitsBytes).toBe(0)
    expect(detail.headPerToken).toBe(4 * 4096 + 2 * 4096) // the final norm's fp32 input and its output
    // 4096 tokens in chunks of nextPow2(4096 / ceil(128,256 / 4096)) = 128: 128 × 128,256 × (2 + 4) B.
    expect(detail.fixedBytes).toBe(128 * 128_256 * 6)
  })

  it('the load peak can decide the fit: an fp32 upcast of a big embedding on a small GPU', () => {
    const model = { ...LLAMA2_7B, vocabSize: 256_000 }
    const draft = { model, method: { type: 'qlora' as const }, training: { microBatchSize: 1, sequenceLength: 16, framework: { name: 'hf-trainer' as const, version: '4.45.0' } }, hardware: { gpu: { ...A100_80, memoryGiB: 7 } } }
    const r = estimate(applyDefaults(draft))
    // The cast holds the 16-bit embedding and its fp32 copy at once: resting weights + 2 B × V·h.
    expect(r.memory.loadPeakBytes).toBeGreaterThan(r.memory.perGpu.totalBytes)
    expect(r.memory.fits).toBe(false)
    expect(r.warnings.map((w) => w.code)).toContain('LOAD_PEAK_EXCEEDS')
  })

  it('answers what it assumed, with sources', () => {
    const r = estimate(with_({ name: 'llama-factory', version: '0.9.3' }, { method: { type: 'qlora' } }))
    expect(r.assumptions).toMatchObject({ framework: { name: 'llama-factory', version: '0.9.3', transformers: '4.52' }, nonQuantizedDtype: 'bf16', loss: 'fp32', sequenceLengths: 'variable' })
    expect(r.assumptions.defaults).toContainEqual({ field: 'training.gradientCheckpointing', value: true, source: expect.stringContaining('hiyouga/LLaMA-Factory') })
    expect(r.assumptions.defaults).toContainEqual({ field: 'method.nonQuantizedDtype', value: 'bf16', source: expect.stringContaining('quantization.py') })
  })
})
