// Authentication and roles come before the input is read: on every route that needs a role, a
// caller without a key gets 401 and a key without the role 403, whatever it sent (an invalid body,
// malformed JSON, a wrong content type); only a caller with the role learns the input is wrong
// (400 naming the field). The routes are the OpenAPI operations marked `security`, so a new
// protected route without its access declared fails here.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startApiApp, asAdmin, type ApiTestApp } from '../api/api-test-app.ts'

type Role = 'editor' | 'admin'
interface Probe {
  role: Role
  /** A request its role holder gets a 400 for (naming `field`), or where a route takes no input it can get wrong, `status`. */
  url: string
  payload?: unknown
  field?: string
  status?: number
}

/** Every protected operation, the role it needs and an invalid request for it. */
const PROTECTED: Record<string, Probe> = {
  'POST /v1/models': { role: 'admin', url: '/v1/models', payload: { id: 'm', name: 'M', hiddenSize: 'wide' }, field: '/hiddenSize' },
  'POST /v1/models/import': { role: 'admin', url: '/v1/models/import', payload: { id: 'm', name: 'M', config: 'not an object' }, field: '/config' },
  'PUT /v1/models/{id}': { role: 'admin', url: '/v1/models/llama-2-7b', payload: { name: 'M', hiddenSize: -1 }, field: '/hiddenSize' },
  'POST /v1/gpus': { role: 'admin', url: '/v1/gpus', payload: { id: 'g', name: 'G', memoryGiB: 'lots' }, field: '/memoryGiB' },
  'PUT /v1/gpus/{id}': { role: 'admin', url: '/v1/gpus/a100-80gb', payload: { name: 'G', memoryGiB: -80 }, field: '/memoryGiB' },
  'POST /v1/prices': { role: 'admin', url: '/v1/prices', payload: { gpuId: 'a100-80gb', usdPerGpuHour: 'cheap' }, field: '/usdPerGpuHour' },
  'POST /v1/keys': { role: 'admin', url: '/v1/keys', payload: { name: 'k', role: 'superuser' }, field: '/role' },
  'GET /v1/keys': { role: 'admin', url: '/v1/keys', status: 200 },
  // An id longer than the router's 100 characters never reaches a route (414), so the route's own
  // params schema cannot fail: the role holder gets to the lookup.
  'DELETE /v1/keys/{id}': { role: 'admin', url: '/v1/keys/no-such-key', status: 404 },
  'POST /v1/scenarios': { role: 'editor', url: '/v1/scenarios', payload: { name: 's', request: { model: 'llama-2-7b', method: { type: 'sideways' } } }, field: '/request/method/type' },
  'PATCH /v1/scenarios/{id}': { role: 'editor', url: '/v1/scenarios/some-id', payload: { name: 'n', bogus: 1 }, field: '/bogus' },
  'DELETE /v1/scenarios/{id}': { role: 'editor', url: '/v1/scenarios/no-such-scenario', status: 404 },
}

const methodOf = (operation: string) => operation.split(' ')[0] as 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

interface OpenApi { paths: Record<string, Record<string, { security?: unknown[] }>> }

const operationsOf = (t: ApiTestApp) => Object.entries((t.app.swagger() as unknown as OpenApi).paths)
  .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, path, method: method.toUpperCase(), op })))

