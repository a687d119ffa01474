// The planning questions through both doors: every field of each REST response (numbers exactly)
// must come back from the GraphQL query of the same name, whose selection is generated from the
// REST response schema. Then what only GraphQL has: relations and GraphQL's field names in errors.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  ComparisonResultSchema, CostResultSchema, InverseResultSchema, PlanResultSchema, RecommendationResultSchema, ServingResultSchema,
} from '../../src/contract/planning.schemas.ts'
import { ENGINES } from '../helpers/databases.ts'
import { onlyError, startGraphqlApp, type Data, type GraphqlTestApp } from './graphql-test-app.ts'
import { leaves, restLeaves, selectionOf, toGraphqlInput } from './parity.ts'

const LORA_7B = { model: 'llama-2-7b', method: { type: 'lora' }, training: { microBatchSize: 1, sequenceLength: 2048, datasetTokens: 20_000_000 }, hardware: { gpu: 'a100-80gb' } }
const FULL_1B = { model: 'llama-3.2-1b', method: { type: 'full' }, training: { microBatchSize: 4, sequenceLength: 1024, datasetTokens: 20_000_000 }, hardware: { gpu: 'a100-80gb' } }
const H100_INLINE = { name: 'inline H100', memoryGiB: 80, bf16Tflops: 989, memoryBandwidthTBps: 3.35, interconnectGBps: 900 }

/** Enum-typed response fields; GraphQL spells their values as names. */
const ENUM_PATH = /\/(method|level|riskLevel|freezeStrategy|sharding|mode|solveFor|best\/\w+|targetModules\/\d+|pricesUsed\/\d+\/pricingModel|offers\/\d+\/pricingModel)$/

interface Case { field: string; input: string; url: string; schema: Data; bodies: Data[] }

const CASES: Case[] = [
  {
    field: 'compareMethods', input: 'ComparisonInput', url: '/v1/comparisons', schema: ComparisonResultSchema,
    bodies: [
      { model: 'llama-2-7b', training: { microBatchSize: 1, sequenceLength: 2048, datasetTokens: 50_000_000 }, hardware: { gpu: 'a100-80gb' } },
      { model: 'qwen2.5-7b', training: { microBatchSize: 2, sequenceLength: 1024, datasetTokens: 1e7 }, hardware: { gpu: H100_INLINE, count: 2, sharding: 'zero2' }, pricing: { usdPerGpuHour: 2.5 }, lora: { rank: 64, targetModules: ['q_proj', 'v_proj'] }, freeze: { strategy: 'attention-only' }, qlora: { quantization: 'int8', doubleQuantization: false }, forgetting: { learningRate: 1e-4, domain: 'far' } },
    ],
  },
  {
    field: 'recommend', input: 'RecommendationInput', url: '/v1/recommendations', schema: RecommendationResultSchema,
    bodies: [
      { model: 'llama-3.2-1b', goal: 'prototype', training: { sequenceLength: 1024, datasetTokens: 10_000_000 }, gpus: ['a100-80gb', 'l4'], limit: 5 },
      { model: 'llama-3.1-8b', goal: 'multi-task', tasks: 4, training: { sequenceLength: 2048, datasetTokens: 5e7 }, gpus: [{ gpu: 'h100-sxm-80gb', maxCount: 4 }, { gpu: H100_INLINE, ownedUsdPerGpuHour: 1 }], pricingModels: ['on-demand', 'spot'], space: { methods: ['lora', 'qlora'], ranks: [8, 32] }, limit: 3 },
    ],
  },
  {
    field: 'servingPlan', input: 'ServingInput', url: '/v1/serving', schema: ServingResultSchema,
    bodies: [
      { model: 'llama-2-7b', adapter: { rank: 16 }, tasks: 10, gpu: 'a100-80gb' },
      { model: 'mixtral-8x7b-v0.1', adapter: { rank: 64, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] }, tasks: 200, gpu: H100_INLINE, residentAdapters: 8, ensembleSize: 4, mixedRanks: true },
    ],
  },
  {
    field: 'trainingPlan', input: 'TrainingPlanInput', url: '/v1/plans', schema: PlanResultSchema,
    bodies: [
      { request: FULL_1B, strategy: 'staged-lora-full', options: { loraShare: 0.25 } },
      { request: LORA_7B, strategy: 'dynamic-rank', options: { ranks: [64, 16] } },
      { request: FULL_1B, strategy: 'custom', phases: [{ name: 'top layers', method: { type: 'freeze', trainableLayers: 4 }, tokenShare: 0.3 }, { name: 'all', method: { type: 'full' }, tokenShare: 0.7, hardware: { count: 2, sharding: 'zero3' } }] },
    ],
  },
  {
    field: 'inverseEstimate', input: 'InverseInput', url: '/v1/estimates/inverse', schema: InverseResultSchema,
    bodies: [
      { solveFor: 'microBatchSize', request: { ...LORA_7B, training: { microBatchSize: 1, sequenceLength: 4096 } } },
      { solveFor: 'gpuCount', request: { ...LORA_7B, model: 'llama-2-70b', method: { type: 'full' }, training: { microBatchSize: 1, sequenceLength: 2048, gradientCheckpointing: true } } },
      { solveFor: 'sequenceLength', request: { ...LORA_7B, hardware: { gpu: 'l4' } } },
    ],
  },
  {
    field: 'runCost', input: 'CostInput', url: '/v1/costs', schema: CostResultSchema,
    bodies: [
      { request: LORA_7B, engineeringHours: 8 },
      { request: { ...FULL_1B, hardware: { gpu: H100_INLINE }, pricing: { usdPerGpuHour: 3 } }, hours: 12, checkpoints: { count: 2, resumable: true }, rates: { egressUsdPerGb: 0.05 } },
    ],
  },
]

