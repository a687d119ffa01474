import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ENGINES } from '../helpers/databases.ts'
import { asAdmin, onlyError, startGraphqlApp, type GraphqlResponse, type GraphqlTestApp } from './graphql-test-app.ts'

const ADMIN = asAdmin.key

/** meta-llama/Llama-2-7b-hf config.json, the architecture fields. */
const LLAMA_2_7B = {
  name: 'Llama-2-7B (GraphQL copy)', family: 'llama', hiddenSize: 4096, intermediateSize: 11008, numLayers: 32,
  numAttentionHeads: 32, numKeyValueHeads: 32, vocabSize: 32000, maxPositionEmbeddings: 4096,
}

/** mistralai/Mistral-7B-v0.1 config.json as published (extra fields included). */
const MISTRAL_7B_CONFIG = {
  architectures: ['MistralForCausalLM'], hidden_act: 'silu', hidden_size: 4096, intermediate_size: 14336, max_position_embeddings: 32768,
  model_type: 'mistral', num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 8, rms_norm_eps: 1e-05, rope_theta: 10000.0,
  sliding_window: 4096, tie_word_embeddings: false, torch_dtype: 'bfloat16', vocab_size: 32000,
}

const GPU = { name: 'GraphQL Accelerator 96GB', vendor: 'Acme', memoryGiB: 96, memoryBandwidthTBps: 4, bf16Tflops: 500 }

