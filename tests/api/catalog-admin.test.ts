import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { seedCatalog } from '../../src/db/seed.ts'
import { ENGINES } from '../helpers/databases.ts'
import { asAdmin, startApiApp, type ApiTestApp } from './api-test-app.ts'

/** meta-llama/Llama-2-7b-hf config.json, architecture fields as published. */
const LLAMA_2_7B = {
  name: 'Llama-2-7B (copy)', family: 'llama', hiddenSize: 4096, intermediateSize: 11008, numLayers: 32,
  numAttentionHeads: 32, numKeyValueHeads: 32, vocabSize: 32000, maxPositionEmbeddings: 4096,
}

/** mistralai/Mistral-7B-v0.1 config.json verbatim, fields the estimator ignores included. */
const MISTRAL_7B_CONFIG = {
  architectures: ['MistralForCausalLM'], bos_token_id: 1, eos_token_id: 2, hidden_act: 'silu', hidden_size: 4096,
  initializer_range: 0.02, intermediate_size: 14336, max_position_embeddings: 32768, model_type: 'mistral',
  num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 8, rms_norm_eps: 1e-05, rope_theta: 10000.0,
  sliding_window: 4096, tie_word_embeddings: false, torch_dtype: 'bfloat16', transformers_version: '4.34.0.dev0',
  use_cache: true, vocab_size: 32000,
}

/** Qwen/Qwen2.5-0.5B config.json (q/k/v biases implied by model_type qwen2, tied embeddings). */
const QWEN25_05B_CONFIG = {
  architectures: ['Qwen2ForCausalLM'], hidden_size: 896, intermediate_size: 4864, max_position_embeddings: 32768,
  model_type: 'qwen2', num_attention_heads: 14, num_hidden_layers: 24, num_key_value_heads: 2, rope_theta: 1000000.0,
  tie_word_embeddings: true, vocab_size: 151936,
}

const GPU = { name: 'Test Accelerator 96GB', vendor: 'Acme', memoryGiB: 96, memoryBandwidthTBps: 4, bf16Tflops: 500 }

