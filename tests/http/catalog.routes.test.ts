import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeSharedPglite } from '../helpers/pglite.ts'
import { buildTestApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
beforeAll(async () => { t = await buildTestApp() })
afterAll(async () => {
  await t.close()
  await closeSharedPglite()
})

const get = async (url: string) => {
  const response = await t.app.inject({ method: 'GET', url })
  return { status: response.statusCode, type: response.headers['content-type'], body: response.json() }
}

describe('GET /v1/models', () => {
  it('pages through every seeded model in id order', async () => {
    const ids: string[] = []
    let url = '/v1/models?limit=12'
    for (;;) {
      const { status, body } = await get(url)
      expect(status).toBe(200)
      ids.push(...body.items.map((m: { id: string }) => m.id))
      if (!body.nextCursor) break
      url = `/v1/models?limit=12&cursor=${encodeURIComponent(body.nextCursor)}`
    }
    expect(ids).toHaveLength(32)
    expect(ids).toEqual([...ids].sort())
  })

  it('returns one model with its architecture, counts as numbers and dates as ISO strings', async () => {
    const { status, body } = await get('/v1/models/llama-3.1-8b')
    expect(status).toBe(200)
    expect(body).toMatchObject({
      id: 'llama-3.1-8b', hiddenSize: 4096, intermediateSize: 14336, numLayers: 32, numAttentionHeads: 32,
      numKeyValueHeads: 8, vocabSize: 128256, license: 'llama3.1', family: 'llama',
    })
    expect(body.paramsTotal).toBe(8030261248)
    expect(body.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  })

  it('answers an unknown id with 404 problem+json naming the id', async () => {
    const { status, type, body } = await get('/v1/models/llama-9-1t')
    expect(status).toBe(404)
    expect(type).toMatch(/^application\/problem\+json/)
    expect(body).toEqual({
      type: '/problems/model-not-found', title: 'Not Found', status: 404, code: 'MODEL_NOT_FOUND',
      detail: 'No model with id "llama-9-1t"', instance: '/v1/models/llama-9-1t', errors: [],
    })
  })

  it('rejects a page size over 200 with 400 naming the field', async () => {
    const { status, body } = await get('/v1/models?limit=500')
    expect(status).toBe(400)
    expect(body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: '/limit', message: 'must be <= 200' }] })
  })
})

describe('GET /v1/gpus', () => {
  it('lists all 16 GPUs on one page', async () => {
    const { body } = await get('/v1/gpus?limit=200')
    expect(body.items).toHaveLength(16)
    expect(body.nextCursor).toBeNull()
  })

  it('returns a GPU spec by id', async () => {
    const { body } = await get('/v1/gpus/a100-80gb')
    expect(body).toMatchObject({ name: 'NVIDIA A100 SXM4 80GB', memoryGiB: 80, memoryBandwidthTBps: 2.039, bf16Tflops: 312 })
  })

  it('404s an unknown GPU', async () => {
    const { status, body } = await get('/v1/gpus/a100-81gb')
    expect([status, body.code, body.detail]).toEqual([404, 'GPU_NOT_FOUND', 'No gpu with id "a100-81gb"'])
  })
})

describe('GET /v1/prices', () => {
  it('filters by GPU and provider (any case) and returns the current prices', async () => {
    const { body } = await get('/v1/prices?gpu=h100-sxm-80gb&provider=AWS')
    const prices = body.items.map((p: { pricingModel: string; usdPerGpuHour: number }) => [p.pricingModel, p.usdPerGpuHour]).sort()
    expect(prices).toEqual([['on-demand', 12.29], ['spot', 2.6242]])
  })

  it('returns nothing for a date before the snapshot took effect', async () => {
    const { status, body } = await get('/v1/prices?gpu=h100-sxm-80gb&at=2024-06-01')
    expect(status).toBe(200)
    expect(body.items).toEqual([])
  })

  it.each([
    ['at=2025-02-30', '/at', 'must be a valid date (YYYY-MM-DD) or ISO 8601 date-time'],
    ['at=yesterday', '/at', 'must match pattern'],
    ['pricingModel=cheap', '/pricingModel', 'must be equal to one of the allowed values: on-demand, spot, reserved'],
    ['limit=0', '/limit', 'must be >= 1'],
  ])('rejects %s with 400 naming %s', async (query, field, message) => {
    const { status, type, body } = await get(`/v1/prices?${query}`)
    expect(status).toBe(400)
    expect(type).toMatch(/^application\/problem\+json/)
    expect(body.code).toBe('VALIDATION_FAILED')
    expect(body.errors[0].field).toBe(field)
    expect(body.errors[0].message).toContain(message)
  })
})
