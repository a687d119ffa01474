import { describe, expect, it } from 'vitest'
import { estimate, estimateCore } from '../../src/estimation/estimate.ts'
import { FITTED } from '../../src/estimation/fitted.ts'
import { LLAMA2_7B, input } from './fixtures/engine.ts'

const P = 6_738_415_616
const attention = (s: number) => 32 * 4 * s * 4096 * 0.5 // causal flash: half of 4·s·(heads·headDim) per layer

describe('FLOPs per token', () => {
  it('is 6P for full fine-tuning (+ attention), about 4P for LoRA', () => {
    const s = 2048
    const full = estimate(input({ method: { type: 'full' } })).speed.flopsPerToken
    // Embeddings are a lookup and the final norm is elementwise: forward multiplies P − V·h − h weights
    // (decoder layers, their norms counted as weights, and lm_head), backward twice that.
    const matmul = P - 32000 * 4096 - 4096
    expect(full).toBeCloseTo(6 * matmul + attention(s) * (1 + 2.5), -3)
    const lora = estimate(input({ method: { type: 'lora', rank: 16 } })).speed.flopsPerToken
    // No weight gradients for frozen weights; the adapters (8,388,608) cost 2 + 4 FLOPs each.
    expect(lora).toBeCloseTo(4 * matmul + attention(s) * (1 + 2.5) + 6 * 8_388_608, -3)
  })

  it('skips the backward pass of a frozen prefix', () => {
    const top4 = estimate(input({ method: { type: 'freeze', trainableLayers: 4 } })).speed.flopsPerToken
    const layer = 202_383_360
    const head = 32000 * 4096
    // forward everything; backward: activation and weight gradients of the top 4 layers and the head.
    expect(top4).toBeCloseTo(2 * (32 * layer + head) + 2 * (4 * layer + head) + 2 * (4 * layer) + attention(2048) * (1 + (2.5 * 4) / 32), -3)
  })
})

