import { describe, expect, it } from 'vitest'
import { estimate, estimateCore } from '../../src/estimation/estimate.ts'
import { FITTED } from '../../src/estimation/fitted.ts'
import { input } from './fixtures/engine.ts'


describe('memory per GPU, computed by hand', () => {
  it('full fine-tune of Llama-2-7B in pure bf16 with AdamW, 1 × 512 tokens, no checkpointing', () => {
    const r = estimate(input({ method: { type: 'full' }, training: { sequenceLength: 512, precision: 'bf16' } }))
    const P = 6_738_415_616
    const m = r.memory.perGpu
    expect(m.weightsBytes).toBe(2 * P) // bf16 weights
    expect(m.gradientsBytes).toBe(2 * P) // bf16 gradients
    // Activations per layer and token (h = 4096, a = 32, I = 11008, B = 2, no autocast):
    //   two RMSNorms: fp32 upcast input 4 × 4096 + the normalised 16-bit output their trained weight needs 2 × 4096 → 2 × 24,576 = 49,152
    //   flash attention q, k, v, output 2 × (2·4096 + 2·4096) + fp32 log-sum-exp 4 × 32 = 32,896
    //   SwiGLU gate, up, SiLU outputs 3 × 2 × 11008 = 66,048
    //   inputs of trained linears: q/k/v 8,192 + o 8,192 + gate/up 8,192 + down 22,016 = 46,592
    //   = 194,688 bytes; × 32 layers = 6,230,016
    // Head per token: final norm fp32 input 16,384 + its output 8,192 + logits 12 × 32,000 = 408,576
    // (16-bit logits, shifted copy, fp32 upcast and fp32 log-softmax: 2 + 2 + 4 + 4 bytes per entry).
    const act = 512 * (6_230_016 + 408_576)
    expect(act).toBe(3_398_959_104)
    // torch AdamW keeps m and v in the parameter dtype (2 × 2 B); its foreach step adds sqrt(v) for
    // every parameter (2 B) once the activations are freed: states + max(0, 2P − activations).
    expect(m.optimizerBytes).toBe(4 * P + 2 * P - act)
    // The caching allocator: two cuBLAS workspaces of 8.125 MiB (A100), and 904 tensors of 10 MiB or
    // more (226 weight matrices × weight, gradient, two states) each rounded to 2 MiB segments:
    // 0.25 MiB more allocated and 1 MiB more reserved on average.
    const workspace = 2 * 8.125 * 1024 ** 2
    expect(m.allocatedPeakBytes).toBe(10 * P + workspace + 904 * 0.25 * 1024 ** 2)
    expect(m.reservedPeakBytes).toBe(10 * P + workspace + 904 * 1024 ** 2)
    expect(m.activationsBytes).toBe(act + workspace + 904 * 1024 ** 2)
    expect(m.adaptersBytes).toBe(0)
    expect(m.overheadBytes).toBe(FITTED.cudaContextBytes) // CUDA context
    expect(m.totalBytes).toBe(m.reservedPeakBytes + FITTED.cudaContextBytes)
    // 68.3 GB reserved + 0.8 GiB = 69.2 GB (64.5 GiB): fits one 80 GiB A100.
    expect(r.memory.fits).toBe(true)
  })

  it('LoRA r16 on q,v in bf16-mixed keeps adapters, their gradients and AdamW states in fp32', () => {
    const m = estimate(input({ method: { type: 'lora', rank: 16 } })).memory.perGpu
    // 32 layers × 16 × (4096 + 4096) × 2 matrices = 8,388,608 adapter parameters.
    expect(m.adaptersBytes).toBe(4 * 8_388_608)
    expect(m.gradientsBytes).toBe(4 * 8_388_608)
    expect(m.optimizerBytes).toBe(8 * 8_388_608)
    expect(m.weightsBytes).toBe(2 * 6_738_415_616)
  })

  it('QLoRA NF4 with double quantisation stores 4.127 bits per decoder weight', () => {
    const m = estimate(input({ method: { type: 'qlora' } })).memory.perGpu
    // 16-bit: embeddings + lm_head + norms = 262,410,240 × 2 = 524,820,480;
    // NF4: 6,476,005,376 × (4 + 8/64 + 32/16384) / 8 = 3,340,771,328.
    expect(m.weightsBytes).toBe(3_865_591_808)
  })

  it('shards model states with ZeRO-3 over 8 GPUs', () => {
    const P = 6_738_415_616
    const m = estimate(input({ method: { type: 'full' }, hardware: { count: 8, sharding: 'zero3' } })).memory.perGpu
    // bf16-mixed under DeepSpeed: 16-bit weights / 8 + gathered working set max(2 layers, 1e9 params) × 2 B.
    expect(m.weightsBytes).toBe(Math.round((2 * P) / 8 + 1e9 * 2))
    // 16-bit gradients / 8 + fp32 gradient partition (P / 8 elements, under the 1e9 sub-group) × 4 B.
    expect(m.gradientsBytes).toBe(Math.round((2 * P) / 8 + (4 * P) / 8))
    // fp32 master + m + v = 12 B / 8.
    expect(m.optimizerBytes).toBe(Math.round((12 * P) / 8))
  })

  it('offloads the optimizer to the host', () => {
    const r = estimate(input({ method: { type: 'full' }, training: { precision: 'bf16' }, hardware: { offload: 'optimizer' } }))
    expect(r.memory.perGpu.optimizerBytes).toBe(0)
    expect(r.memory.cpuOffloadBytes).toBe(4 * 6_738_415_616)
  })

  it('warns when it does not fit and names the largest component', () => {
    const r = estimate(input({ method: { type: 'full' }, training: { microBatchSize: 8, sequenceLength: 4096 } }))
    expect(r.memory.fits).toBe(false)
    const w = r.warnings.find((x) => x.code === 'DOES_NOT_FIT')!
    expect(w.message).toMatch(/activations are \d+ % of memory; enable gradient checkpointing/)
  })

  it('gives a band around the expected peak', () => {
    const b = estimate(input({ method: { type: 'lora' } })).memory.band
    expect(b.lowBytes).toBeLessThan(b.expectedBytes)
    expect(b.highBytes).toBeGreaterThan(b.expectedBytes)
  })
})

