// The same estimate asked through both doors must give the same answer: every field of the REST
// response, numbers compared exactly. The GraphQL selection is generated from the REST response
// schema, so a field REST gains and GraphQL lacks fails here as an unknown field.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { EstimateResultSchema } from '../../src/contract/estimate.schemas.ts'
import { ENGINES } from '../helpers/databases.ts'
import { startGraphqlApp, type GraphqlTestApp } from './graphql-test-app.ts'
import { restLeaves, leaves, selectionOf, toGraphqlInput } from './parity.ts'

/** A Mistral-7B-shaped inline architecture (mistralai/Mistral-7B-v0.1 config.json). */
const MISTRAL_INLINE = {
  name: 'inline mistral', hiddenSize: 4096, intermediateSize: 14336, numLayers: 32, numAttentionHeads: 32,
  numKeyValueHeads: 8, vocabSize: 32000, tieWordEmbeddings: false,
}
/** A Mixtral-8x7B-shaped inline MoE (mistralai/Mixtral-8x7B-v0.1 config.json). */
const MIXTRAL_INLINE = { ...MISTRAL_INLINE, name: 'inline mixtral', numExperts: 8, expertsPerToken: 2, moeIntermediateSize: 14336 }
/** NVIDIA H100 SXM5 datasheet: 80 GB HBM3, 989 dense BF16 TFLOPS, 3.35 TB/s, NVLink 900 GB/s. */
const H100_INLINE = { name: 'inline H100', memoryGiB: 80, bf16Tflops: 989, memoryBandwidthTBps: 3.35, interconnectGBps: 900 }
const L4_INLINE = { name: 'inline L4', memoryGiB: 24, bf16Tflops: 121, memoryBandwidthTBps: 0.3 }

