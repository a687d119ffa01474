import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { servingPlan, type ServingInput } from '../../src/estimation/serving.ts'
import type { GpuSpec, LoraTarget, ModelSpec } from '../../src/estimation/types.ts'

// shared/reference/catalog-data.md §1, §3
const LLAMA2_70B: ModelSpec = { hiddenSize: 8192, intermediateSize: 28672, numLayers: 80, numAttentionHeads: 64, numKeyValueHeads: 8, vocabSize: 32000, tieWordEmbeddings: false }
const LLAMA3_8B: ModelSpec = { hiddenSize: 4096, intermediateSize: 14336, numLayers: 32, numAttentionHeads: 32, numKeyValueHeads: 8, vocabSize: 128256, tieWordEmbeddings: false }
const A100_80: GpuSpec = { name: 'A100 80GB', memoryGiB: 80, bf16Tflops: 312, memoryBandwidthTBps: 2.039 }
const ALL: LoraTarget[] = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']

describe('servingPlan: twelve tasks on Llama-2-70B', () => {
  const r = servingPlan({ model: LLAMA2_70B, adapter: { rank: 8, targetModules: ALL }, tasks: 12, gpu: A100_80 })
  const mode = (m: string) => r.modes.find((x) => x.mode === m)!

  it('sizes the adapter and the storage of adapters vs full copies', () => {
    // per layer 8·[(8192+8192) + 2·(8192+1024) + (8192+8192) + 2·(8192+28672) + (28672+8192)] = 1,294,336; × 80 = 103,546,880
    expect(r.adapterParams).toBe(103_546_880)
    expect(r.adapterBytes).toBe(207_093_760) // ≈ 200 MB
    expect(r.baseBytes).toBe(137_953_296_384) // ≈ 140 GB
    // one base + 12 adapters = 137,953,296,384 + 2,485,125,120; vs 12 full copies = 1,655,439,556,608
    expect(r.storage.adaptersBytes).toBe(140_438_421_504)
    expect(r.storage.fullCopiesBytes).toBe(1_655_439_556_608)
    // S3 $0.023/GiB-month: 1,655,439,556,608 / 2^30 × 0.023 = $35.46
    expect(r.storage.fullCopiesUsdPerMonth).toBeCloseTo(35.4602, 3)
  })
  it('needs one 2-GPU replica per task when merged, one in total when batched', () => {
    // 137.95 GB / 85.90 GB per A100-80GB = 1.61 → 2 GPUs per copy
    expect(mode('merged').gpus).toBe(24)
    expect(mode('batched-multi-lora').gpus).toBe(2)
    expect(mode('batched-multi-lora').tasksPerReplica).toBe(12)
  })
  it('derives the swap time from storage and PCIe bandwidth, plus per-layer copies at the high end', () => {
    // 207,093,760 / 3.94e9 + 207,093,760 / 31.5e9 = 0.052562 + 0.006574 = 0.059136 s; + 80 × 20 ms = 1.659136 s
    const s = mode('hot-swap').switchSeconds
    expect(s.low).toBeCloseTo(0.059136, 5)
    expect(s.high).toBeCloseTo(1.659136, 5)
  })
  it('applies the Punica and S-LoRA throughput taxes', () => {
    // one adapter: 1 − 12.2 % … 1 − 2.9 %
    expect(mode('hot-swap').relativeThroughput).toEqual({ low: 0.878, high: 0.971 })
    // 12 adapters: extra 5.5 % × ln(12/5)/ln(2000/5) = 0.0080237
    expect(mode('batched-multi-lora').relativeThroughput.high).toBeCloseTo(0.971 * (1 - 0.055 * Math.log(2.4) / Math.log(400)), 10)
    expect(mode('merged').relativeThroughput).toEqual({ low: 1, high: 1 })
  })
})

describe('servingPlan: adapter sizes against §4.6', () => {
  it('Llama-3-8B r=16 on all linear layers is 41.9M parameters, ≈ 84 MB in bf16', () => {
    const r = servingPlan({ model: LLAMA3_8B, adapter: { rank: 16, targetModules: ALL }, tasks: 1, gpu: A100_80 })
    expect(r.adapterParams).toBe(41_943_040)
    expect(r.adapterBytes).toBe(83_886_080)
  })
})

describe('servingPlan properties', () => {
  it('adapters never take more storage than full copies, and merged never needs fewer GPUs than batched', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.constantFrom(4, 8, 16, 64, 256), (tasks, rank) => {
      const input: ServingInput = { model: LLAMA3_8B, adapter: { rank, targetModules: ALL }, tasks, gpu: A100_80 }
      const r = servingPlan(input)
      expect(r.storage.adaptersBytes).toBeLessThanOrEqual(r.storage.fullCopiesBytes + r.baseBytes)
      const gpus = (m: string) => r.modes.find((x) => x.mode === m)!.gpus
      expect(gpus('merged')).toBeGreaterThanOrEqual(gpus('batched-multi-lora'))
    }), { numRuns: 50 })
  })
})

describe('servingPlan: adapter slots of batched multi-LoRA', () => {
  it('caps resident adapters at LoRAX 10 % of GPU memory', () => {
    // Llama-3-8B r=256 all linear: 41,943,040 × 16 = 671,088,640 params = 1,342,177,280 B per adapter
    // 10 % of 80 GiB = 8,589,934,592 B → 6 adapters resident; the other 94 page in from host memory
    const r = servingPlan({ model: LLAMA3_8B, adapter: { rank: 256, targetModules: ALL }, tasks: 100, gpu: A100_80 })
    const b = r.modes.find((m) => m.mode === 'batched-multi-lora')!
    expect(r.adapterBytes).toBe(1_342_177_280)
    expect(b.residentAdapters).toBe(6)
    expect(b.tasksPerReplica).toBe(100)
    expect(b.switchSeconds.low).toBeGreaterThan(0)
  })
})
