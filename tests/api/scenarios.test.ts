import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ENGINES } from '../helpers/databases.ts'
import { asAdmin, startApiApp, type ApiTestApp } from './api-test-app.ts'

const LORA_7B = {
  model: 'llama-2-7b',
  method: { type: 'lora', rank: 16 },
  training: { microBatchSize: 4, sequenceLength: 2048, datasetTokens: 100_000_000 },
  hardware: { gpu: 'a100-80gb' },
}

describe.each(ENGINES)('/v1/scenarios on %s', (engine) => {
  let t: ApiTestApp
  let editor: { key: string }
  let reader: { key: string }
  beforeAll(async () => {
    t = await startApiApp(engine)
    editor = { key: (await t.app.auth.issue({ name: 'alice', role: 'editor' })).key }
    reader = { key: (await t.app.auth.issue({ name: 'bob', role: 'reader' })).key }
  })
  afterAll(async () => { await t?.close() })

  const create = (payload: object, extra: { key?: string; headers?: Record<string, string> } = editor) =>
    t.call({ method: 'POST', url: '/v1/scenarios', payload, ...extra })

  test('creating stores request, result and prices used; the owner defaults to the key name', async () => {
    const res = await create({ name: 'support bot', team: 'ml-platform', project: 'support', request: LORA_7B })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.headers.etag).toBe('"1"')
    const s = res.json()
    expect(res.headers.location).toBe(`/v1/scenarios/${s.id}`)
    expect(s).toMatchObject({ name: 'support bot', owner: 'alice', team: 'ml-platform', modelId: 'llama-2-7b', modelName: 'Llama-2-7B', method: 'lora', gpuCount: 1, version: 1 })
    expect(s.result.parameters.total).toBe(6_738_415_616)
    expect(s.request).toEqual(LORA_7B)
    // The cheapest on-demand A100 80GB of the seed catalog is Lambda's, $1.79/GPU-hour.
    expect(s.pricesUsed).toHaveLength(1)
    expect(s.pricesUsed[0]).toMatchObject({ source: 'catalog', provider: 'lambda', pricingModel: 'on-demand', usdPerGpuHour: 1.79 })
    expect(s.gpuHours).toBeCloseTo(s.result.speed.gpuHours, 9)
    expect(s.computeCostUsd).toBeCloseTo(s.gpuHours * 1.79, 9)
    expect(s.listCostUsd).toBeCloseTo(s.computeCostUsd, 9)
    expect(s.totalCostUsd).toBeGreaterThan(s.computeCostUsd)
  })

  test('writes need an editor: 401 anonymous, 403 reader', async () => {
    const body = { name: 'x', request: LORA_7B }
    expect((await create(body, {})).json().code).toBe('AUTH_REQUIRED')
    const res = await create(body, reader)
    expect(res.statusCode).toBe(403)
    expect(res.json().code).toBe('AUTH_FORBIDDEN')
  })

  test('a bad request inside the body is a 400 naming the nested field; an unknown model a 404 naming it', async () => {
    const bad = await create({ name: 'x', request: { ...LORA_7B, training: { ...LORA_7B.training, sequenceLength: 0 } } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().errors).toContainEqual({ field: '/request/training/sequenceLength', message: 'must be >= 1' })
    const unknown = await create({ name: 'x', request: { ...LORA_7B, model: 'llama-9-1b' } })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toMatchObject({ code: 'ESTIMATE_MODEL_NOT_FOUND', errors: [{ field: '/request/model' }] })
    expect(unknown.json().detail).toContain('llama-9-1b')
  })

  test('Idempotency-Key: a retry returns the first scenario, another body under the key is a 422', async () => {
    const headers = { 'idempotency-key': 'create-42' }
    const body = { name: 'idempotent', team: 'search', request: LORA_7B }
    const first = await create(body, { ...editor, headers })
    const retry = await create({ request: LORA_7B, team: 'search', name: 'idempotent' }, { ...editor, headers })
    expect(retry.statusCode).toBe(201)
    expect(retry.headers['idempotent-replayed']).toBe('true')
    expect(retry.json().id).toBe(first.json().id)
    const reused = await create({ ...body, name: 'something else' }, { ...editor, headers })
    expect(reused.statusCode).toBe(422)
    expect(reused.json().code).toBe('IDEMPOTENCY_KEY_REUSED')
    const list = await t.call({ method: 'GET', url: '/v1/scenarios?team=search' })
    expect(list.json().items).toHaveLength(1)
  })

  test('Idempotency-Key: concurrent retries create one scenario', async () => {
    const headers = { 'idempotency-key': 'burst-1' }
    const body = { name: 'burst', team: 'burst', request: LORA_7B }
    const results = await Promise.all(Array.from({ length: 4 }, () => create(body, { ...editor, headers })))
    expect(results.map((r) => r.statusCode)).toEqual([201, 201, 201, 201])
    expect(new Set(results.map((r) => r.json().id)).size).toBe(1)
    expect(results.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(3)
    expect((await t.call({ method: 'GET', url: '/v1/scenarios?team=burst' })).json().items).toHaveLength(1)
    // Keys are per caller: another key may use the same one for its own scenario.
    const other = await create(body, { key: (await t.app.auth.issue({ name: 'carol', role: 'editor' })).key, headers })
    expect(other.headers['idempotent-replayed']).toBeUndefined()
    expect(other.json().id).not.toBe(results[0]!.json().id)
  })

  test('get, unknown id 404 naming it', async () => {
    const { id } = (await create({ name: 'to read', request: LORA_7B })).json()
    const got = await t.call({ method: 'GET', url: `/v1/scenarios/${id}` })
    expect(got.statusCode).toBe(200)
    expect(got.headers.etag).toBe('"1"')
    const missing = await t.call({ method: 'GET', url: '/v1/scenarios/00000000-0000-0000-0000-000000000000' })
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toMatchObject({ code: 'SCENARIO_NOT_FOUND', detail: 'No scenario with id "00000000-0000-0000-0000-000000000000"' })
  })

  test('list filters by team, project, owner, model, method and date; the cursor pages without repeats', async () => {
    for (const [i, method] of (['full', 'qlora', 'qlora'] as const).entries()) {
      const request = { ...LORA_7B, model: 'llama-3.2-1b', method: { type: method } }
      expect((await create({ name: `filter ${i}`, team: 'filters', project: `p${i % 2}`, request })).statusCode).toBe(201)
    }
    const names = async (query: string) =>
      (await t.call({ method: 'GET', url: `/v1/scenarios?${query}` })).json().items.map((s: { name: string }) => s.name)
    expect(await names('team=filters')).toEqual(['filter 2', 'filter 1', 'filter 0'])
    expect(await names('team=filters&method=qlora&project=p0')).toEqual(['filter 2'])
    expect(await names('team=filters&model=llama-3.2-1b&owner=alice')).toHaveLength(3)
    expect(await names('team=filters&model=llama-2-7b')).toEqual([])
    expect(await names('team=filters&from=2000-01-01&to=2100-01-01')).toHaveLength(3)
    expect(await names('team=filters&from=2100-01-01')).toEqual([])
    const page1 = (await t.call({ method: 'GET', url: '/v1/scenarios?team=filters&limit=2' })).json()
    const page2 = (await t.call({ method: 'GET', url: `/v1/scenarios?team=filters&limit=2&cursor=${page1.nextCursor}` })).json()
    expect([...page1.items, ...page2.items].map((s: { name: string }) => s.name)).toEqual(['filter 2', 'filter 1', 'filter 0'])
    expect(page2.nextCursor).toBeNull()
    const badCursor = await t.call({ method: 'GET', url: '/v1/scenarios?cursor=nonsense' })
    expect(badCursor.statusCode).toBe(400)
    expect(badCursor.json().errors[0].field).toBe('/cursor')
    const badDate = await t.call({ method: 'GET', url: '/v1/scenarios?from=2026-02-30' })
    expect(badDate.statusCode).toBe(400)
  })

  test('update needs If-Match (428, 412); a new request is recomputed', async () => {
    const { id } = (await create({ name: 'to edit', request: LORA_7B })).json()
    const url = `/v1/scenarios/${id}`
    const empty = await t.call({ method: 'PATCH', url, payload: {}, headers: { 'if-match': '"1"' }, ...editor })
    expect(empty.statusCode).toBe(400)
    const missing = await t.call({ method: 'PATCH', url, payload: { name: 'renamed' }, ...editor })
    expect(missing.statusCode).toBe(428)
    const stale = await t.call({ method: 'PATCH', url, payload: { name: 'renamed' }, headers: { 'if-match': '"9"' }, ...editor })
    expect(stale.statusCode).toBe(412)
    const renamed = await t.call({ method: 'PATCH', url, payload: { name: 'renamed', team: 'infra' }, headers: { 'if-match': '"1"' }, ...editor })
    expect(renamed.statusCode, renamed.body).toBe(200)
    expect(renamed.headers.etag).toBe('"2"')
    expect(renamed.json()).toMatchObject({ name: 'renamed', team: 'infra', version: 2 })
    const doubled = { ...LORA_7B, training: { ...LORA_7B.training, datasetTokens: 200_000_000 } }
    const recomputed = await t.call({ method: 'PATCH', url, payload: { request: doubled }, headers: { 'if-match': '"2"' }, ...editor })
    expect(recomputed.statusCode).toBe(200)
    // Twice the tokens at the same speed: twice the GPU-hours and compute cost.
    expect(recomputed.json().gpuHours).toBeCloseTo(2 * renamed.json().gpuHours, 9)
    expect(recomputed.json().computeCostUsd).toBeCloseTo(2 * renamed.json().computeCostUsd, 9)
  })

  test('delete is soft: gone from reads, still in the table', async () => {
    const { id } = (await create({ name: 'to delete', team: 'deleted', request: LORA_7B })).json()
    expect((await t.call({ method: 'DELETE', url: `/v1/scenarios/${id}`, ...reader })).statusCode).toBe(403)
    expect((await t.call({ method: 'DELETE', url: `/v1/scenarios/${id}`, ...editor })).statusCode).toBe(204)
    expect((await t.call({ method: 'GET', url: `/v1/scenarios/${id}` })).statusCode).toBe(404)
    expect((await t.call({ method: 'GET', url: '/v1/scenarios?team=deleted' })).json().items).toEqual([])
    expect((await t.call({ method: 'DELETE', url: `/v1/scenarios/${id}`, ...editor })).statusCode).toBe(404)
    const row = await t.app.db.prisma.scenario.findUnique({ where: { id } })
    expect(row?.deletedAt).toBeInstanceOf(Date)
  })

  test('reprice runs the same request against today\'s prices and reports the delta', async () => {
    const series = { gpuId: 'a100-80gb', provider: 'repricecloud', region: 'r1', pricingModel: 'on-demand' }
    await t.call({ method: 'POST', url: '/v1/prices', payload: { ...series, usdPerGpuHour: 2, effectiveFrom: '2026-01-01T00:00:00Z' }, ...asAdmin })
    const request = { ...LORA_7B, pricing: { provider: 'repricecloud' } }
    const stored = (await create({ name: 'reprice me', request })).json()
    expect(stored.computeCostUsd).toBeCloseTo(stored.gpuHours * 2, 9)
    // A price cut published later, effective before today.
    await t.call({ method: 'POST', url: '/v1/prices', payload: { ...series, usdPerGpuHour: 1.5, effectiveFrom: '2026-06-01T00:00:00Z' }, ...asAdmin })
    const res = await t.call({ method: 'POST', url: `/v1/scenarios/${stored.id}/reprice` })
    expect(res.statusCode, res.body).toBe(200)
    const r = res.json()
    expect(r.before).toMatchObject({ usdPerGpuHour: 2, computeCostUsd: stored.computeCostUsd })
    expect(r.after.usdPerGpuHour).toBe(1.5)
    expect(r.delta.computeCostUsd).toBeCloseTo(-0.5 * stored.gpuHours, 9)
    // Storage and transfer do not depend on the GPU price, so the total moves by the compute delta.
    expect(r.delta.totalCostUsd).toBeCloseTo(r.delta.computeCostUsd, 9)
    expect(r.delta.percent).toBeCloseTo((100 * r.delta.totalCostUsd) / stored.totalCostUsd, 9)
    // Nothing is saved.
    expect((await t.call({ method: 'GET', url: `/v1/scenarios/${stored.id}` })).json().computeCostUsd).toBe(stored.computeCostUsd)
  })

  test('compare puts scenarios side by side and names the cheapest and fastest', async () => {
    const a = (await create({ name: 'cmp lora', request: LORA_7B })).json()
    const b = (await create({ name: 'cmp qlora', request: { ...LORA_7B, method: { type: 'qlora' } } })).json()
    const res = await t.call({ method: 'POST', url: '/v1/scenarios/compare', payload: { ids: [b.id, a.id] } })
    expect(res.statusCode, res.body).toBe(200)
    const c = res.json()
    expect(c.items.map((i: { name: string }) => i.name)).toEqual(['cmp qlora', 'cmp lora'])
    expect(c.items[1]).toMatchObject({ method: 'lora', memoryPerGpuBytes: a.result.memory.perGpu.totalBytes, totalCostUsd: a.totalCostUsd })
    const cheaper = a.totalCostUsd < b.totalCostUsd ? a : b
    expect(c.cheapestId).toBe(cheaper.id)
    const faster = a.result.speed.trainingHours < b.result.speed.trainingHours ? a : b
    expect(c.fastestId).toBe(faster.id)
    const missing = await t.call({ method: 'POST', url: '/v1/scenarios/compare', payload: { ids: [a.id, 'nope'] } })
    expect(missing.statusCode).toBe(404)
    expect(missing.json().errors).toEqual([{ field: '/ids/1', message: '"nope" does not exist' }])
  })
})