const short = { microBatchSize: 1, sequenceLength: 1024 }
const REQUESTS: Record<string, unknown>[] = [
  { model: 'llama-2-7b', method: { type: 'lora' }, training: { ...short, datasetTokens: 10_000_000 }, hardware: { gpu: 'a100-80gb' } },
  { model: 'llama-2-7b', method: { type: 'full' }, training: { microBatchSize: 2, sequenceLength: 2048, gradientCheckpointing: true, datasetTokens: 50_000_000 }, hardware: { gpu: 'h100-sxm-80gb', count: 8, sharding: 'zero3' } },
  { model: 'llama-2-13b', method: { type: 'qlora', rank: 64, quantization: 'nf4', doubleQuantization: true }, training: { ...short, datasetTokens: 5_000_000 }, hardware: { gpu: 'l4' } },
  { model: 'llama-2-13b', method: { type: 'qlora', quantization: 'int8', doubleQuantization: false }, training: short, hardware: { gpu: 'a10' } },
  { model: 'llama-3.1-8b', method: { type: 'freeze', trainableLayers: 4 }, training: { ...short, optimizer: 'adamw-8bit', datasetTokens: 1e7 }, hardware: { gpu: 'a100-80gb' } },
  { model: 'llama-3.1-8b', method: { type: 'freeze', strategy: 'attention-only' }, training: short, hardware: { gpu: 'l40s' } },
  { model: 'llama-3.1-8b', method: { type: 'freeze', strategy: 'aggressive' }, training: { ...short, precision: 'fp16-mixed' }, hardware: { gpu: 'a100-40gb' } },
  { model: 'llama-3.1-70b', method: { type: 'full' }, training: { ...short, gradientCheckpointing: true, datasetTokens: 1e8 }, hardware: { gpu: 'h100-sxm-80gb', count: 16, sharding: 'fsdp' } },
  { model: 'llama-3.1-70b', method: { type: 'lora', rank: 32, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] }, training: { ...short, datasetTokens: 2e7 }, hardware: { gpu: 'h200-141gb', count: 2, sharding: 'zero2' } },
  { model: 'mistral-7b-v0.1', method: { type: 'full' }, training: { ...short, optimizer: 'sgd' }, hardware: { gpu: 'a100-80gb', count: 4, sharding: 'zero1' }, pricing: { provider: 'gcp', pricingModel: 'spot' } },
  { model: 'mistral-7b-v0.1', method: { type: 'full' }, training: { ...short, optimizer: 'adafactor', datasetTokens: 3e7 }, hardware: { gpu: 'a100-80gb', count: 2, sharding: 'ddp', offload: 'optimizer' } },
  { model: 'mixtral-8x7b-v0.1', method: { type: 'qlora' }, training: { ...short, datasetTokens: 1e7 }, hardware: { gpu: 'h100-sxm-80gb' }, pricing: { provider: 'aws', pricingModel: 'on-demand' } },
  { model: 'qwen2.5-0.5b', method: { type: 'full' }, training: { microBatchSize: 8, sequenceLength: 512, precision: 'bf16', attention: 'eager', datasetTokens: 1e6 }, hardware: { gpu: 'rtx-4090' }, pricing: { usdPerGpuHour: 0.4 } },
  { model: 'qwen3-30b-a3b', method: { type: 'lora', rank: 8, alpha: 16 }, training: { ...short, attention: 'sdpa', datasetTokens: 4e6 }, hardware: { gpu: 'h200-141gb' } },
  { model: 'gemma-2-9b', method: { type: 'lora', layerRanks: [8, 8, 16, 16, 32, 32] }, training: { ...short, epochs: 3, datasetTokens: 2e6 }, hardware: { gpu: 'l40s' }, forgetting: { learningRate: 2e-4, replayShare: 0.1, domain: 'far', regime: 'instruction' } },
  { model: 'phi-3-mini-4k-instruct', method: { type: 'full' }, training: { ...short, gradientAccumulationSteps: 8, precision: 'fp32' }, hardware: { gpu: 'a100-80gb', offload: 'optimizer-and-params', sharding: 'zero3', count: 2 } },
  { model: MISTRAL_INLINE, method: { type: 'lora' }, training: { ...short, datasetTokens: 1e7 }, hardware: { gpu: H100_INLINE }, pricing: { usdPerGpuHour: 2.5 } },
  { model: MISTRAL_INLINE, method: { type: 'full' }, training: short, hardware: { gpu: 'a100-80gb', count: 8, sharding: 'zero2' } },
  { model: MIXTRAL_INLINE, method: { type: 'qlora', rank: 16 }, training: { ...short, datasetTokens: 5e6 }, hardware: { gpu: H100_INLINE, count: 2, sharding: 'fsdp' }, pricing: { usdPerGpuHour: 3.1, provider: 'neocloud' } },
  { model: 'llama-3.2-1b', method: { type: 'full' }, training: { ...short, datasetTokens: 1e6 }, hardware: { gpu: L4_INLINE }, pricing: { usdPerGpuHour: 0.8 }, forgetting: { regularization: { kind: 'ewc', lambda: 10 } } },
  { model: 'llama-3.2-3b', method: { type: 'qlora', targetModules: ['q_proj', 'v_proj', 'lm_head'] }, training: { microBatchSize: 4, sequenceLength: 4096, gradientCheckpointing: true }, hardware: { gpu: 'l4' } },
  { model: 'qwen2.5-72b', method: { type: 'full' }, training: { ...short, gradientCheckpointing: true }, hardware: { gpu: 'mi300x-192gb', count: 8, sharding: 'zero3' } },
]

/** Response fields that are enums: GraphQL spells them as names. */
const ENUM_LEAF = /^\/(pricesUsed\/\d+\/pricingModel|forgetting\/level)$/

const QUERY = `query Estimate($input: EstimateInput!) { estimate(input: $input) ${selectionOf(EstimateResultSchema)} }`

