// Two replicas (two apps) on one PostgreSQL: a catalog change made through one is served by the
// other within 2 s, by LISTEN/NOTIFY when its listener is up and by the version poll otherwise.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts'
import { asAdmin, startPgApp, type PgApp } from './fixtures.ts'

let database: TestDatabase
const started: PgApp[] = []

beforeAll(async () => {
  database = await createTestDatabase()
  started.push(await startPgApp(database.url)) // migrates and seeds
})
afterAll(async () => {
  for (const replica of started) await replica.close()
  await database.drop()
})

async function replica(env: Record<string, string>): Promise<PgApp> {
  const app = await startPgApp(database.url, env)
  started.push(app)
  return app
}

/** Polls `read` until `done` holds; returns the milliseconds it took, or fails after 2 s. */
async function msUntil<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<number> {
  const start = performance.now()
  for (;;) {
    if (done(await read())) return performance.now() - start
    if (performance.now() - start > 2_000) throw new Error('not seen within 2 s')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Changes a100-80gb's memory through `writer` (If-Match with the version read there). */
async function setA100Memory(writer: PgApp, memoryGiB: number): Promise<void> {
  const current = await writer.app.inject({ url: '/v1/gpus/a100-80gb' })
  const { id: _id, version: _v, managedBy: _m, createdAt: _c, updatedAt: _u, ...fields } = current.json()
  const body = Object.fromEntries(Object.entries({ ...fields, memoryGiB }).filter(([, value]) => value !== null))
  const res = await writer.app.inject({ method: 'PUT', url: '/v1/gpus/a100-80gb', headers: { ...asAdmin, 'if-match': current.headers.etag as string }, payload: body })
  expect(res.statusCode, res.body).toBe(200)
}

const memoryOn = (reader: PgApp) => async () => (await reader.app.inject({ url: '/v1/gpus/a100-80gb' })).json().memoryGiB as number

it('a GPU change through one replica reaches the other\'s cache by NOTIFY, long before its poll', async () => {
  // A one-minute poll: only the notification can explain a change seen within 2 s.
  const [a, b] = [await replica({ CATALOG_VERSION_TTL_MS: '60000' }), await replica({ CATALOG_VERSION_TTL_MS: '60000' })]
  expect(b.app.catalogSync?.listening).toBe(true)
  expect(await memoryOn(b)()).toBe(80) // cached on b now
  await setA100Memory(a, 81)
  expect(await msUntil(memoryOn(b), (gib) => gib === 81)).toBeLessThan(2_000)
  await setA100Memory(b, 80)
  expect(await msUntil(memoryOn(a), (gib) => gib === 80)).toBeLessThan(2_000)
})

it('without a listener the version poll alone brings the change within 2 s', async () => {
  // No DATABASE_URL in the config: the replica cannot LISTEN, only poll (every 200 ms here).
  const a = await replica({})
  const b = await replica({ DATABASE_URL: '' })
  expect(b.app.catalogSync?.listening).toBe(false)
  expect(await memoryOn(b)()).toBe(80)
  await setA100Memory(a, 79)
  expect(await msUntil(memoryOn(b), (gib) => gib === 79)).toBeLessThan(2_000)
})

it('a price appended through one replica is what the other prices estimates with', async () => {
  const [a, b] = [await replica({}), await replica({})]
  const estimate = () => b.app.inject({
    method: 'POST', url: '/v1/estimates',
    payload: {
      model: 'llama-2-7b', method: { type: 'lora' }, training: { microBatchSize: 1, sequenceLength: 2048, datasetTokens: 10_000_000 },
      hardware: { gpu: 'a100-80gb' }, pricing: { provider: 'replica-cloud', region: 'eu-test-1' },
    },
  })
  expect((await estimate()).statusCode).toBe(404) // no price from that provider yet
  const appended = await a.app.inject({
    method: 'POST', url: '/v1/prices', headers: asAdmin,
    payload: { gpuId: 'a100-80gb', provider: 'replica-cloud', region: 'eu-test-1', pricingModel: 'on-demand', usdPerGpuHour: 1.23, sources: ['test'] },
  })
  expect(appended.statusCode, appended.body).toBe(201)
  expect(await msUntil(estimate, (res) => res.statusCode === 200)).toBeLessThan(2_000)
  const used = (await estimate()).json().pricesUsed
  expect(used[0]).toMatchObject({ provider: 'replica-cloud', usdPerGpuHour: 1.23 })
})