describe('routes that need a role', () => {
  let t: ApiTestApp
  const keys: Record<'reader' | 'editor' | 'admin', string> = { reader: '', editor: '', admin: asAdmin.key }
  beforeAll(async () => {
    t = await startApiApp('pglite')
    keys.reader = (await t.app.auth.issue({ name: 'reader', role: 'reader' })).key
    keys.editor = (await t.app.auth.issue({ name: 'editor', role: 'editor' })).key
  })
  afterAll(async () => { await t?.close() })

  test('are exactly the operations the OpenAPI document marks `security`', () => {
    const secured = operationsOf(t).filter(({ op }) => op.security !== undefined).map(({ id }) => id)
    expect(secured.sort()).toEqual(Object.keys(PROTECTED).sort())
  })

  test.each(Object.entries(PROTECTED))('%s: 401 without a key, 403 without the role, then 400 for the role holder', async (operation, probe) => {
    const request = { method: methodOf(operation), url: probe.url, ...(probe.payload === undefined ? {} : { payload: probe.payload as object }) }
    const anonymous = await t.call(request)
    expect(anonymous.statusCode, anonymous.body).toBe(401)
    expect(anonymous.json()).toMatchObject({ code: 'AUTH_REQUIRED', errors: [] })
    const tooLow = probe.role === 'admin' ? ['reader', 'editor'] as const : ['reader'] as const
    for (const role of tooLow) {
      const refused = await t.call({ ...request, key: keys[role] })
      expect(refused.statusCode, `${role}: ${refused.body}`).toBe(403)
      expect(refused.json()).toMatchObject({ code: 'AUTH_FORBIDDEN', detail: `This operation needs role ${probe.role}; the key has role ${role}` })
    }
    const allowed = await t.call({ ...request, key: keys[probe.role] })
    if (probe.field === undefined) {
      expect(allowed.statusCode, allowed.body).toBe(probe.status)
    } else {
      expect(allowed.statusCode, allowed.body).toBe(400)
      expect(allowed.json().code).toBe('VALIDATION_FAILED')
      expect(allowed.json().errors.map((e: { field: string }) => e.field)).toContain(probe.field)
    }
  })

  test('the body is not even parsed for a caller without the role: malformed JSON and a wrong content type get 401/403', async () => {
    const malformed = { method: 'POST' as const, url: '/v1/scenarios', headers: { 'content-type': 'application/json' }, payload: '{"name": ' }
    expect((await t.call(malformed)).statusCode).toBe(401)
    expect((await t.call({ ...malformed, key: keys.reader })).statusCode).toBe(403)
    const parsed = await t.call({ ...malformed, key: keys.editor })
    expect(parsed.statusCode).toBe(400)
    expect(parsed.json().code).not.toMatch(/^AUTH_/)
    const text = { method: 'POST' as const, url: '/v1/models', headers: { 'content-type': 'application/xml' }, payload: '<model/>' }
    expect((await t.call(text)).statusCode).toBe(401)
    expect((await t.call({ ...text, key: keys.editor })).statusCode).toBe(403)
    expect((await t.call({ ...text, key: keys.admin })).statusCode).toBe(415)
  })

  test('an invalid key is still 401 AUTH_INVALID_KEY, before anything else', async () => {
    const res = await t.call({ method: 'POST', url: '/v1/keys', payload: { role: 'superuser' }, key: 'fte_not-a-real-key' })
    expect(res.statusCode).toBe(401)
    expect(res.json().code).toBe('AUTH_INVALID_KEY')
  })

  test('open routes still answer 400 to anyone for bad input while REQUIRE_AUTH is off', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/models?limit=0' })
    expect(res.statusCode).toBe(400)
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain('/limit')
  })
})

describe('REQUIRE_AUTH=true: every /v1 route checks the key first', () => {
  let t: ApiTestApp
  let readerKey = ''
  beforeAll(async () => {
    t = await startApiApp('pglite', { REQUIRE_AUTH: 'true' })
    readerKey = (await t.app.auth.issue({ name: 'reader', role: 'reader' })).key
  })
  afterAll(async () => { await t?.close() })

  test('anonymous requests with invalid input get 401; a reader then gets the 400 (or the 404 of an unknown id)', async () => {
    const operations = operationsOf(t).filter(({ path }) => path.startsWith('/v1/'))
    expect(operations.length).toBeGreaterThan(25)
    const readerStatuses: Record<string, number> = {}
    for (const { id, path, method } of operations) {
      const url = `${path.replace(/\{[^}]+\}/g, 'no-such-id')}?limit=-1&bogus=1`
      const request = { method: method as 'GET', url, ...(method === 'GET' || method === 'DELETE' ? {} : { payload: { bogus: true } }) }
      const anonymous = await t.call(request)
      expect(anonymous.statusCode, `${id}: ${anonymous.body}`).toBe(401)
      expect(anonymous.json().code, id).toBe('AUTH_REQUIRED')
      readerStatuses[id] = (await t.call({ ...request, key: readerKey })).statusCode
    }
    const expected = Object.fromEntries(operations.map(({ id, path }) => [id, PROTECTED[id] ? 403 : path.includes('{') && !id.startsWith('PUT') && !id.startsWith('PATCH') ? 404 : 400]))
    expect(readerStatuses).toEqual(expected)
  })
})