describe.each(ENGINES)('REST and GraphQL estimates agree on %s', (engine) => {
  let t: GraphqlTestApp
  beforeAll(async () => { t = await startGraphqlApp(engine) })
  afterAll(async () => { await t?.close() })

  test(`${REQUESTS.length} requests give identical numbers through both doors`, async () => {
    expect(REQUESTS.length).toBeGreaterThanOrEqual(20)
    let numbers = 0
    for (const body of REQUESTS) {
      const rest = await t.call({ method: 'POST', url: '/v1/estimates', payload: body })
      expect(rest.statusCode, `${JSON.stringify(body)}: ${rest.body}`).toBe(200)
      const gql = await t.gql(QUERY, { input: toGraphqlInput(body) })
      expect(gql.errors, JSON.stringify(body)).toBeUndefined()
      const expected = restLeaves(rest.json(), ENUM_LEAF)
      expect(leaves(gql.data.estimate), JSON.stringify(body)).toStrictEqual(expected)
      numbers += Object.values(expected).filter((v) => typeof v === 'number').length
    }
    // Guards the guard: the comparison covered the numbers, not just a handful of fields.
    expect(numbers).toBeGreaterThan(REQUESTS.length * 25)
  })

  test('the variety is real: priced and unpriced, fitting and not, several GPUs and methods', async () => {
    const results = await Promise.all(REQUESTS.map(async (body) => (await t.gql(QUERY, { input: toGraphqlInput(body) })).data.estimate))
    expect(new Set(results.map((r) => r.resolved.gpuName)).size).toBeGreaterThanOrEqual(8)
    expect(results.some((r) => r.memory.fits)).toBe(true)
    expect(results.some((r) => !r.memory.fits)).toBe(true)
    expect(results.filter((r) => r.cost.totalUsd !== null).length).toBeGreaterThanOrEqual(8)
    expect(new Set(results.map((r) => r.pricesUsed[0]?.source ?? 'none'))).toEqual(new Set(['request', 'catalog', 'none']))
  })
})

// GRAPHQL_JIT compiles a document between requests once it has run that often; runs before and
// after must answer alike, and exactly as with compilation off — errors included, although each
// request's variables are coerced once, by graphql-jit on a compiled run (src/graphql/variables.ts).
describe('compiled (graphql-jit) and interpreted GraphQL agree', () => {
  let compiled: GraphqlTestApp
  let interpreted: GraphqlTestApp
  beforeAll(async () => {
    compiled = await startGraphqlApp('pglite', { GRAPHQL_JIT: '2' })
    interpreted = await startGraphqlApp('pglite', { GRAPHQL_JIT: '0' })
  })
  afterAll(async () => {
    await compiled?.close()
    await interpreted?.close()
  })

  const valid = REQUESTS.map((body) => toGraphqlInput(body))
  const LORA = valid[0] as { method: Record<string, unknown>; training: Record<string, unknown> }
  const invalid = [
    { ...LORA, method: { ...LORA.method, type: 'LORX' } },
    { ...LORA, training: { ...LORA.training, datasetTokens: 1.5 } },
    { ...LORA, training: { ...LORA.training, precision: 'bf16-mixed' } },
    { ...LORA, training: { sequenceLength: 1024 } },
    { ...LORA, method: { ...LORA.method, rank: 0 } },
  ]

  test('every response, valid and invalid, on every run of the same document', async () => {
    const answer = async (t: GraphqlTestApp, input: unknown) => {
      const res = await t.gql(QUERY, { input })
      return { status: res.status, data: res.data, errors: res.errors }
    }
    let errors = 0
    // Invalid inputs before and after compilation; a turn of the loop per request lets it compile.
    for (const input of [...invalid, ...valid, ...invalid]) {
      await new Promise((resolve) => setImmediate(resolve))
      const expected = await answer(interpreted, input)
      const actual = await answer(compiled, input)
      expect(actual, JSON.stringify(input)).toStrictEqual(expected)
      if (expected.errors) errors++
      // graphql-js's wording: the one variable is $input (graphql-jit's own errors name "$datasetTokens" etc.).
      for (const error of actual.errors ?? []) if (error.message.startsWith('Variable')) expect(error.message).toMatch(/^Variable "\$input" /)
    }
    expect(errors).toBe(2 * invalid.length)
  })
})
