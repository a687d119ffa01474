// Whatever the body, POST /v1/estimates answers 200 or a 4xx problem naming a field: never a 500.
// Valid requests are mutated field by field with arbitrary JSON and with in-range extremes.
import fc from 'fast-check'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startApiApp, type ApiTestApp } from './api-test-app.ts'

let t: ApiTestApp
beforeAll(async () => { t = await startApiApp('pglite') })
afterAll(async () => { await t?.close() })

const base = {
  model: { hiddenSize: 2048, intermediateSize: 5632, numLayers: 22, numAttentionHeads: 32, numKeyValueHeads: 4, vocabSize: 32000, tieWordEmbeddings: false },
  method: { type: 'lora', rank: 8 },
  training: { microBatchSize: 2, sequenceLength: 2048, datasetTokens: 1_000_000 },
  hardware: { gpu: { name: 'g', memoryGiB: 24, bf16Tflops: 165, memoryBandwidthTBps: 1 } },
  pricing: { usdPerGpuHour: 1 },
}

const paths: [keyof typeof base, string][] = [
  ['model', 'hiddenSize'], ['model', 'numLayers'], ['model', 'numAttentionHeads'], ['model', 'numKeyValueHeads'], ['model', 'headDim'],
  ['model', 'numExperts'], ['model', 'expertsPerToken'], ['model', 'vocabSize'], ['method', 'type'], ['method', 'rank'], ['method', 'trainableLayers'],
  ['method', 'strategy'], ['method', 'targetModules'], ['method', 'layerRanks'], ['training', 'microBatchSize'], ['training', 'sequenceLength'],
  ['training', 'precision'], ['training', 'optimizer'], ['training', 'epochs'], ['training', 'gradientAccumulationSteps'],
  ['hardware', 'count'], ['hardware', 'sharding'], ['hardware', 'offload'], ['hardware', 'gpu'], ['pricing', 'usdPerGpuHour'],
]

/** Values a schema accepts, at the edges of their ranges, plus anything at all. */
const value = fc.oneof(
  fc.anything(),
  fc.constantFrom(0, 1, 2, 3, 7, 64, 4096, 1_048_576, -1, 0.5, 1e15, Number.MAX_SAFE_INTEGER, '', 'full', 'freeze', 'qlora', 'zero3', 'optimizer-and-params', 'fp32', 'sgd', 'conservative', null, [], {}),
  fc.array(fc.integer({ min: 0, max: 4096 }), { maxLength: 40 }),
)

test('mutated estimate requests get 200 or a problem naming a field, never a 5xx', async () => {
  await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...paths), value), { minLength: 1, maxLength: 3 }), async (mutations) => {
    const body = structuredClone(base) as Record<string, Record<string, unknown>>
    for (const [[section, field], v] of mutations) body[section]![field] = v
    const res = await t.call({ method: 'POST', url: '/v1/estimates', payload: body })
    if (res.statusCode === 200) {
      const r = res.json()
      expect(Number.isFinite(r.memory.perGpu.totalBytes) && r.memory.perGpu.totalBytes > 0, res.body).toBe(true)
      expect(Number.isFinite(r.speed.tokensPerSecond), res.body).toBe(true)
      return
    }
    expect([400, 404], res.body).toContain(res.statusCode)
    expect(res.json().errors.length, res.body).toBeGreaterThan(0)
  }), { numRuns: 300, seed: 20261128 })
})