describe('attention kinds', () => {
  it('eager attention keeps the fp32 softmax and its 16-bit copy: 6 bytes per head, key and query per layer', () => {
    const at = (attention: 'eager' | 'flash') =>
      estimate(input({ method: { type: 'lora' }, training: { sequenceLength: 1024, attention } })).memory.perGpu.activationsBytes
    // Per token and layer: eager keeps q, k, v (3 × 8,192) + 32 heads × 1024 keys × (4 + 2) = 221,184;
    // flash keeps q, k, v, output (4 × 8,192) + log-sum-exp 4 × 32 = 32,896. Difference 188,288
    // × 32 layers × 1024 tokens (the allocator's rounding is the same: tensors under 10 MiB at 1024 tokens).
    expect(at('eager') - at('flash')).toBe(188_288 * 32 * 1024)
  })
})

describe('loss, compile and activation offloading, computed by hand (Llama-2-7B, V = 32,000, h = 4096)', () => {
  const detail = (training: object, hardware: object = {}) =>
    estimateCore(input({ method: { type: 'lora' }, training: { microBatchSize: 2, sequenceLength: 1024, ...training }, hardware })).internals.memory.detail
  // Outside the logits the head keeps the final norm's fp32 input and its 16-bit output: 4h + 2h.
  const head = (bytesPerVocab: number) => 6 * 4096 + 32_000 * bytesPerVocab

  it('fp32 loss by default: 16-bit logits, shifted copy, fp32 upcast, fp32 log-softmax = 12 B per entry', () => {
    expect(detail({}).headPerToken).toBe(head(12))
  })

  it("'half' keeps three 16-bit tensors where no autocast runs, and is fp32 under autocast", () => {
    expect(detail({ loss: 'half' }, { sharding: 'zero2' }).headPerToken).toBe(head(6)) // DeepSpeed: no autocast
    expect(detail({ loss: 'half', precision: 'bf16' }).headPerToken).toBe(head(6))
    expect(detail({ loss: 'half' }).headPerToken).toBe(head(12)) // bf16-mixed: autocast's fp32 log_softmax
  })

  it("'chunked' keeps the 16-bit chunks and each chunk's fp32 log-softmax, or only the chunks when compiled", () => {
    expect(detail({ loss: 'chunked' }).headPerToken).toBe(head(2 + 4 + 0.5))
    expect(detail({ loss: 'chunked', compile: true }).headPerToken).toBe(head(2 + 0.5))
  })

  it('compile keeps a norm as 16-bit input + fp32 rstd and the gated MLP as gate and up only', () => {
    // Eager LoRA q,v layer: norms 32,768 + attention 32,896 + MLP 66,048 + q/k/v input 8,192
    // + rank-16 intermediates 2 × 16 × 2 = 64 → 139,968. Compiled: norms 2 × (8,192 + 4) = 16,392,
    // MLP 2 × 2 × 11,008 = 44,032 → 101,576.
    expect(detail({}).perLayerPerToken).toBe(139_968)
    expect(detail({ compile: true }).perLayerPerToken).toBe(101_576)
  })

  it('activation offloading keeps the checkpointed inputs of only the two layers in flight', () => {
    const tokens = 2 * 1024
    const on = detail({ gradientCheckpointing: true, activationOffload: true })
    const off = detail({ gradientCheckpointing: true })
    // 32 layers × 2 B × 4096 on the GPU without offloading, 2 with it.
    expect(off.total - on.total).toBe(tokens * 30 * 2 * 4096)
  })
})
