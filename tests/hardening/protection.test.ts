// The protective layer over every route: request ids, security headers, CORS, rate limits, body
// and time limits, load shedding, readiness while draining, metrics. One PostgreSQL database,
// migrated and seeded once, under several apps configured differently.
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { isPressureReading } from '../../src/plugins/protection.plugin.ts'
import { createDb, type Db } from '../../src/db/client.ts'
import { migrate } from '../../src/db/migrator.ts'
import { seedIfEmpty } from '../../src/db/seed.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts'
import { ADMIN_KEY, INLINE_ESTIMATE, asAdmin } from './fixtures.ts'

let database: TestDatabase
let db: Db
const apps: FastifyInstance[] = []

beforeAll(async () => {
  database = await createTestDatabase()
  db = await createDb({ databaseUrl: database.url })
  await migrate(db)
  await seedIfEmpty(db.prisma)
})
afterAll(async () => {
  for (const app of apps) await app.close()
  await db.close()
  await database.drop()
})

/** An app over the shared database; `extend` adds test-only routes before it starts. */
async function start(env: Record<string, string> = {}, extend?: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = await buildApp(loadConfig({ ADMIN_API_KEY: ADMIN_KEY, ...env }), { db, logger: false, prepareDatabase: false })
  extend?.(app)
  await app.ready()
  apps.push(app)
  return app
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('defaults', () => {
  let app: FastifyInstance
  beforeAll(async () => {
    app = await start({}, (a) => {
      a.get('/v1/test-failure', async () => { throw new Error('secret internals at /srv/app.ts:42') })
    })
  })

  it('gives every response a request id, keeps a safe incoming one and replaces an unsafe one', async () => {
    const generated = await app.inject({ url: '/health/live' })
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    const kept = await app.inject({ url: '/health/live', headers: { 'x-request-id': 'lb-7f3a.42' } })
    expect(kept.headers['x-request-id']).toBe('lb-7f3a.42')
    const forged = await app.inject({ url: '/health/live', headers: { 'x-request-id': 'x"}\u0000{"level":60' } })
    expect(forged.headers['x-request-id']).not.toContain('level')
    expect(forged.headers['x-request-id']).toHaveLength(36)
  })

  it('sends strict security headers on the API and a CSP Swagger UI can run under on /docs', async () => {
    const api = await app.inject({ url: '/health/live' })
    expect(api.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'")
    expect(api.headers['x-content-type-options']).toBe('nosniff')
    expect(api.headers['strict-transport-security']).toMatch(/max-age=\d+/)
    expect(api.headers['x-frame-options']).toBe('SAMEORIGIN')
    const entry = await app.inject({ url: '/docs' })
    const docs = entry.statusCode === 302 ? await app.inject({ url: new URL(entry.headers.location!, 'http://x/docs/').pathname }) : entry
    expect(docs.statusCode).toBe(200)
    expect(docs.body).toContain('swagger-ui')
    expect(docs.headers['content-security-policy']).toContain("style-src 'self' 'unsafe-inline'")
    expect(docs.headers['content-security-policy']).toContain("script-src 'self'")
  })

  it('answers no CORS headers when CORS_ORIGINS is unset', async () => {
    const res = await app.inject({ method: 'OPTIONS', url: '/v1/models', headers: { origin: 'https://dash.example', 'access-control-request-method': 'GET' } })
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('hides the message and stack of an unexpected error', async () => {
    const res = await app.inject({ url: '/v1/test-failure' })
    expect(res.statusCode).toBe(500)
    expect(res.headers['content-type']).toContain('application/problem+json')
    expect(res.json()).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' })
    expect(res.body).not.toMatch(/secret internals|app\.ts|stack/)
  })

  it('refuses GraphQL documents that are too deep, too aliased or too costly, naming the limit', async () => {
    const askOf = (target: FastifyInstance) => async (query: string) =>
      (await target.inject({ method: 'POST', url: '/graphql', payload: { query } })).json() as { errors?: { extensions?: { code?: string } }[] }
    const ask = askOf(app)
    // Cheap but deep: only the depth limit can refuse it.
    const shallow = await start({ GRAPHQL_MAX_DEPTH: '2' })
    expect((await askOf(shallow)('{ gpus(first: 1) { edges { node { id } } } }')).errors?.[0]?.extensions?.code).toBe('QUERY_TOO_DEEP')
    expect((await askOf(shallow)('{ gpu(id: "a100-80gb") { id } }')).errors).toBeUndefined()
    const aliased = `{ ${Array.from({ length: 31 }, (_, i) => `g${i}: gpu(id: "a100-80gb") { id }`).join(' ')} }`
    expect((await ask(aliased)).errors?.[0]?.extensions?.code).toBe('QUERY_TOO_MANY_ALIASES')
    const costly = '{ gpus(first: 200) { edges { node { prices { gpu { prices { id } } } } } } }'
    expect((await ask(costly)).errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY')
    const fine = await ask('{ gpus(first: 2) { edges { node { id } } } }')
    expect(fine.errors).toBeUndefined()
  })

  it('fails readiness while draining, liveness stays up', async () => {
    const other = await start()
    expect((await other.inject({ url: '/health/ready' })).statusCode).toBe(200)
    other.drain()
    const ready = await other.inject({ url: '/health/ready' })
    expect(ready.statusCode).toBe(503)
    expect(ready.json()).toEqual({ status: 'unavailable' })
    expect((await other.inject({ url: '/health/live' })).statusCode).toBe(200)
  })

  it('exposes Prometheus metrics: latency by route, estimates by method, cache hits and misses, pool, event-loop lag', async () => {
    const fresh = await start()
    expect((await fresh.inject({ method: 'POST', url: '/v1/estimates', payload: INLINE_ESTIMATE })).statusCode).toBe(200)
    expect((await fresh.inject({ method: 'POST', url: '/v1/estimates', payload: { ...INLINE_ESTIMATE, method: { type: 'qlora' } } })).statusCode).toBe(200)
    // The service sees requests before validating them: an unknown method type is refused and mints no series.
    await expect(fresh.estimates.estimate({ ...INLINE_ESTIMATE, method: { type: 'bogus' } } as never, { actor: { kind: 'anonymous' } })).rejects.toMatchObject({ status: 400 })
    await fresh.inject({ url: '/v1/models?limit=1' })
    await fresh.inject({ url: '/v1/models?limit=1' })
    await fresh.inject({ url: '/v1/models/no-such-model' })
    const res = await fresh.inject({ url: '/metrics' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('text/plain')
    const text = res.body
    expect(text).toMatch(/^http_request_duration_seconds_bucket\{le="0\.05",method="POST",route="\/v1\/estimates",status_code="200"\} 2$/m)
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/v1\/models\/:id",status_code="404"\} 1$/m)
    expect(text).toMatch(/^estimates_total\{method="lora",outcome="ok"\} 1$/m)
    expect(text).toMatch(/^estimates_total\{method="qlora",outcome="ok"\} 1$/m)
    expect(text).toMatch(/^estimates_total\{method="unknown",outcome="error"\} 1$/m)
    expect(text).not.toMatch(/bogus/)
    // First read loads (miss), the next two are served from memory (hits).
    expect(text).toMatch(/^catalog_cache_lookups_total\{entity="models",result="miss"\} 1$/m)
    expect(text).toMatch(/^catalog_cache_lookups_total\{entity="models",result="hit"\} 2$/m)
    expect(text).toMatch(/^db_pool_connections\{state="total"\} \d+$/m)
    expect(text).toMatch(/^db_pool_connections\{state="waiting"\} 0$/m)
    expect(text).toMatch(/^db_available 1$/m)
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m)
  })
})

describe('limits', () => {
  it('rate-limits per key or IP with 429 problem+json and Retry-After; probes are exempt', async () => {
    const app = await start({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' })
    for (let i = 0; i < 3; i++) expect((await app.inject({ url: '/v1/gpus?limit=1' })).statusCode).toBe(200)
    const limited = await app.inject({ url: '/v1/gpus?limit=1' })
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['content-type']).toContain('application/problem+json')
    expect(limited.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' })
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60)
    // Another caller (the admin key) has its own budget; probes and metrics are never limited.
    expect((await app.inject({ url: '/v1/gpus?limit=1', headers: asAdmin })).statusCode).toBe(200)
    expect((await app.inject({ url: '/health/live' })).statusCode).toBe(200)
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(200)
  })

  it('limits API key guessing per IP before authentication; callers without a key are unaffected', async () => {
    // RATE_LIMIT_MAX 20 → at least 10 rejected keys per window.
    const app = await start({ RATE_LIMIT_MAX: '20' })
    const guess = (i: number) => app.inject({ url: '/v1/gpus?limit=1', headers: { authorization: `Bearer fte_guess${i}` } })
    for (let i = 0; i < 10; i++) expect((await guess(i)).statusCode).toBe(401)
    const limited = await guess(10)
    expect(limited.statusCode).toBe(429)
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED', detail: expect.stringContaining('rejected API keys') })
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect((await app.inject({ url: '/v1/gpus?limit=1' })).statusCode).toBe(200)
  })

  it('rejects a body over BODY_LIMIT_BYTES with 413 problem+json', async () => {
    const app = await start({ BODY_LIMIT_BYTES: '1024' })
    const res = await app.inject({ method: 'POST', url: '/v1/estimates', payload: { ...INLINE_ESTIMATE, model: { ...INLINE_ESTIMATE.model, name: 'x'.repeat(2000) } } })
    expect(res.statusCode).toBe(413)
    expect(res.headers['content-type']).toContain('application/problem+json')
    expect(res.json()).toMatchObject({ status: 413 })
  })

  it('answers a handler that outlives HANDLER_TIMEOUT_MS with 503 REQUEST_TIMEOUT and Retry-After', async () => {
    const app = await start({ HANDLER_TIMEOUT_MS: '100' }, (a) => {
      a.get('/v1/test-slow', async () => { await sleep(1_000); return { late: true } })
    })
    const started = Date.now()
    const res = await app.inject({ url: '/v1/test-slow' })
    expect(Date.now() - started).toBeLessThan(900)
    expect(res.statusCode).toBe(503)
    expect(res.json()).toMatchObject({ status: 503, code: 'REQUEST_TIMEOUT' })
    expect(res.headers['retry-after']).toBe('5')
  })

  it('sheds load under memory pressure with 503 OVERLOADED and Retry-After; probes still answer', async () => {
    // A 1-byte heap ceiling is always exceeded once the first sample is taken (every second).
    const app = await start({ PRESSURE_MAX_HEAP_BYTES: '1' })
    let res = await app.inject({ url: '/v1/gpus?limit=1' })
    for (let i = 0; i < 30 && res.statusCode !== 503; i++) {
      await sleep(100)
      res = await app.inject({ url: '/v1/gpus?limit=1' })
    }
    expect(res.statusCode).toBe(503)
    expect(res.headers['content-type']).toContain('application/problem+json')
    expect(res.json()).toMatchObject({ status: 503, code: 'OVERLOADED' })
    expect(res.headers['retry-after']).toBe('5')
    expect((await app.inject({ url: '/health/live' })).statusCode).toBe(200)
  })
})

describe('load shedding readings', () => {
  it('an event-loop histogram that has not ticked twice is no reading, so it sheds nothing; a measured stall still does', () => {
    // The premise, in Node itself: a loop busy from the moment the histogram is enabled leaves it
    // empty, and under-pressure turns the empty mean (NaN) into an Infinity delay.
    const histogram = monitorEventLoopDelay({ resolution: 10 })
    histogram.enable()
    const until = performance.now() + 50
    while (performance.now() < until) { /* the app's synchronous start */ }
    expect(histogram.count).toBe(0)
    expect(Number.isNaN(histogram.mean)).toBe(true)
    histogram.disable()

    expect(isPressureReading('eventLoopDelay', Number.POSITIVE_INFINITY)).toBe(false)
    expect(isPressureReading('eventLoopDelay', 1_500)).toBe(true)
    expect(isPressureReading('heapUsedBytes', 2 ** 31)).toBe(true)
  })
})

describe('CORS', () => {
  it('allows the configured dashboards every method the API uses, and no one else', async () => {
    const app = await start({ CORS_ORIGINS: 'https://dash.example, https://finops.example' })
    const preflight = await app.inject({
      method: 'OPTIONS', url: '/v1/gpus/a100-80gb',
      headers: { origin: 'https://finops.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,if-match,content-type' },
    })
    expect(preflight.statusCode).toBe(204)
    expect(preflight.headers['access-control-allow-origin']).toBe('https://finops.example')
    expect(String(preflight.headers['access-control-allow-methods']).split(/,\s*/)).toEqual(expect.arrayContaining(['PUT', 'PATCH', 'DELETE', 'POST']))
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('if-match')
    const simple = await app.inject({ url: '/v1/gpus?limit=1', headers: { origin: 'https://dash.example' } })
    expect(simple.headers['access-control-allow-origin']).toBe('https://dash.example')
    expect(String(simple.headers['access-control-expose-headers'])).toContain('x-request-id')
    const stranger = await app.inject({ url: '/v1/gpus?limit=1', headers: { origin: 'https://evil.example' } })
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined()
  })
})
