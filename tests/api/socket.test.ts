// One pass over a real TCP socket (supertest), where app.inject would hide header, compression
// and keep-alive behaviour: an estimate, the CSV report's headers, and the Swagger UI served from
// local assets (no CDN).
import request from 'supertest'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startApiApp, type ApiTestApp } from './api-test-app.ts'

let t: ApiTestApp
beforeAll(async () => {
  t = await startApiApp('pglite')
  await t.app.listen({ port: 0, host: '127.0.0.1' })
})
afterAll(async () => { await t?.close() })

test('POST /v1/estimates over a socket', async () => {
  const res = await request(t.app.server)
    .post('/v1/estimates')
    .send({ model: 'llama-2-7b', method: { type: 'lora' }, training: { microBatchSize: 1, sequenceLength: 2048 }, hardware: { gpu: 'a100-80gb' } })
    .expect('content-type', /application\/json/)
    .expect(200)
  expect(res.body.parameters.total).toBe(6_738_415_616)
})

test('a bad body over a socket is problem+json naming the field', async () => {
  const res = await request(t.app.server)
    .post('/v1/estimates')
    .send({ model: 'llama-2-7b', method: { type: 'lora' }, training: { microBatchSize: 0, sequenceLength: 2048 }, hardware: { gpu: 'a100-80gb' } })
    .expect('content-type', /application\/problem\+json/)
    .expect(400)
  expect(res.body.errors).toContainEqual({ field: '/training/microBatchSize', message: 'must be >= 1' })
})

test('the cost report downloads as CSV', async () => {
  const res = await request(t.app.server).get('/v1/reports/costs?groupBy=month').set('accept', 'text/csv').expect(200)
  expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
  expect(res.headers['content-disposition']).toBe('attachment; filename="costs-by-month.csv"')
  expect(res.text.split('\r\n')[0]).toMatch(/^BillingCurrency,ChargePeriodStart,ChargePeriodEnd,/)
})

test('Swagger UI at /docs with its assets served locally', async () => {
  const page = await request(t.app.server).get('/docs/').expect(200)
  expect(page.text).not.toMatch(/https?:\/\/(unpkg|cdn|cdnjs)/)
  const assets = [...page.text.matchAll(/(?:src|href)="\.?\/?(static\/[^"]+)"/g)].map((m) => m[1]!)
  expect(assets.length).toBeGreaterThan(0)
  for (const asset of assets) await request(t.app.server).get(`/docs/${asset}`).expect(200)
  const spec = await request(t.app.server).get('/docs/json').expect(200)
  expect(spec.body.paths['/v1/estimates'].post.tags).toEqual(['estimates'])
})