describe('time', () => {
  it('gradient checkpointing costs time', () => {
    const off = estimate(input({ method: { type: 'lora' }, training: { gradientCheckpointing: false } })).speed
    const on = estimate(input({ method: { type: 'lora' }, training: { gradientCheckpointing: true } })).speed
    expect(on.stepSeconds).toBeGreaterThan(off.stepSeconds * 1.2)
  })

  it('turns dataset tokens and epochs into hours, GPU-hours and cost', () => {
    const r = estimate(input({ method: { type: 'lora' }, training: { datasetTokens: 1e8, epochs: 2 }, hardware: { count: 2, sharding: 'ddp' }, pricing: { usdPerGpuHour: 2 } }))
    expect(r.speed.trainingHours).toBeCloseTo(2e8 / r.speed.tokensPerSecond / 3600, 9)
    expect(r.speed.gpuHours).toBeCloseTo(2 * r.speed.trainingHours!, 9)
    expect(r.cost.totalUsd).toBeCloseTo(2 * r.speed.gpuHours!, 9)
    expect(estimate(input()).speed.trainingHours).toBeNull()
  })

  it('QLoRA pays for dequantisation', () => {
    const lora = estimate(input({ method: { type: 'lora' } })).speed.tokensPerSecond
    const qlora = estimate(input({ method: { type: 'qlora' } })).speed.tokensPerSecond
    expect(qlora).toBeLessThan(lora)
  })

  it('scales better over NVLink than over PCIe', () => {
    const nvlink = estimate(input({ hardware: { count: 8, sharding: 'zero3' } })).speed.tokensPerSecond
    const pcie = estimate(input({ hardware: { count: 8, sharding: 'zero3', gpu: { name: 'x', memoryGiB: 80, bf16Tflops: 312, memoryBandwidthTBps: 1.2 } } })).speed.tokensPerSecond
    expect(nvlink).toBeGreaterThan(pcie)
  })

  it('a data-parallel job spanning servers all-reduces over the network, not NVLink', () => {
    const comm = (hardware: object) => estimateCore(input({ method: { type: 'full' }, hardware: { count: 16, sharding: 'ddp', ...hardware } })).internals.speed.breakdown.communication
    // Ring all-reduce of 16-bit gradients: 2 × 15/16 × 2P bytes at half the summed link × NCCL's 75 %.
    const allReduce = (gbps: number) => (2 * (15 / 16) * 2 * P) / ((gbps / 2) * 1e9 * 0.75)
    expect(comm({ gpusPerNode: 16 })).toBeCloseTo(allReduce(600), 6) // one 16-GPU server: NVLink 600 GB/s
    expect(comm({})).toBeCloseTo(allReduce(50), 6) // two servers of 8: 200 Gb/s InfiniBand per GPU assumed
    expect(comm({ networkGBps: 100 })).toBeCloseTo(allReduce(100), 6)
  })

  it('ZeRO-2 reduce-scatters gradients every micro-step, ZeRO-1 once per optimizer step', () => {
    const comm = (sharding: 'zero1' | 'zero2', ga: number) =>
      estimateCore(input({ method: { type: 'full' }, training: { gradientAccumulationSteps: ga }, hardware: { count: 4, sharding } })).internals.speed.breakdown.communication
    // ZeRO-1: one all-reduce of 16-bit gradients, 2 × 3/4 × 2P at 225 GB/s, whatever the accumulation.
    expect(comm('zero1', 1)).toBeCloseTo((2 * 0.75 * 2 * P) / 225e9, 6)
    expect(comm('zero1', 8)).toBeCloseTo(comm('zero1', 1), 9)
    expect(comm('zero2', 8)).toBeGreaterThan(comm('zero2', 1))
  })

  it('activation offloading costs the PCIe transfer time the compute does not hide', () => {
    const run = (activationOffload: boolean) => estimateCore(input({ method: { type: 'lora' }, training: { activationOffload } })).internals.speed
    const off = run(false)
    // 2,048 tokens × 30 layers out of flight × 139,968 B saved per layer and token, to the host and
    // back at 32 GB/s each way (PCIe Gen4 x16 assumed), against this micro-step's matmul and kernel time.
    const transfer = (2 * 2048 * 30 * 139_968) / 32e9
    expect(transfer).toBeGreaterThan(off.breakdown.compute + off.breakdown.elementwise)
    expect(run(true).stepSeconds - off.stepSeconds).toBeCloseTo(transfer - off.breakdown.compute - off.breakdown.elementwise, 9)
  })

  it('torch.compile launches 12 kernels per layer and pass instead of 32', () => {
    const launch = (compile: boolean) => estimateCore(input({ method: { type: 'full' }, training: { compile } })).internals.speed.breakdown.launch
    // 32 layers forward + 32 backward × 2 = 96 layer passes × 12 µs, plus the fitted host time per micro-step.
    expect(launch(false)).toBeCloseTo(96 * 32 * 12e-6 + FITTED.microStepSeconds, 9)
    expect(launch(true)).toBeCloseTo(96 * 12 * 12e-6 + FITTED.microStepSeconds, 9)
  })

  it('reports the utilisation it implies, below the GPU peak', () => {
    const mfu = estimate(input({ model: LLAMA2_7B, method: { type: 'full' }, training: { microBatchSize: 4 }, hardware: { count: 8, sharding: 'fsdp' } })).speed.mfu
    expect(mfu).toBeGreaterThan(0.2)
    expect(mfu).toBeLessThan(0.75)
  })
})

describe('mixture of experts', () => {
  it('computes with the experts a token visits, stores all of them', () => {
    const mixtral = { name: 'Mixtral-8x7B', hiddenSize: 4096, intermediateSize: 14336, numLayers: 32, numAttentionHeads: 32, numKeyValueHeads: 8, headDim: 128, vocabSize: 32000, tieWordEmbeddings: false, numExperts: 8, expertsPerToken: 2, moeIntermediateSize: 14336 }
    const r = estimate(input({ model: mixtral, method: { type: 'full' }, training: { sequenceLength: 1 } }))
    expect(r.parameters.total).toBe(46_702_792_704)
    expect(r.parameters.active).toBe(12_879_925_248)
    // 6 FLOPs per active weight that is multiplied (all but the 131,072,000 embedding lookups and the
    // final norm), plus attention over a 1-token sequence (forward + 2.5× backward).
    expect(r.speed.flopsPerToken).toBeCloseTo(6 * (12_879_925_248 - 131_072_000 - 4096) + attention(1) * 3.5, -4)
    // bf16-mixed full fine-tune: 2 B of weights for every expert.
    expect(r.memory.perGpu.weightsBytes).toBe(2 * 46_702_792_704)
  })
})
