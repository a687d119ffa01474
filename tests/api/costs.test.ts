// POST /v1/costs: the whole cost of a run, split into compute, checkpoint storage, data transfer
// and engineering time, checked against figures computed by hand from src/estimation/cost.ts's
// documented rates.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startApiApp, type ApiTestApp } from './api-test-app.ts'

const GIB = 2 ** 30
const LORA = { model: 'llama-2-7b', method: { type: 'lora' }, training: { microBatchSize: 1, sequenceLength: 2048 }, hardware: { gpu: 'a100-80gb', count: 2, sharding: 'ddp' } }

describe('run costs', () => {
  let t: ApiTestApp
  beforeAll(async () => { t = await startApiApp('pglite') })
  afterAll(async () => { await t?.close() })
  const post = (payload: object) => t.call({ method: 'POST', url: '/v1/costs', payload })

  test('LoRA r=16 on 2 GPUs for 10 h at $2: compute $40, a 16 MiB adapter stored and sent out, 5 engineering hours', async () => {
    const res = await post({ request: { ...LORA, pricing: { usdPerGpuHour: 2 } }, hours: 10, engineeringHours: 5 })
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    expect(body.hours).toBe(10)
    expect(body.gpuHours).toBe(20)
    // 8,388,608 trainable parameters × 2 bytes (bf16 safetensors).
    expect(body.checkpointBytes).toBe(16_777_216)
    const storage = (16_777_216 / GIB) * 1 * 1 * 0.023
    const transfer = (16_777_216 / GIB) * 0.09
    expect(body.breakdown).toMatchObject({ computeUsd: 40, engineeringUsd: 5 * 90.8 })
    expect(body.breakdown.storageUsd).toBeCloseTo(storage, 12)
    expect(body.breakdown.transferUsd).toBeCloseTo(transfer, 12)
    expect(body.breakdown.totalUsd).toBeCloseTo(40 + storage + transfer + 454, 9)
    expect(body.breakdown.shares.compute).toBeCloseTo(40 / body.breakdown.totalUsd, 12)
    expect(body.offers.length).toBeGreaterThan(1)
    expect(body.pricesUsed[0]).toMatchObject({ source: 'request', usdPerGpuHour: 2 })
    expect(body.assumptions[0]).toContain('$2/GPU-hour')
  })

  test('full fine-tuning stores whole model copies: 6,738,415,616 × 2 bytes, one per epoch, kept as long as asked', async () => {
    const res = await post({
      request: { ...LORA, method: { type: 'full' }, training: { ...LORA.training, epochs: 3 }, pricing: { usdPerGpuHour: 2 } },
      hours: 1, checkpoints: { retentionMonths: 2 }, rates: { storageUsdPerGbMonth: 0.02 },
    })
    const body = res.json()
    expect(body.checkpointBytes).toBe(13_476_831_232)
    expect(body.breakdown.storageUsd).toBeCloseTo((13_476_831_232 / GIB) * 3 * 2 * 0.02, 9)
    expect(body.breakdown.rates.storageUsdPerGbMonth).toBe(0.02)
  })

  test('by the catalog: the estimate\'s hours at the cheapest on-demand price, and every offer for the GPU, cheapest first', async () => {
    const request = { ...LORA, training: { ...LORA.training, datasetTokens: 20_000_000 } }
    const estimate = (await t.call({ method: 'POST', url: '/v1/estimates', payload: request })).json()
    const body = (await post({ request })).json()
    expect(body.hours).toBe(estimate.speed.trainingHours)
    expect(body.gpuHours).toBeCloseTo(estimate.speed.gpuHours, 12)
    expect(body.breakdown.computeUsd).toBeCloseTo(estimate.cost.totalUsd, 9)
    expect(body.pricesUsed).toEqual(estimate.pricesUsed)
    const prices = (await t.call({ method: 'GET', url: '/v1/prices?gpu=a100-80gb&limit=200' })).json().items as { usdPerGpuHour: number }[]
    expect(prices.length).toBeGreaterThan(1)
    expect(body.offers).toHaveLength(prices.length)
    const costs = body.offers.map((o: { computeUsd: number }) => o.computeUsd)
    expect(costs).toEqual([...costs].sort((a, b) => a - b))
    for (const o of body.offers) expect(o.computeUsd).toBeCloseTo(body.gpuHours * o.usdPerGpuHour, 9)
  })

  test('400 naming the field: hours are needed without datasetTokens; a bad request field is under /request', async () => {
    const noHours = await post({ request: LORA })
    expect(noHours.statusCode).toBe(400)
    expect(noHours.json().errors).toEqual([{ field: '/hours', message: 'is required when request.training has no datasetTokens' }])
    const bad = await post({ request: { ...LORA, hardware: { gpu: 'a100-80gb', count: 0 } }, hours: 1 })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().errors[0].field).toBe('/request/hardware/count')
  })
})