describe.each(ENGINES)('catalog over GraphQL on %s', (engine) => {
  let t: GraphqlTestApp
  let editorKey: string
  beforeAll(async () => {
    t = await startGraphqlApp(engine, {})
    editorKey = (await t.app.auth.issue({ name: 'catalog-editor', role: 'editor' })).key
  })
  afterAll(async () => { await t?.close() })

  test('models page by cursor: the pages join up to the whole catalog without overlap', async () => {
    const MODELS = 'query Models($after: String) { models(first: 10, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }'
    const seen: string[] = []
    let after: string | null = null
    let pages = 0
    do {
      const res: GraphqlResponse = await t.gql(MODELS, { after })
      const { edges, pageInfo } = res.data.models
      expect(edges.map((e: { cursor: string; node: { id: string } }) => e.cursor)).toEqual(edges.map((e: { node: { id: string } }) => e.node.id))
      seen.push(...edges.map((e: { node: { id: string } }) => e.node.id))
      after = pageInfo.hasNextPage ? pageInfo.endCursor : null
      pages += 1
    } while (after)
    const all = (await t.call({ method: 'GET', url: '/v1/models?limit=200' })).json().items.map((m: { id: string }) => m.id)
    expect(seen).toEqual(all)
    expect(pages).toBe(Math.ceil(all.length / 10))
  })

  test('model(id) carries the catalog row; paramsTotal is the published count; unknown ids are MODEL_NOT_FOUND', async () => {
    const res = await t.gql('{ model(id: "llama-2-7b") { id name family numLayers numKeyValueHeads vocabSize paramsTotal managedBy version createdAt } }')
    expect(res.data.model).toMatchObject({ id: 'llama-2-7b', family: 'llama', numLayers: 32, numKeyValueHeads: 32, vocabSize: 32000, paramsTotal: 6_738_415_616, managedBy: 'seed' })
    expect(new Date(res.data.model.createdAt).toISOString()).toBe(res.data.model.createdAt)
    const missing = await t.gql('{ model(id: "no-such-model") { id } }')
    expect(missing.data).toEqual({ model: null })
    expect(onlyError(missing).extensions.code).toBe('MODEL_NOT_FOUND')
    expect(onlyError(await t.gql('{ gpu(id: "no-such-gpu") { id } }')).extensions.code).toBe('GPU_NOT_FOUND')
  })

  test('gpu(id) with its prices in effect, each price linking back to its GPU', async () => {
    const res = await t.gql('{ gpu(id: "a100-80gb") { id memoryGiB bf16Tflops prices(pricingModel: ON_DEMAND) { provider pricingModel usdPerGpuHour gpu { id name } } } }')
    expect(res.errors).toBeUndefined()
    const gpu = res.data.gpu
    expect(gpu).toMatchObject({ id: 'a100-80gb', memoryGiB: 80, bf16Tflops: 312 })
    const rest = (await t.call({ method: 'GET', url: '/v1/prices?gpu=a100-80gb&pricingModel=on-demand&limit=200' })).json().items
    expect(gpu.prices.map((p: { usdPerGpuHour: number }) => p.usdPerGpuHour)).toEqual(rest.map((p: { usdPerGpuHour: number }) => p.usdPerGpuHour))
    expect(gpu.prices.length).toBeGreaterThan(0)
    expect(gpu.prices.every((p: { pricingModel: string; gpu: { id: string } }) => p.pricingModel === 'ON_DEMAND' && p.gpu.id === 'a100-80gb')).toBe(true)
  })

  test('mutations need an admin key: AUTH_REQUIRED without one, AUTH_FORBIDDEN for an editor, AUTH_INVALID_KEY for a wrong one', async () => {
    const CREATE = 'mutation Create($input: ModelWriteInput!) { createModel(id: "gql-llama-denied", input: $input) { id } }'
    const anonymous = await t.gql(CREATE, { input: LLAMA_2_7B })
    expect(anonymous.status).toBe(200)
    expect(onlyError(anonymous).extensions.code).toBe('AUTH_REQUIRED')
    expect(onlyError(await t.gql(CREATE, { input: LLAMA_2_7B }, editorKey)).extensions.code).toBe('AUTH_FORBIDDEN')
    // A wrong key is refused before the operation runs, with REST's status.
    const wrong = await t.gql(CREATE, { input: LLAMA_2_7B }, 'fte_not-a-real-key')
    expect(wrong.status).toBe(401)
    expect(onlyError(wrong).extensions.code).toBe('AUTH_INVALID_KEY')
    expect(onlyError(await t.gql('{ model(id: "gql-llama-denied") { id } }')).extensions.code).toBe('MODEL_NOT_FOUND')
  })

  test('createModel then updateModel with expectedVersion; a stale version is PRECONDITION_FAILED', async () => {
    const created = await t.gql('mutation($input: ModelWriteInput!) { createModel(id: "gql-llama", input: $input) { id paramsTotal managedBy version } }', { input: LLAMA_2_7B }, ADMIN)
    expect(created.data.createModel).toEqual({ id: 'gql-llama', paramsTotal: 6_738_415_616, managedBy: 'admin', version: 1 })
    const again = await t.gql('mutation($input: ModelWriteInput!) { createModel(id: "gql-llama", input: $input) { id } }', { input: LLAMA_2_7B }, ADMIN)
    expect(onlyError(again).extensions.code).toBe('MODEL_ALREADY_EXISTS')
    const UPDATE = 'mutation($v: Int!, $input: ModelWriteInput!) { updateModel(id: "gql-llama", expectedVersion: $v, input: $input) { name version } }'
    const updated = await t.gql(UPDATE, { v: 1, input: { ...LLAMA_2_7B, name: 'renamed' } }, ADMIN)
    expect(updated.data.updateModel).toEqual({ name: 'renamed', version: 2 })
    expect(onlyError(await t.gql(UPDATE, { v: 1, input: LLAMA_2_7B }, ADMIN)).extensions.code).toBe('PRECONDITION_FAILED')
    const bad = onlyError(await t.gql(UPDATE, { v: 2, input: { ...LLAMA_2_7B, numKeyValueHeads: 5 } }, ADMIN))
    expect(bad.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: '/numKeyValueHeads' })
    // The catalog cache is invalidated: an estimate sees the new model at once.
    const estimate = await t.gql('{ estimate(input: { modelId: "gql-llama", method: { type: FULL }, training: { microBatchSize: 1, sequenceLength: 8 }, hardware: { gpuId: "a100-80gb" } }) { resolved { modelName } } }')
    expect(estimate.data.estimate.resolved.modelName).toBe('renamed')
  })

  test('importModelConfig stores a config.json: Mistral-7B has 7,241,732,096 parameters', async () => {
    const res = await t.gql('mutation($input: ModelConfigImportInput!) { importModelConfig(input: $input) { id family numKeyValueHeads maxPositionEmbeddings paramsTotal extra } }', {
      input: { id: 'gql-mistral', name: 'Mistral 7B (GraphQL import)', hfId: 'mistralai/Mistral-7B-v0.1', config: MISTRAL_7B_CONFIG },
    }, ADMIN)
    expect(res.errors).toBeUndefined()
    expect(res.data.importModelConfig).toMatchObject({ id: 'gql-mistral', family: 'mistral', numKeyValueHeads: 8, maxPositionEmbeddings: 32768, paramsTotal: 7_241_732_096 })
    expect(res.data.importModelConfig.extra).toMatchObject({ sliding_window: 4096, model_type: 'mistral' })
    const { hidden_size: _h, ...broken } = MISTRAL_7B_CONFIG
    const bad = onlyError(await t.gql('mutation($input: ModelConfigImportInput!) { importModelConfig(input: $input) { id } }', { input: { id: 'gql-broken', name: 'x', config: broken } }, ADMIN))
    expect(bad.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: '/config/hidden_size' })
  })

  test('createGpu, updateGpu and appendPrice: the new price closes the previous one; both stay answerable by date', async () => {
    const created = await t.gql('mutation($input: GpuWriteInput!) { createGpu(id: "gql-acme-96", input: $input) { id memoryGiB version } }', { input: GPU }, ADMIN)
    expect(created.data.createGpu).toEqual({ id: 'gql-acme-96', memoryGiB: 96, version: 1 })
    const updated = await t.gql('mutation($input: GpuWriteInput!) { updateGpu(id: "gql-acme-96", expectedVersion: 1, input: $input) { memoryGiB version } }', { input: { ...GPU, memoryGiB: 128 } }, ADMIN)
    expect(updated.data.updateGpu).toEqual({ memoryGiB: 128, version: 2 })

    const APPEND = 'mutation($input: PriceInput!) { appendPrice(input: $input) { price { id provider usdPerGpuHour effectiveFrom effectiveTo gpu { id memoryGiB } } closed { id usdPerGpuHour effectiveTo } } }'
    const series = { gpuId: 'gql-acme-96', provider: 'Acme-Cloud', region: 'eu-test-1', pricingModel: 'ON_DEMAND' }
    const first = await t.gql(APPEND, { input: { ...series, usdPerGpuHour: 4.1, effectiveFrom: '2026-01-01' } }, ADMIN)
    expect(first.errors).toBeUndefined()
    expect(first.data.appendPrice).toMatchObject({
      price: { provider: 'acme-cloud', usdPerGpuHour: 4.1, effectiveFrom: '2026-01-01T00:00:00.000Z', effectiveTo: null, gpu: { id: 'gql-acme-96', memoryGiB: 128 } },
      closed: null,
    })
    const second = await t.gql(APPEND, { input: { ...series, usdPerGpuHour: 3.2, effectiveFrom: '2026-06-01T00:00:00Z' } }, ADMIN)
    expect(second.data.appendPrice.closed).toEqual({ id: first.data.appendPrice.price.id, usdPerGpuHour: 4.1, effectiveTo: '2026-06-01T00:00:00.000Z' })
    const PRICES = 'query($at: DateTime) { prices(gpuId: "gql-acme-96", at: $at) { edges { node { usdPerGpuHour } } } }'
    const at = async (date: string) => (await t.gql(PRICES, { at: date })).data.prices.edges.map((e: { node: { usdPerGpuHour: number } }) => e.node.usdPerGpuHour)
    expect(await at('2026-03-01')).toEqual([4.1])
    expect(await at('2026-07-01')).toEqual([3.2])
    expect(await at('2025-12-31')).toEqual([])
    const backdated = onlyError(await t.gql(APPEND, { input: { ...series, usdPerGpuHour: 1, effectiveFrom: '2026-03-01' } }, ADMIN))
    expect(backdated.extensions.code).toBe('PRICE_NOT_AFTER_LATEST')
    const badDate = await t.gql(PRICES, { at: '2026-02-30' })
    expect(badDate.status).toBe(400)
    expect(onlyError(badDate).extensions.code).toBe('VALIDATION_FAILED')
  })
})
