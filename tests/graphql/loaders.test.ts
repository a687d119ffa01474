// Relations resolve through loaders: however many parents a page lists, each relation costs one
// batched read. Queries are counted where they leave for the database (PGlite's query, pg's
// Pool.query), per table, so a per-row lookup anywhere on the path would show up as N queries.
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { systemContext } from '../../src/services/context.ts'
import { ENGINES, type Engine } from '../helpers/databases.ts'
import { sharedPglite } from '../helpers/pglite.ts'
import { startGraphqlApp, type GraphqlTestApp } from './graphql-test-app.ts'

const TABLES = ['scenarios', 'models', 'gpus', 'price_points'] as const
type Counts = Record<(typeof TABLES)[number], number>

async function spyOnQueries(engine: Engine) {
  return engine === 'pglite' ? vi.spyOn(await sharedPglite(), 'query') : vi.spyOn(pg.Pool.prototype, 'query')
}

describe.each(ENGINES)('no N+1 on %s', (engine) => {
  let t: GraphqlTestApp

  /** Runs a query with a cold catalog cache and counts the statements that touched each table. */
  async function counted(query: string): Promise<{ counts: Counts; data: Record<string, unknown> }> {
    t.app.catalog.invalidate()
    const spy = await spyOnQueries(engine)
    try {
      const res = await t.gql(query)
      expect(res.errors).toBeUndefined()
      const sql = spy.mock.calls.map(([first]) => (typeof first === 'string' ? first : String((first as { text?: string }).text)))
      const counts = Object.fromEntries(TABLES.map((table) => [table, sql.filter((s) => s.includes(`"${table}"`)).length])) as Counts
      return { counts, data: res.data }
    } finally {
      spy.mockRestore()
    }
  }

  beforeAll(async () => {
    t = await startGraphqlApp(engine)
    const models = ['llama-3.2-1b', 'llama-3.2-3b', 'qwen2.5-0.5b', 'qwen2.5-1.5b', 'gemma-2-2b', 'qwen3-0.6b']
    for (let i = 0; i < 12; i++) {
      await t.app.scenarios.create({
        name: `loader ${i}`, team: 'loaders',
        request: { model: models[i % models.length]!, method: { type: 'lora' }, training: { microBatchSize: 1, sequenceLength: 256 }, hardware: { gpu: 'l4' } },
      }, systemContext())
    }
  })
  afterAll(async () => { await t?.close() })

  test('N scenarios with their models: one scenario query and one model read, for 3 as for 12', async () => {
    const list = (n: number) => `{ scenarios(team: "loaders", first: ${n}) { edges { node { id model { id numLayers } } } } }`
    const batch = vi.spyOn(t.app.catalog, 'findModelsByIds')
    const few = await counted(list(3))
    const many = await counted(list(12))
    expect((many.data as { scenarios: { edges: unknown[] } }).scenarios.edges).toHaveLength(12)
    expect(few.counts).toEqual({ scenarios: 1, models: 1, gpus: 0, price_points: 0 })
    expect(many.counts).toEqual(few.counts)
    // One batched call per request, with every parent's id.
    expect(batch).toHaveBeenCalledTimes(2)
    expect(batch.mock.calls[1]![0]).toHaveLength(12)
    batch.mockRestore()
  })

  test('N prices with their GPUs: one price query and one GPU read, for 3 as for 30', async () => {
    const list = (n: number) => `{ prices(first: ${n}) { edges { node { usdPerGpuHour gpu { id memoryGiB } } } } }`
    const few = await counted(list(3))
    const many = await counted(list(30))
    expect((many.data as { prices: { edges: unknown[] } }).prices.edges).toHaveLength(30)
    expect(few.counts).toEqual({ scenarios: 0, models: 0, gpus: 1, price_points: 1 })
    expect(many.counts).toEqual(few.counts)
  })

  test('N GPUs with their prices (and each price its GPU): one query per relation, however many GPUs', async () => {
    const list = (n: number) => `{ gpus(first: ${n}) { edges { node { id prices(pricingModel: ON_DEMAND) { usdPerGpuHour gpu { id } } } } } }`
    const spy = vi.spyOn(t.app.catalog, 'listPricesForGpus')
    const few = await counted(list(2))
    const many = await counted(list(16))
    expect(few.counts).toEqual({ scenarios: 0, models: 0, gpus: 1, price_points: 1 })
    expect(many.counts).toEqual(few.counts)
    expect(spy.mock.calls.map(([ids]) => ids.length)).toEqual([2, 16])
    // The batch answers each GPU with its own prices: the same as asking for one GPU at a time.
    const edges = (many.data as { gpus: { edges: { node: { id: string; prices: { usdPerGpuHour: number; gpu: { id: string } }[] } }[] } }).gpus.edges
    for (const { node } of edges.slice(0, 4)) {
      const single = await t.gql(`{ gpu(id: "${node.id}") { prices(pricingModel: ON_DEMAND) { usdPerGpuHour } } }`)
      expect(node.prices.map((p) => p.usdPerGpuHour)).toEqual(single.data.gpu.prices.map((p: { usdPerGpuHour: number }) => p.usdPerGpuHour))
      expect(node.prices.every((p) => p.gpu.id === node.id)).toBe(true)
    }
    spy.mockRestore()
  })
})