describe.each(ENGINES)('catalog writes on %s', (engine) => {
  let t: ApiTestApp
  let editorKey: string
  beforeAll(async () => {
    t = await startApiApp(engine)
    editorKey = (await t.app.auth.issue({ name: 'editor', role: 'editor' })).key
  })
  afterAll(async () => { await t?.close() })

  test('creating a model needs an admin key: 401 without one, 403 with an editor key', async () => {
    const payload = { id: 'no-auth-model', ...LLAMA_2_7B }
    const anonymous = await t.call({ method: 'POST', url: '/v1/models', payload })
    expect(anonymous.statusCode).toBe(401)
    expect(anonymous.headers['content-type']).toContain('application/problem+json')
    expect(anonymous.json().code).toBe('AUTH_REQUIRED')
    const editor = await t.call({ method: 'POST', url: '/v1/models', payload, key: editorKey })
    expect(editor.statusCode).toBe(403)
    expect(editor.json().code).toBe('AUTH_FORBIDDEN')
    const badKey = await t.call({ method: 'POST', url: '/v1/models', payload, key: 'fte_not-a-key' })
    expect(badKey.statusCode).toBe(401)
    expect(badKey.json().code).toBe('AUTH_INVALID_KEY')
  })

  test('an admin creates a model; paramsTotal is computed, ETag is its version, estimates can use it', async () => {
    const res = await t.call({ method: 'POST', url: '/v1/models', payload: { id: 'llama-2-7b-copy', ...LLAMA_2_7B }, ...asAdmin })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.headers.etag).toBe('"1"')
    expect(res.headers.location).toBe('/v1/models/llama-2-7b-copy')
    expect(res.json()).toMatchObject({ id: 'llama-2-7b-copy', paramsTotal: 6_738_415_616, managedBy: 'admin', version: 1, tieWordEmbeddings: false })
    const get = await t.call({ method: 'GET', url: '/v1/models/llama-2-7b-copy' })
    expect(get.headers.etag).toBe('"1"')
    const estimate = await t.call({
      method: 'POST', url: '/v1/estimates',
      payload: { model: 'llama-2-7b-copy', method: { type: 'full' }, training: { microBatchSize: 1, sequenceLength: 512 }, hardware: { gpu: 'a100-80gb' } },
    })
    expect(estimate.json().parameters.total).toBe(6_738_415_616)
    const again = await t.call({ method: 'POST', url: '/v1/models', payload: { id: 'llama-2-7b-copy', ...LLAMA_2_7B }, ...asAdmin })
    expect(again.statusCode).toBe(409)
    expect(again.json().code).toBe('MODEL_ALREADY_EXISTS')
  })

  test('an inconsistent architecture is a 400 naming the field', async () => {
    const res = await t.call({ method: 'POST', url: '/v1/models', payload: { id: 'bad-gqa', ...LLAMA_2_7B, numKeyValueHeads: 5 }, ...asAdmin })
    expect(res.statusCode).toBe(400)
    expect(res.json().errors).toEqual([{ field: '/numKeyValueHeads', message: 'must divide numAttentionHeads (32); 5 does not' }])
    const unknown = await t.call({ method: 'POST', url: '/v1/models', payload: { id: 'typo', ...LLAMA_2_7B, hiddenSise: 1 }, ...asAdmin })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json().errors[0].field).toBe('/hiddenSise')
  })

  test('an architecture beyond 2^53 - 1 parameters is a 400: its count could not be carried exactly', async () => {
    // 1,024 layers × 4,096 experts × 3 × 65,536² ≈ 5.40e16 expert weights alone.
    const huge = { ...LLAMA_2_7B, hiddenSize: 65_536, numAttentionHeads: 512, numKeyValueHeads: 512, numLayers: 1024, numExperts: 4096, expertsPerToken: 2, moeIntermediateSize: 65_536 }
    const res = await t.call({ method: 'POST', url: '/v1/models', payload: { id: 'too-big', ...huge }, ...asAdmin })
    expect(res.statusCode, res.body).toBe(400)
    expect(res.json().errors).toHaveLength(1)
    expect(res.json().errors[0].field).toBe('/')
    expect(res.json().errors[0].message).toMatch(/^describes 5\.4\de\+16 parameters, more than 2\^53 - 1 \(9007199254740991\)/)
  })

  test('PUT needs If-Match: 428 without, 412 when stale, 200 with the current ETag', async () => {
    const url = '/v1/models/llama-2-7b'
    const body = { ...LLAMA_2_7B, name: 'Llama-2-7B (admin edit)' }
    const missing = await t.call({ method: 'PUT', url, payload: body, ...asAdmin })
    expect(missing.statusCode).toBe(428)
    expect(missing.json().code).toBe('PRECONDITION_REQUIRED')
    const stale = await t.call({ method: 'PUT', url, payload: body, headers: { 'if-match': '"7"' }, ...asAdmin })
    expect(stale.statusCode).toBe(412)
    expect(stale.json().code).toBe('PRECONDITION_FAILED')
    const ok = await t.call({ method: 'PUT', url, payload: body, headers: { 'if-match': '"1"' }, ...asAdmin })
    expect(ok.statusCode, ok.body).toBe(200)
    expect(ok.headers.etag).toBe('"2"')
    expect(ok.json()).toMatchObject({ name: 'Llama-2-7B (admin edit)', managedBy: 'admin', version: 2 })
    const replay = await t.call({ method: 'PUT', url, payload: body, headers: { 'if-match': '"1"' }, ...asAdmin })
    expect(replay.statusCode).toBe(412)
    // Re-seeding refreshes seed-managed rows but leaves admin-managed ones alone.
    await seedCatalog(t.app.db.prisma)
    t.app.catalog.invalidate()
    expect((await t.call({ method: 'GET', url })).json().name).toBe('Llama-2-7B (admin edit)')
    const unknown = await t.call({ method: 'PUT', url: '/v1/models/nope', payload: body, headers: { 'if-match': '"1"' }, ...asAdmin })
    expect(unknown.statusCode).toBe(404)
  })

  test('a config.json is imported as is; unknown fields are ignored, parameters match the published count', async () => {
    const mistral = await t.call({
      method: 'POST', url: '/v1/models/import', ...asAdmin,
      payload: { id: 'mistral-7b-imported', name: 'Mistral 7B (imported)', hfId: 'mistralai/Mistral-7B-v0.1', config: MISTRAL_7B_CONFIG },
    })
    expect(mistral.statusCode, mistral.body).toBe(201)
    expect(mistral.json()).toMatchObject({
      family: 'mistral', hiddenSize: 4096, intermediateSize: 14336, numKeyValueHeads: 8, maxPositionEmbeddings: 32768,
      paramsTotal: 7_241_732_096, sources: ['https://huggingface.co/mistralai/Mistral-7B-v0.1/blob/main/config.json'],
    })
    const qwen = await t.call({ method: 'POST', url: '/v1/models/import', ...asAdmin, payload: { id: 'qwen25-05b-imported', name: 'Qwen2.5-0.5B', config: QWEN25_05B_CONFIG } })
    expect(qwen.json()).toMatchObject({ family: 'qwen2', tieWordEmbeddings: true, paramsTotal: 494_032_768 })
  })

  test('a config.json missing required fields names each of them', async () => {
    const { hidden_size: _h, vocab_size: _v, ...config } = MISTRAL_7B_CONFIG
    const res = await t.call({ method: 'POST', url: '/v1/models/import', ...asAdmin, payload: { id: 'broken', name: 'x', config } })
    expect(res.statusCode).toBe(400)
    expect(res.json().errors).toEqual([
      { field: '/config/hidden_size', message: 'is required' },
      { field: '/config/vocab_size', message: 'is required' },
    ])
  })

  test('GPU create and update invalidate the cache: estimates see the new memory at once', async () => {
    const created = await t.call({ method: 'POST', url: '/v1/gpus', payload: { id: 'acme-96', ...GPU }, ...asAdmin })
    expect(created.statusCode, created.body).toBe(201)
    const estimate = () => t.call({
      method: 'POST', url: '/v1/estimates',
      payload: { model: 'llama-3.2-1b', method: { type: 'lora' }, training: { microBatchSize: 1, sequenceLength: 512 }, hardware: { gpu: 'acme-96' } },
    }).then((r) => r.json().memory.gpuCapacityBytes)
    expect(await estimate()).toBe(96 * 2 ** 30)
    const updated = await t.call({ method: 'PUT', url: '/v1/gpus/acme-96', payload: { ...GPU, memoryGiB: 128 }, headers: { 'if-match': created.headers.etag as string }, ...asAdmin })
    expect(updated.statusCode, updated.body).toBe(200)
    expect(await estimate()).toBe(128 * 2 ** 30)
  })

  test('a new price closes the previous one of its series; both stay answerable by date', async () => {
    const series = { gpuId: 'a100-80gb', provider: 'AWS', region: 'eu-test-1', pricingModel: 'on-demand', instanceType: 'p4de.test' }
    const first = await t.call({ method: 'POST', url: '/v1/prices', ...asAdmin, payload: { ...series, usdPerGpuHour: 4.1, effectiveFrom: '2026-01-01T00:00:00Z' } })
    expect(first.statusCode, first.body).toBe(201)
    expect(first.json()).toMatchObject({ price: { provider: 'aws', usdPerGpuHour: 4.1, effectiveTo: null }, closed: null })
    const second = await t.call({ method: 'POST', url: '/v1/prices', ...asAdmin, payload: { ...series, usdPerGpuHour: 3.2, effectiveFrom: '2026-06-01T00:00:00Z' } })
    expect(second.statusCode).toBe(201)
    expect(second.json().closed).toMatchObject({ id: first.json().price.id, usdPerGpuHour: 4.1, effectiveTo: '2026-06-01T00:00:00.000Z' })
    const at = (date: string) => t.call({ method: 'GET', url: `/v1/prices?gpu=a100-80gb&region=eu-test-1&at=${date}` }).then((r) => r.json().items.map((p: { usdPerGpuHour: number }) => p.usdPerGpuHour))
    expect(await at('2026-03-01')).toEqual([4.1])
    expect(await at('2026-07-01')).toEqual([3.2])
    const backdated = await t.call({ method: 'POST', url: '/v1/prices', ...asAdmin, payload: { ...series, usdPerGpuHour: 1, effectiveFrom: '2026-03-01T00:00:00Z' } })
    expect(backdated.statusCode).toBe(409)
    expect(backdated.json().code).toBe('PRICE_NOT_AFTER_LATEST')
    const unknownGpu = await t.call({ method: 'POST', url: '/v1/prices', ...asAdmin, payload: { ...series, gpuId: 'no-such-gpu', usdPerGpuHour: 1 } })
    expect(unknownGpu.statusCode).toBe(404)
    expect(unknownGpu.json().detail).toContain('no-such-gpu')
  })

  test('concurrent appends to one series leave one open price and no overlapping intervals', async () => {
    const series = { gpuId: 'l4', provider: 'racecloud', region: 'r1', pricingModel: 'spot' }
    const months = ['01', '02', '03', '04', '05', '06', '07', '08']
    const results = await Promise.all(months.map((m, i) => t.call({
      method: 'POST', url: '/v1/prices', ...asAdmin,
      payload: { ...series, usdPerGpuHour: 1 + i / 10, effectiveFrom: `2026-${m}-01T00:00:00Z` },
    })))
    // Whatever the order they ran in: each either appended after the latest or was refused.
    expect(results.every((r) => r.statusCode === 201 || (r.statusCode === 409 && r.json().code === 'PRICE_NOT_AFTER_LATEST'))).toBe(true)
    const rows = await t.app.db.prisma.pricePoint.findMany({ where: { provider: 'racecloud' }, orderBy: { effectiveFrom: 'asc' } })
    expect(rows.length).toBe(results.filter((r) => r.statusCode === 201).length)
    expect(rows.filter((r) => r.effectiveTo === null)).toHaveLength(1)
    expect(rows.at(-1)!.effectiveTo).toBeNull()
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.effectiveTo).toEqual(rows[i]!.effectiveFrom)
  })
})