describe.each(ENGINES)('planning over GraphQL on %s', (engine) => {
  let t: GraphqlTestApp
  beforeAll(async () => { t = await startGraphqlApp(engine) })
  afterAll(async () => { await t?.close() })

  test.each(CASES)('$field answers as $url does, field for field', async ({ field, input, url, schema, bodies }) => {
    const query = `query Q($input: ${input}!) { ${field}(input: $input) ${selectionOf(schema)} }`
    for (const body of bodies) {
      const rest = await t.call({ method: 'POST', url, payload: body })
      expect(rest.statusCode, rest.body).toBe(200)
      const gql = await t.gql(query, { input: toGraphqlInput(body) })
      expect(gql.errors, JSON.stringify(body)).toBeUndefined()
      const expected = restLeaves(rest.json(), ENUM_PATH)
      expect(leaves(gql.data[field])).toStrictEqual(expected)
      expect(Object.values(expected).filter((v) => typeof v === 'number').length).toBeGreaterThan(5)
    }
  })

  test('recommended options link to their catalog GPU; inline GPUs link to nothing', async () => {
    const options = async (gpus: Data[]) => {
      const res = await t.gql('query($input: RecommendationInput!) { recommend(input: $input) { options { gpuId gpuName gpu { id name memoryGiB } } } }', {
        input: toGraphqlInput({ model: 'llama-3.2-1b', goal: 'prototype', training: { sequenceLength: 1024, datasetTokens: 1e7 }, gpus, limit: 20 }),
      })
      expect(res.errors).toBeUndefined()
      expect(res.data.recommend.options.length).toBeGreaterThan(0)
      return res.data.recommend.options as Data[]
    }
    for (const o of await options(['l4'])) expect(o).toEqual({ gpuId: 'l4', gpuName: 'NVIDIA L4', gpu: { id: 'l4', name: 'NVIDIA L4', memoryGiB: 24 } })
    for (const o of await options([{ gpu: H100_INLINE, ownedUsdPerGpuHour: 0.5 }])) expect(o).toEqual({ gpuId: 'inline-0', gpuName: 'inline H100', gpu: null })
  })

  test('errors name the GraphQL fields: gpuId in a list, modelId inside a request, phases by index', async () => {
    const rec = onlyError(await t.gql('query($input: RecommendationInput!) { recommend(input: $input) { notes } }', {
      input: toGraphqlInput({ model: 'llama-3.2-1b', goal: 'prototype', training: { sequenceLength: 1024, datasetTokens: 1e7 }, gpus: ['a100-80gb', 'nope'] }),
    }))
    expect(rec.extensions).toMatchObject({ code: 'ESTIMATE_GPU_NOT_FOUND', field: '/gpus/1/gpuId' })
    const plan = onlyError(await t.gql('query($input: TrainingPlanInput!) { trainingPlan(input: $input) { fits } }', {
      input: toGraphqlInput({ request: { ...FULL_1B, model: 'gpt-7' }, strategy: 'gradual-unfreezing' }),
    }))
    expect(plan.extensions).toMatchObject({ code: 'ESTIMATE_MODEL_NOT_FOUND', field: '/request/modelId' })
    const custom = onlyError(await t.gql('query($input: TrainingPlanInput!) { trainingPlan(input: $input) { fits } }', {
      input: toGraphqlInput({ request: FULL_1B, strategy: 'custom', phases: [{ name: 'top', method: { type: 'freeze', trainableLayers: 99 }, tokenShare: 1 }] }),
    }))
    expect(custom.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: '/phases/0/method/trainableLayers' })
    const serving = onlyError(await t.gql('query($input: ServingInput!) { servingPlan(input: $input) { baseBytes } }', {
      input: { modelId: 'llama-2-7b', adapter: { rank: 16 }, tasks: 2 },
    }))
    expect(serving.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: '/gpuId' })
  })
})
