import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { ENGINES } from '../helpers/databases.ts'
import { onlyError, startGraphqlApp, type GraphqlTestApp } from './graphql-test-app.ts'

const ESTIMATE = `query Estimate($input: EstimateInput!) {
  estimate(input: $input) {
    parameters { total trainable }
    memory { perGpu { adaptersBytes totalBytes } gpuCapacityBytes fits }
    speed { gpuHours trainingHours }
    cost { totalUsd usdPerGpuHour }
    pricesUsed { source usdPerGpuHour pricingModel gpuId effectiveFrom }
    resolved { modelId modelName gpuId gpuName }
  }
}`

const LORA_7B = {
  modelId: 'llama-2-7b',
  method: { type: 'LORA', rank: 16, targetModules: ['Q_PROJ', 'V_PROJ'] },
  training: { microBatchSize: 1, sequenceLength: 2048, datasetTokens: 10_000_000 },
  hardware: { gpuId: 'a100-80gb' },
}

describe.each(ENGINES)('estimate(input:) on %s', (engine) => {
  let t: GraphqlTestApp
  beforeAll(async () => { t = await startGraphqlApp(engine) })
  afterAll(async () => { await t?.close() })

  test('catalog ids: Llama-2-7B has 6,738,415,616 parameters; LoRA r=16 on q,v trains 2·16·(4096+4096)·32', async () => {
    const res = await t.gql(ESTIMATE, { input: LORA_7B })
    expect(res.errors).toBeUndefined()
    const e = res.data.estimate
    expect(e.parameters).toEqual({ total: 6_738_415_616, trainable: 2 * 16 * (4096 + 4096) * 32 })
    // Bytes beyond 2^31 arrive as exact JSON integers (SafeInt), not 32-bit Ints.
    expect(e.memory.gpuCapacityBytes).toBe(80 * 2 ** 30)
    expect(Number.isInteger(e.memory.perGpu.totalBytes)).toBe(true)
    expect(e.resolved).toEqual({ modelId: 'llama-2-7b', modelName: 'Llama-2-7B', gpuId: 'a100-80gb', gpuName: 'NVIDIA A100 SXM4 80GB' })
    // No pricing block: the cheapest on-demand catalog price of the GPU, reported as used.
    expect(e.pricesUsed).toHaveLength(1)
    expect(e.pricesUsed[0]).toMatchObject({ source: 'catalog', pricingModel: 'ON_DEMAND', gpuId: 'a100-80gb' })
    expect(e.cost.usdPerGpuHour).toBe(e.pricesUsed[0].usdPerGpuHour)
    expect(e.cost.totalUsd).toBeCloseTo(e.speed.gpuHours * e.cost.usdPerGpuHour, 9)
  })

  test('inline model and GPU with an explicit price: cost = GPU-hours × price, nothing resolved from the catalog', async () => {
    const res = await t.gql(ESTIMATE, {
      input: {
        model: { name: 'tiny', hiddenSize: 1024, intermediateSize: 4096, numLayers: 4, numAttentionHeads: 16, numKeyValueHeads: 16, vocabSize: 1000 },
        method: { type: 'FULL' },
        training: { microBatchSize: 1, sequenceLength: 256, datasetTokens: 1_000_000 },
        hardware: { gpu: { name: 'my gpu', memoryGiB: 24, bf16Tflops: 100, memoryBandwidthTBps: 1 }, count: 2, sharding: 'DDP' },
        pricing: { usdPerGpuHour: 2 },
      },
    })
    expect(res.errors).toBeUndefined()
    const e = res.data.estimate
    // Embedding 1000·1024 + lm_head 1000·1024 + 4 layers × (4·1024² attention + 3·1024·4096 MLP + 2·1024 norms) + 1024 final norm.
    expect(e.parameters.total).toBe(2 * 1000 * 1024 + 4 * (4 * 1024 ** 2 + 3 * 1024 * 4096 + 2 * 1024) + 1024)
    expect(e.resolved).toEqual({ modelId: null, modelName: 'tiny', gpuId: null, gpuName: 'my gpu' })
    expect(e.pricesUsed).toEqual([{ source: 'request', usdPerGpuHour: 2, pricingModel: null, gpuId: null, effectiveFrom: null }])
    expect(e.cost.totalUsd).toBeCloseTo(e.speed.gpuHours * 2, 9)
    expect(e.memory.gpuCapacityBytes).toBe(24 * 2 ** 30)
  })

  test('an unknown catalog id: ESTIMATE_MODEL_NOT_FOUND naming modelId, HTTP 200 with data null', async () => {
    const res = await t.gql(ESTIMATE, { input: { ...LORA_7B, modelId: 'llama-9-1b' } })
    expect(res.status).toBe(200)
    expect(res.data).toBeNull()
    const err = onlyError(res)
    expect(err.extensions).toMatchObject({ code: 'ESTIMATE_MODEL_NOT_FOUND', field: '/modelId' })
    expect(err.message).toContain('llama-9-1b')
    expect(err.path).toEqual(['estimate'])
    const gpu = onlyError(await t.gql(ESTIMATE, { input: { ...LORA_7B, hardware: { gpuId: 'tpu-v9' } } }))
    expect(gpu.extensions).toMatchObject({ code: 'ESTIMATE_GPU_NOT_FOUND', field: '/hardware/gpuId' })
  })

  test('modelId and model are alternatives: both or neither is VALIDATION_FAILED', async () => {
    const inline = { hiddenSize: 64, intermediateSize: 128, numLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 4, vocabSize: 100 }
    const both = onlyError(await t.gql(ESTIMATE, { input: { ...LORA_7B, model: inline } }))
    expect(both.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: '/modelId' })
    const { modelId: _m, ...neither } = LORA_7B
    expect(onlyError(await t.gql(ESTIMATE, { input: neither })).extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: '/modelId' })
    const noGpu = onlyError(await t.gql(ESTIMATE, { input: { ...LORA_7B, hardware: { count: 2 } } }))
    expect(noGpu.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: '/hardware/gpuId' })
  })

  test('the service\'s rules apply unchanged: ranges and method-specific fields name the field', async () => {
    const range = onlyError(await t.gql(ESTIMATE, { input: { ...LORA_7B, training: { microBatchSize: 1, sequenceLength: 0 } } }))
    expect(range.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: '/training/sequenceLength' })
    const rankOnFull = onlyError(await t.gql(ESTIMATE, { input: { ...LORA_7B, method: { type: 'FULL', rank: 8 } } }))
    expect(rankOnFull.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: '/method/rank' })
    const gqa = onlyError(await t.gql(ESTIMATE, {
      input: { ...LORA_7B, modelId: undefined, model: { hiddenSize: 64, intermediateSize: 128, numLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 3, vocabSize: 100 } },
    }))
    expect(gqa.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: '/model/numKeyValueHeads' })
    const price = onlyError(await t.gql(ESTIMATE, { input: { ...LORA_7B, pricing: { provider: 'nobody' } } }))
    expect(price.extensions).toMatchObject({ code: 'ESTIMATE_PRICE_NOT_FOUND', field: '/pricing/provider' })
  })

  test('malformed requests never execute: HTTP 400, VALIDATION_FAILED', async () => {
    const badEnum = await t.gql(`{ estimate(input: { modelId: "llama-2-7b", method: { type: LORX }, training: { microBatchSize: 1, sequenceLength: 8 }, hardware: { gpuId: "a100-80gb" } }) { parameters { total } } }`)
    expect(badEnum.status).toBe(400)
    expect(onlyError(badEnum).extensions.code).toBe('VALIDATION_FAILED')
    expect(onlyError(badEnum).message).toBe('Value "LORX" does not exist in "MethodType" enum. Did you mean the enum value "LORA" or "QLORA"?')
    expect(onlyError(badEnum).locations).toEqual([{ line: 1, column: 60 }])
    const syntax = await t.gql('{ estimate(input: { ')
    expect(syntax.status).toBe(400)
    expect(onlyError(syntax).extensions.code).toBe('VALIDATION_FAILED')
    const unknownField = await t.gql('{ estimate(input: {}) { parameters { weight } } }')
    expect(unknownField.status).toBe(400)
    expect(unknownField.errors!.every((e) => e.extensions.code === 'VALIDATION_FAILED')).toBe(true)
    // 2^53 is past what a JSON number holds exactly: refused, not rounded.
    const huge = await t.gql(ESTIMATE, { input: { ...LORA_7B, training: { microBatchSize: 1, sequenceLength: 8, datasetTokens: 2 ** 53 } } })
    expect(huge.status).toBe(400)
    expect(onlyError(huge).extensions.code).toBe('VALIDATION_FAILED')
  })

  test('unexpected failures hide their message (INTERNAL_ERROR); a database that is down has REST\'s code', async () => {
    const spy = vi.spyOn(t.app.estimates, 'estimate')
    spy.mockRejectedValueOnce(new Error('relation "secret_table" does not exist at 10.0.0.7'))
    const internal = onlyError(await t.gql(ESTIMATE, { input: LORA_7B }))
    expect(internal.extensions.code).toBe('INTERNAL_ERROR')
    expect(internal.message).not.toContain('secret')
    const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
    spy.mockRejectedValueOnce(refused())
    const down = onlyError(await t.gql(ESTIMATE, { input: LORA_7B }))
    spy.mockRejectedValueOnce(refused())
    const rest = await t.call({ method: 'POST', url: '/v1/estimates', payload: { model: 'llama-2-7b', method: { type: 'lora' }, training: { microBatchSize: 1, sequenceLength: 8 }, hardware: { gpu: 'a100-80gb' } } })
    expect(rest.statusCode).toBe(503)
    expect(down.extensions.code).toBe(rest.json().code)
    expect(down.message).not.toContain('127.0.0.1')
    spy.mockRestore()
  })

  test('query limits: too deep is QUERY_TOO_DEEP, too costly QUERY_TOO_COSTLY, both refused before running', async () => {
    const deep = await t.gql('{ prices(first: 1) { edges { node { gpu { prices { gpu { prices { gpu { prices { gpu { id } } } } } } } } } } }')
    expect(deep.status).toBe(400)
    expect(onlyError(deep).extensions.code).toBe('QUERY_TOO_DEEP')
    const costly = await t.gql('{ gpus(first: 200) { edges { node { prices { gpu { prices { id } } } } } } }')
    expect(costly.status).toBe(400)
    expect(onlyError(costly).extensions.code).toBe('QUERY_TOO_COSTLY')
  })

  test('GraphiQL is off: it would load its assets from a CDN', async () => {
    expect((await t.call({ method: 'GET', url: '/graphiql' })).statusCode).toBe(404)
  })
})
