import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { sha256 } from '../../src/services/auth.service.ts'
import { QUIET_LIMITS } from '../helpers/app.ts'
import { ENGINES } from '../helpers/databases.ts'
import { ADMIN_KEY, asAdmin, startApiApp, type ApiTestApp } from './api-test-app.ts'

/** meta-llama/Llama-2-7b-hf as an inline spec. */
const LLAMA_2_7B = {
  name: 'Llama-2-7B', hiddenSize: 4096, intermediateSize: 11008, numLayers: 32, numAttentionHeads: 32,
  numKeyValueHeads: 32, vocabSize: 32000, tieWordEmbeddings: false,
}
const A100 = { name: 'A100 80GB', memoryGiB: 80, bf16Tflops: 312, memoryBandwidthTBps: 2.039 }
const LORA = { model: 'llama-2-7b', method: { type: 'lora' }, training: { microBatchSize: 1, sequenceLength: 2048 }, hardware: { gpu: 'a100-80gb' } }

describe.each(ENGINES)('estimates and planning on %s', (engine) => {
  let t: ApiTestApp
  beforeAll(async () => { t = await startApiApp(engine) })
  afterAll(async () => { await t?.close() })
  const post = (url: string, payload: object, key?: string) => t.call({ method: 'POST', url, payload, ...(key ? { key } : {}) })

  test('Llama-2-7B by catalog id: 6,738,415,616 parameters, LoRA r=16 on q,v trains 8,388,608', async () => {
    const res = await post('/v1/estimates', LORA)
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    // 32 layers × 2 modules × r (4096 + 4096) = 8,388,608.
    expect(body.parameters).toMatchObject({ total: 6_738_415_616, trainable: 8_388_608 })
    expect(body.memory.gpuCapacityBytes).toBe(80 * 2 ** 30)
    expect(body.resolved).toEqual({ modelId: 'llama-2-7b', modelName: 'Llama-2-7B', gpuId: 'a100-80gb', gpuName: 'NVIDIA A100 SXM4 80GB' })
    const perGpu = body.memory.perGpu
    expect(perGpu.totalBytes).toBe(perGpu.weightsBytes + perGpu.gradientsBytes + perGpu.optimizerBytes + perGpu.activationsBytes + perGpu.adaptersBytes + perGpu.overheadBytes)
  })

  test('every seeded model\'s parameter count through the API equals the catalog\'s computed count', async () => {
    const models = (await t.call({ method: 'GET', url: '/v1/models?limit=200' })).json().items as { id: string; paramsTotal: number }[]
    expect(models.length).toBeGreaterThan(20)
    for (const m of models) {
      const res = await post('/v1/estimates', { ...LORA, model: m.id })
      expect(res.json().parameters.total, m.id).toBe(m.paramsTotal)
    }
  })

  test('inline specs with an explicit price never touch the catalog; cost is GPU-hours × price', async () => {
    const spies = [vi.spyOn(t.app.catalog, 'getModel'), vi.spyOn(t.app.catalog, 'getGpu'), vi.spyOn(t.app.catalog, 'listPrices')]
    try {
      const res = await post('/v1/estimates', {
        model: LLAMA_2_7B, method: { type: 'qlora' }, training: { microBatchSize: 2, sequenceLength: 1024, datasetTokens: 10_000_000, epochs: 2 },
        hardware: { gpu: A100 }, pricing: { usdPerGpuHour: 2.5 },
      })
      expect(res.statusCode, res.body).toBe(200)
      const body = res.json()
      expect(body.parameters.total).toBe(6_738_415_616)
      expect(body.speed.trainingHours).toBeCloseTo(20_000_000 / body.speed.tokensPerSecond / 3600, 9)
      expect(body.cost.totalUsd).toBeCloseTo(body.speed.gpuHours * 2.5, 9)
      expect(body.pricesUsed).toEqual([{ source: 'request', usdPerGpuHour: 2.5, pricePointId: null, gpuId: null, provider: null, region: null, pricingModel: null, effectiveFrom: null }])
      for (const spy of spies) expect(spy).not.toHaveBeenCalled()
    } finally {
      for (const spy of spies) spy.mockRestore()
    }
  })

  test('catalog prices: provider and pricing model pick the price in effect; an unknown provider is a 404', async () => {
    const spot = await post('/v1/estimates', { ...LORA, hardware: { gpu: 'h100-sxm-80gb' }, pricing: { provider: 'AWS', pricingModel: 'spot' } })
    expect(spot.json().pricesUsed[0]).toMatchObject({ source: 'catalog', provider: 'aws', pricingModel: 'spot', usdPerGpuHour: 2.6242, region: 'us-east-1' })
    const unknown = await post('/v1/estimates', { ...LORA, pricing: { provider: 'nocloud' } })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toMatchObject({ code: 'ESTIMATE_PRICE_NOT_FOUND', errors: [{ field: '/pricing/provider' }] })
  })

  test.each([
    ['a bound', { training: { microBatchSize: 1, sequenceLength: 0 } }, '/training/sequenceLength', 'must be >= 1'],
    ['the contract maximum', { training: { microBatchSize: 1, sequenceLength: 1_048_577 } }, '/training/sequenceLength', 'must be <= 1048576'],
    ['an unknown field', { training: { microBatchSize: 1, sequenceLength: 8, sequencelength: 8 } }, '/training/sequencelength', 'must NOT have additional properties'],
    ['a missing field', { training: { microBatchSize: 1 } }, '/training/sequenceLength', "must have required property 'sequenceLength'"],
    ['an enum', { method: { type: 'dora' } }, '/method/type', 'must be equal to one of the allowed values: full, freeze, lora, qlora'],
    ['GQA heads', { model: { ...LLAMA_2_7B, numKeyValueHeads: 5 } }, '/model/numKeyValueHeads', 'must divide numAttentionHeads (32); 5 does not'],
    ['too many frozen layers', { method: { type: 'freeze', trainableLayers: 40 } }, '/method/trainableLayers', "must be at most the model's numLayers (32)"],
    ['quantization without qlora', { method: { type: 'lora', quantization: 'nf4' } }, '/method/quantization', 'applies only to method type qlora'],
    ['a rank for full fine-tuning', { method: { type: 'full', rank: 8 } }, '/method/rank', 'applies only to method types lora and qlora'],
    ['a GPU count', { hardware: { gpu: 'a100-80gb', count: 5000 } }, '/hardware/count', 'must be <= 4096'],
    ['parameter offload without sharding', { hardware: { gpu: 'a100-80gb', offload: 'optimizer-and-params' } }, '/hardware/offload', 'offloading parameters needs sharding zero3 or fsdp (DeepSpeed offload_param, FSDP cpu_offload)'],
  ])('400 naming the field: %s', async (_what, patch, field, message) => {
    const res = await post('/v1/estimates', { ...LORA, ...patch })
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toContain('application/problem+json')
    expect(res.json().errors).toContainEqual({ field, message })
  })

  test('an inline GPU missing fields: each named once, without the union\'s "must be string" noise — over REST and in the service', async () => {
    const body = { ...LORA, hardware: { gpu: { name: 'half a spec', memoryGiB: 80 } } }
    const expected = [
      { field: '/hardware/gpu/bf16Tflops', message: "must have required property 'bf16Tflops'" },
      { field: '/hardware/gpu/memoryBandwidthTBps', message: "must have required property 'memoryBandwidthTBps'" },
    ]
    expect((await post('/v1/estimates', body)).json().errors).toEqual(expected)
    // GraphQL and scripts call the service directly: it validates with the same schema.
    const direct = await t.app.estimates.estimate(body as never, { actor: { kind: 'anonymous' } }).catch((err: { status: number; errors: unknown }) => err)
    expect(direct).toMatchObject({ status: 400, errors: expected })
  })

  test('unknown catalog ids are 404s naming the id', async () => {
    const model = await post('/v1/estimates', { ...LORA, model: 'gpt-7' })
    expect(model.statusCode).toBe(404)
    expect(model.json()).toMatchObject({ code: 'ESTIMATE_MODEL_NOT_FOUND', detail: 'No model with id "gpt-7" in the catalog', errors: [{ field: '/model' }] })
    const gpu = await post('/v1/estimates', { ...LORA, hardware: { gpu: 'tpu-v9' } })
    expect(gpu.json()).toMatchObject({ code: 'ESTIMATE_GPU_NOT_FOUND', detail: 'No GPU with id "tpu-v9" in the catalog', errors: [{ field: '/hardware/gpu' }] })
  })

  test('an estimate whose counts pass 2^53 - 1 is a 400, not inexact numbers', async () => {
    // 1,024 layers × 4,096 experts × 3 × 65,536² ≈ 5.4e16 parameters; bf16 weights alone ≈ 1.1e17 bytes.
    const model = { hiddenSize: 65_536, intermediateSize: 1000, numLayers: 1024, numAttentionHeads: 512, numKeyValueHeads: 512, vocabSize: 1000, numExperts: 4096, expertsPerToken: 2, moeIntermediateSize: 65_536 }
    const res = await t.call({ method: 'POST', url: '/v1/estimates', payload: { model, method: { type: 'lora' }, training: { microBatchSize: 1, sequenceLength: 8 }, hardware: { gpu: 'a100-80gb' } } })
    expect(res.statusCode, res.body).toBe(400)
    expect(res.json().errors).toHaveLength(1)
    expect(res.json().errors[0]).toMatchObject({ field: '/' })
    expect(res.json().errors[0].message).toMatch(/more than 2\^53 - 1 \(9007199254740991\)/)
  })

  test('comparisons: four methods side by side; LoRA r=16 on all linear layers trains 39,976,960 of Llama-2-7B', async () => {
    const res = await post('/v1/comparisons', { model: 'llama-2-7b', training: { microBatchSize: 1, sequenceLength: 2048, datasetTokens: 50_000_000 }, hardware: { gpu: 'a100-80gb' } })
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    expect(body.rows.map((r: { method: string }) => r.method)).toEqual(['full', 'freeze', 'lora', 'qlora'])
    const lora = body.rows.find((r: { method: string }) => r.method === 'lora')
    // Per layer: q,k,v,o 4·16·(4096+4096) + gate,up 2·16·(4096+11008) + down 16·(11008+4096) = 1,249,280; × 32.
    expect(lora.parameters.trainable).toBe(39_976_960)
    expect(body.rows[0].parameters.trainable).toBe(6_738_415_616)
    expect(body.rows[0].memory.fits).toBe(false)
    expect(lora.costUsd).toBeCloseTo(lora.speed.gpuHours * 1.79, 9)
    const bad = await post('/v1/comparisons', { model: 'llama-2-7b', training: { microBatchSize: 1, sequenceLength: 2048 }, hardware: { gpu: 'a100-80gb' }, freeze: { trainableLayers: 33 } })
    expect(bad.json().errors).toEqual([{ field: '/freeze/trainableLayers', message: "must be at most the model's numLayers (32)" }])
  })

  test('recommendations: the advisor prices catalog GPUs at today\'s offers', async () => {
    const res = await post('/v1/recommendations', {
      model: 'llama-3.2-1b', goal: 'prototype', training: { sequenceLength: 1024, datasetTokens: 10_000_000 }, gpus: ['a100-80gb', 'l4'], limit: 5,
    })
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    expect(body.offersConsidered).toBeGreaterThan(0)
    expect(body.recommended).not.toBeNull()
    expect(['a100-80gb', 'l4']).toContain(body.recommended.gpuId)
    expect(body.options.length).toBeLessThanOrEqual(5)
    expect(body.recommended.costUsd).toBeCloseTo(body.recommended.gpuHours * body.recommended.usdPerGpuHour, 6)
    const unknown = await post('/v1/recommendations', { model: 'llama-3.2-1b', goal: 'prototype', training: { sequenceLength: 1024, datasetTokens: 1e7 }, gpus: ['a100-80gb', 'nope'] })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().errors).toEqual([{ field: '/gpus/1', message: '"nope" is not in the catalog' }])
  })

  test('serving: ten r=16 adapters over one base instead of ten copies', async () => {
    const res = await post('/v1/serving', { model: 'llama-2-7b', adapter: { rank: 16 }, tasks: 10, gpu: 'a100-80gb' })
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ baseParams: 6_738_415_616, adapterParams: 8_388_608, baseBytes: 2 * 6_738_415_616, adapterBytes: 2 * 8_388_608 })
    expect(body.storage.fullCopiesBytes).toBe(10 * 2 * 6_738_415_616)
    expect(body.storage.adaptersBytes).toBe(2 * 6_738_415_616 + 10 * 2 * 8_388_608)
    expect(body.modes.map((m: { mode: string }) => m.mode).sort()).toEqual(['batched-multi-lora', 'ensemble', 'hot-swap', 'merged'])
  })

  test('plans: staged LoRA then full sums its phases; a plan needs datasetTokens', async () => {
    const request = { model: 'llama-3.2-1b', method: { type: 'full' }, training: { microBatchSize: 4, sequenceLength: 1024, datasetTokens: 20_000_000 }, hardware: { gpu: 'a100-80gb' } }
    const res = await post('/v1/plans', { request, strategy: 'staged-lora-full', options: { loraShare: 0.25 } })
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    expect(body.phases.map((p: { method: string; trainingTokens: number }) => [p.method, p.trainingTokens])).toEqual([['lora', 5_000_000], ['full', 15_000_000]])
    expect(body.gpuHours).toBeCloseTo(body.phases[0].gpuHours + body.phases[1].gpuHours, 9)
    expect(body.peakMemoryBytes).toBe(Math.max(body.phases[0].peakMemoryBytes, body.phases[1].peakMemoryBytes))
    const { datasetTokens: _d, ...noTokens } = request.training
    const missing = await post('/v1/plans', { request: { ...request, training: noTokens }, strategy: 'dynamic-rank' })
    expect(missing.json().errors[0].field).toBe('/request/training/datasetTokens')
    const custom = await post('/v1/plans', { request, strategy: 'custom', phases: [{ name: 'top', method: { type: 'freeze', trainableLayers: 99 }, tokenShare: 1 }] })
    expect(custom.json().errors).toEqual([{ field: '/phases/0/method/trainableLayers', message: "must be at most the model's numLayers (16)" }])
  })

  test('inverse: the largest micro-batch fits and one more does not; the fewest GPUs for full 70B', async () => {
    const res = await post('/v1/estimates/inverse', { solveFor: 'microBatchSize', request: { ...LORA, training: { microBatchSize: 1, sequenceLength: 4096 } } })
    expect(res.statusCode, res.body).toBe(200)
    const { value, estimate } = res.json()
    expect(value).toBeGreaterThan(1)
    expect(estimate.memory.fits).toBe(true)
    const more = await post('/v1/estimates', { ...LORA, training: { microBatchSize: value + 1, sequenceLength: 4096 } })
    expect(more.json().memory.fits).toBe(false)
    const gpus = (await post('/v1/estimates/inverse', { solveFor: 'gpuCount', request: { ...LORA, model: 'llama-2-70b', method: { type: 'full' }, training: { microBatchSize: 1, sequenceLength: 2048, gradientCheckpointing: true } } })).json()
    expect(gpus.sharding).toBe('zero3')
    expect(gpus.estimate.memory.fits).toBe(true)
    const fewer = await post('/v1/estimates', { ...LORA, model: 'llama-2-70b', method: { type: 'full' }, training: { microBatchSize: 1, sequenceLength: 2048, gradientCheckpointing: true }, hardware: { gpu: 'a100-80gb', count: gpus.value - 1, sharding: 'zero3' } })
    expect(fewer.json().memory.fits).toBe(false)
  })

  test('API keys: created once in clear, stored as SHA-256, listed without secrets, revoked to 401', async () => {
    const created = await post('/v1/keys', { name: 'ci', role: 'editor' }, ADMIN_KEY)
    expect(created.statusCode, created.body).toBe(201)
    const { id, key, prefix } = created.json()
    expect(key.startsWith(prefix)).toBe(true)
    const row = await t.app.db.prisma.apiKey.findUnique({ where: { id } })
    expect(row?.keyHash).toBe(sha256(key))
    expect(JSON.stringify(row)).not.toContain(key)
    expect((await post('/v1/keys', { name: 'x', role: 'admin' }, key)).statusCode).toBe(403)
    const list = await t.call({ method: 'GET', url: '/v1/keys', ...asAdmin })
    expect(list.json().items.find((k: { id: string }) => k.id === id)).toMatchObject({ name: 'ci', role: 'editor', revokedAt: null })
    expect(list.body).not.toContain(key)
    expect(list.json().items.find((k: { id: string }) => k.id === id).lastUsedAt).not.toBeNull()
    expect((await t.call({ method: 'DELETE', url: `/v1/keys/${id}`, ...asAdmin })).json().revokedAt).not.toBeNull()
    const revoked = await post('/v1/estimates', LORA, key)
    expect(revoked.statusCode).toBe(401)
    expect(revoked.json().code).toBe('AUTH_INVALID_KEY')
    expect((await t.call({ method: 'GET', url: '/v1/keys' })).statusCode).toBe(401)
    expect((await t.call({ method: 'DELETE', url: '/v1/keys/nope', ...asAdmin })).statusCode).toBe(404)
    const admin = (await post('/v1/keys', { name: 'second admin', role: 'admin' }, ADMIN_KEY)).json()
    const self = await t.call({ method: 'DELETE', url: `/v1/keys/${admin.id}`, key: admin.key })
    expect(self.statusCode).toBe(409)
    expect(self.json().code).toBe('AUTH_SELF_REVOKE')
    const malformed = await t.call({ method: 'GET', url: '/v1/keys', headers: { authorization: 'Basic abc' } })
    expect(malformed.json().code).toBe('AUTH_INVALID_KEY')
  })

  test('REQUIRE_AUTH=true closes estimates and catalog reads to anonymous callers', async () => {
    const app = await buildApp(loadConfig({ ...QUIET_LIMITS, REQUIRE_AUTH: 'true', ADMIN_API_KEY: ADMIN_KEY }), { db: t.app.db, prepareDatabase: false, logger: false })
    try {
      const reader = (await t.app.auth.issue({ name: 'reader', role: 'reader' })).key
      const anonymous = await app.inject({ method: 'POST', url: '/v1/estimates', payload: LORA })
      expect(anonymous.statusCode).toBe(401)
      expect(anonymous.json().code).toBe('AUTH_REQUIRED')
      const withKey = await app.inject({ method: 'POST', url: '/v1/estimates', payload: LORA, headers: { authorization: `Bearer ${reader}` } })
      expect(withKey.statusCode).toBe(200)
      expect((await app.inject({ method: 'GET', url: '/v1/gpus' })).statusCode).toBe(401)
      expect((await app.inject({ method: 'GET', url: '/v1/gpus', headers: { authorization: `Bearer ${reader}` } })).statusCode).toBe(200)
    } finally {
      await app.close()
    }
  })
})
