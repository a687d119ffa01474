// The typed client (clients/typescript) against the real service over a socket: an estimate, a
// sweep, a scenario created with Idempotency-Key and updated with If-Match, and the cost report as CSV.
// Its generated types must match the committed OpenAPI document.
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { generateClientTypes } from '../../clients/typescript/generate.ts'
import {
  createEstimatorClient, EstimatorApiError, unwrap, type EstimateRequest, type EstimatorClient,
} from '../../clients/typescript/index.ts'
import { ADMIN_KEY, startApiApp, type ApiTestApp } from '../api/api-test-app.ts'

const LORA_7B: EstimateRequest = {
  model: 'llama-2-7b',
  method: { type: 'lora', rank: 16 },
  training: { microBatchSize: 4, sequenceLength: 2048, datasetTokens: 100_000_000 },
  hardware: { gpu: 'a100-80gb' },
}

let t: ApiTestApp
let api: EstimatorClient
let editor: EstimatorClient
beforeAll(async () => {
  t = await startApiApp('pglite')
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  const baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/`
  api = createEstimatorClient({ baseUrl })
  editor = createEstimatorClient({ baseUrl, apiKey: ADMIN_KEY })
})
afterAll(async () => { await t?.close() })

test('clients/typescript/schema.ts is what openapi-typescript makes of openapi/openapi.json (run `npm run openapi`)', async () => {
  const document = readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')
  const committed = readFileSync(new URL('../../clients/typescript/schema.ts', import.meta.url), 'utf8')
  expect(committed === await generateClientTypes(document), 'clients/typescript/schema.ts is stale: run `npm run openapi`').toBe(true)
})

test('an estimate through the client is the service\'s own answer', async () => {
  const estimate = await unwrap(api.POST('/v1/estimates', { body: LORA_7B }))
  const direct = await t.call({ method: 'POST', url: '/v1/estimates', payload: LORA_7B })
  expect(estimate).toEqual(direct.json())
  expect(estimate.parameters.total).toBe(6_738_415_616)
  expect(estimate.resolved).toMatchObject({ modelId: 'llama-2-7b', gpuId: 'a100-80gb' })
})

test('a sweep through the client: each point is the estimate at that value, and the largest that fits', async () => {
  const values = [512, 2048, 8192, 32768]
  const sweep = await unwrap(api.POST('/v1/estimates/sweep', { body: { request: LORA_7B, vary: { field: 'training.sequenceLength', values } } }))
  expect(sweep.field).toBe('training.sequenceLength')
  expect(sweep.points.map((p) => p.value)).toEqual(values)
  for (const point of sweep.points) {
    const one = await unwrap(api.POST('/v1/estimates', { body: { ...LORA_7B, training: { ...LORA_7B.training, sequenceLength: point.value } } }))
    expect(point.totalBytes).toBe(one.memory.perGpu.totalBytes)
    expect(point.fits).toBe(one.memory.fits)
  }
  const fitting = sweep.points.filter((p) => p.fits).map((p) => p.value)
  expect(sweep.largestFitting).toBe(fitting.length > 0 ? Math.max(...fitting) : null)
})

test('a bad request throws EstimatorApiError carrying the problem details', async () => {
  const bad = { ...LORA_7B, training: { ...LORA_7B.training, microBatchSize: 0 } }
  const error = await unwrap(api.POST('/v1/estimates', { body: bad })).catch((err: unknown) => err)
  expect(error).toBeInstanceOf(EstimatorApiError)
  expect((error as EstimatorApiError).status).toBe(400)
  expect((error as EstimatorApiError).problem?.errors).toContainEqual({ field: '/training/microBatchSize', message: 'must be >= 1' })
})

test('scenario: created with Idempotency-Key (a retry replays it), updated with If-Match (a stale one is a 412)', async () => {
  const body = { name: 'client test', team: 'platform', request: LORA_7B }
  const params = { header: { 'idempotency-key': 'typed-client-1' } }
  const created = await editor.POST('/v1/scenarios', { body, params })
  expect(created.response.status).toBe(201)
  const retry = await editor.POST('/v1/scenarios', { body, params })
  expect(retry.response.headers.get('idempotent-replayed')).toBe('true')
  expect(retry.data?.id).toBe(created.data?.id)
  const id = created.data!.id
  const etag = created.response.headers.get('etag')!
  expect(etag).toBe('"1"')

  const updated = await unwrap(editor.PATCH('/v1/scenarios/{id}', { params: { path: { id }, header: { 'if-match': etag } }, body: { team: 'search' } }))
  expect(updated).toMatchObject({ id, team: 'search', version: 2 })
  const stale = await editor.PATCH('/v1/scenarios/{id}', { params: { path: { id }, header: { 'if-match': etag } }, body: { team: 'x' } })
  expect(stale.response.status).toBe(412)
  expect(stale.error).toMatchObject({ status: 412 })

  const read = await unwrap(api.GET('/v1/scenarios/{id}', { params: { path: { id } } }))
  expect(read.team).toBe('search')
})

test('the cost report as CSV through the client', async () => {
  const { data, response } = await api.GET('/v1/reports/costs', { params: { query: { groupBy: 'team', format: 'csv' } }, parseAs: 'text' })
  expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8')
  const [header, ...rows] = (data as string).trim().split('\r\n')
  expect(header).toMatch(/^BillingCurrency,ChargePeriodStart,ChargePeriodEnd,/)
  // The one scenario, now in team "search" (the update above), is one row.
  expect(rows).toHaveLength(1)
  expect(rows[0]).toContain('search')
})
