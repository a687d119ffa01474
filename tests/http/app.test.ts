import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.ts'
import { closeSharedPglite } from '../helpers/pglite.ts'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
  // Routes that fail the ways a handler can: a bug, and a malformed body.
  t.app.get('/test/boom', async () => { throw new Error('password=hunter2 leaked in an internal message') })
  t.app.post('/test/body', {
    schema: { body: { type: 'object', required: ['training'], properties: { training: { type: 'object', properties: { sequenceLength: { type: 'integer', minimum: 1 } } } } } },
  }, async () => ({ ok: true }))
})
afterAll(async () => {
  await t.close()
  await closeSharedPglite()
})

describe('health', () => {
  it('is live', async () => {
    const response = await t.app.inject('/health/live')
    expect([response.statusCode, response.json()]).toEqual([200, { status: 'ok' }])
  })

  it('is ready when the database answers and every migration is applied, 503 otherwise', async () => {
    const ready = await t.app.inject('/health/ready')
    expect([ready.statusCode, ready.json()]).toEqual([200, { status: 'ok', checks: { database: true, migrations: true } }])
    const [row] = await t.db.query<{ id: string }>('SELECT id FROM "_prisma_migrations"')
    await t.db.query(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE id = $1`, [row!.id])
    try {
      const notReady = await t.app.inject('/health/ready')
      expect([notReady.statusCode, notReady.json()]).toEqual([503, { status: 'unavailable', checks: { database: true, migrations: false } }])
    } finally {
      await t.db.query(`UPDATE "_prisma_migrations" SET rolled_back_at = NULL WHERE id = $1`, [row!.id])
    }
  })
})

describe('errors as problem+json', () => {
  it('404s an unknown route', async () => {
    const response = await t.app.inject('/v2/nothing?x=1')
    expect(response.statusCode).toBe(404)
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(response.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND', detail: 'No route GET /v2/nothing', instance: '/v2/nothing?x=1' })
  })

  it('hides the message and stack of an unexpected error', async () => {
    const response = await t.app.inject('/test/boom')
    expect(response.statusCode).toBe(500)
    expect(response.json()).toEqual({
      type: '/problems/internal-error', title: 'Internal Server Error', status: 500, code: 'INTERNAL_ERROR',
      detail: 'An unexpected error occurred; it has been logged', instance: '/test/boom', errors: [],
    })
    expect(response.body).not.toContain('hunter2')
  })

  it('names a nested body field as a JSON pointer', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/test/body', payload: { training: { sequenceLength: 0 } } })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      detail: '/training/sequenceLength must be >= 1',
      errors: [{ field: '/training/sequenceLength', message: 'must be >= 1' }],
    })
  })

  it('names a missing required field', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/test/body', payload: {} })
    expect(response.json().errors).toEqual([{ field: '/training', message: "must have required property 'training'" }])
  })

  it('answers malformed JSON with 400 problem+json', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/test/body', payload: '{"training":', headers: { 'content-type': 'application/json' } })
    expect(response.statusCode).toBe(400)
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
  })
})

describe('OpenAPI', () => {
  it('publishes an OpenAPI 3.1.0 document with the catalog routes, and the UI at /docs', async () => {
    const spec = (await t.app.inject('/docs/json')).json()
    expect(spec.openapi).toBe('3.1.0')
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/models', '/v1/models/{id}', '/v1/gpus', '/v1/gpus/{id}', '/v1/prices', '/health/ready']))
    expect(spec.paths['/v1/prices'].get.tags).toEqual(['catalog'])
    const ui = await t.app.inject('/docs/')
    expect(ui.statusCode).toBe(200)
    expect(ui.headers['content-type']).toMatch(/text\/html/)
  })
})