/** Requests inside every documented range: the engine must answer each one with finite, consistent numbers. */
const validRequest = fc.record({
  model: fc.record({
    heads: fc.constantFrom(1, 2, 8, 12, 32, 64), kvDivisor: fc.constantFrom(1, 2, 4, 8), headDim: fc.constantFrom(32, 64, 128),
    intermediateSize: fc.integer({ min: 1, max: 65_536 }), numLayers: fc.integer({ min: 1, max: 128 }),
    vocabSize: fc.integer({ min: 1, max: 262_144 }), tieWordEmbeddings: fc.boolean(),
    moe: fc.option(fc.record({ numExperts: fc.integer({ min: 2, max: 64 }), expertsPerToken: fc.integer({ min: 1, max: 2 }) }), { nil: undefined }),
  }),
  method: fc.oneof(
    fc.record({ type: fc.constant('full') }),
    fc.record({ type: fc.constant('freeze'), strategy: fc.constantFrom('conservative', 'attention-only', 'aggressive') }),
    fc.record({ type: fc.constantFrom('lora', 'qlora'), rank: fc.integer({ min: 1, max: 512 }), targetModules: fc.uniqueArray(fc.constantFrom('q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj', 'embed_tokens', 'lm_head'), { minLength: 1 }) }),
  ),
  training: fc.record({
    microBatchSize: fc.integer({ min: 1, max: 256 }), sequenceLength: fc.integer({ min: 1, max: 131_072 }),
    gradientAccumulationSteps: fc.integer({ min: 1, max: 64 }), precision: fc.constantFrom('bf16-mixed', 'fp16-mixed', 'bf16', 'fp16', 'fp32'),
    optimizer: fc.constantFrom('adamw', 'adamw-8bit', 'paged-adamw', 'paged-adamw-8bit', 'sgd', 'adafactor'),
    loss: fc.constantFrom('fp32', 'half', 'chunked'), compile: fc.boolean(), activationOffload: fc.boolean(),
    gradientCheckpointing: fc.boolean(), attention: fc.constantFrom('flash', 'sdpa', 'eager'),
    datasetTokens: fc.integer({ min: 1, max: 1e12 }), epochs: fc.constantFrom(0.5, 1, 3),
  }),
  hardware: fc.record({
    gpu: fc.oneof(fc.constantFrom('a100-80gb', 'h100-sxm-80gb', 'l4', 'rtx-4090'), fc.record({ name: fc.constant('x'), memoryGiB: fc.double({ min: 1, max: 1024, noNaN: true }), bf16Tflops: fc.double({ min: 1, max: 5000, noNaN: true }), memoryBandwidthTBps: fc.double({ min: 0.1, max: 20, noNaN: true }) })),
    count: fc.integer({ min: 1, max: 4096 }), gpusPerNode: fc.constantFrom(1, 2, 4, 8), sharding: fc.constantFrom('none', 'ddp', 'zero1', 'zero2', 'zero3', 'fsdp'), offload: fc.constantFrom('none', 'optimizer', 'optimizer-and-params'),
  }),
}).map(({ model: m, hardware, ...rest }) => ({
  ...rest,
  // Offloading parameters needs a sharded model (DeepSpeed offload_param, FSDP cpu_offload): a 400 otherwise.
  hardware: hardware.offload === 'optimizer-and-params' && hardware.sharding !== 'zero3' && hardware.sharding !== 'fsdp' ? { ...hardware, sharding: 'zero3' } : hardware,
  model: {
    hiddenSize: m.heads * m.headDim, intermediateSize: m.intermediateSize, numLayers: m.numLayers, numAttentionHeads: m.heads,
    numKeyValueHeads: m.heads / [8, 4, 2, 1].find((d) => d <= m.kvDivisor && m.heads % d === 0)!, vocabSize: m.vocabSize, tieWordEmbeddings: m.tieWordEmbeddings,
    ...(m.moe ? { numExperts: m.moe.numExperts, expertsPerToken: m.moe.expertsPerToken } : {}),
  },
}))

test('requests within the documented ranges always get a finite, self-consistent estimate', async () => {
  await fc.assert(fc.asyncProperty(validRequest, async (request) => {
    const res = await t.call({ method: 'POST', url: '/v1/estimates', payload: request })
    expect(res.statusCode, `${JSON.stringify(request)} → ${res.body}`).toBe(200)
    const { memory, speed, parameters } = res.json()
    const p = memory.perGpu
    expect(p.totalBytes).toBe(p.weightsBytes + p.gradientsBytes + p.optimizerBytes + p.activationsBytes + p.adaptersBytes + p.overheadBytes)
    expect(memory.fits).toBe(p.totalBytes <= memory.gpuCapacityBytes)
    expect(memory.band.lowBytes).toBeLessThanOrEqual(memory.band.expectedBytes)
    expect(memory.band.expectedBytes).toBeLessThanOrEqual(memory.band.highBytes)
    // Adapters add parameters (on a tiny model they can outnumber it); full and freeze train a subset.
    if (request.method.type === 'full' || request.method.type === 'freeze') expect(parameters.trainable).toBeLessThanOrEqual(parameters.total)
    expect(Number.isFinite(speed.tokensPerSecond) && speed.tokensPerSecond > 0).toBe(true)
    expect(Number.isFinite(speed.trainingHours) && speed.trainingHours > 0).toBe(true)
  }), { numRuns: 200, seed: 42 })
})
