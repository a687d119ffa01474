import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCatalogRepository, type CatalogRepository } from '../../src/db/catalog.repository.ts'
import { migrate } from '../../src/db/migrator.ts'
import { seedCatalog } from '../../src/db/seed.ts'
import { NotFoundError } from '../../src/contract/errors.ts'
import { CatalogService } from '../../src/services/catalog.service.ts'
import { openFreshDatabase, type OpenDatabase } from '../helpers/databases.ts'

describe('catalog service (PostgreSQL)', () => {
  let open: OpenDatabase
  let repository: CatalogRepository
  let service: CatalogService
  beforeAll(async () => {
    open = await openFreshDatabase('postgres')
    await migrate(open.db)
    await seedCatalog(open.db.prisma)
    // A price history: $2.50 until 2025-06-01, then $2.00 (the first price closed when the second began).
    await open.db.prisma.pricePoint.createMany({
      data: [
        { gpuId: 'l4', provider: 'testcloud', region: 'eu-west', pricingModel: 'on-demand', instanceType: 'l4.1x', usdPerGpuHour: 2.5, effectiveFrom: new Date('2025-01-01T00:00:00Z'), effectiveTo: new Date('2025-06-01T00:00:00Z'), sources: ['test'] },
        { gpuId: 'l4', provider: 'testcloud', region: 'eu-west', pricingModel: 'on-demand', instanceType: 'l4.1x', usdPerGpuHour: 2.0, effectiveFrom: new Date('2025-06-01T00:00:00Z'), sources: ['test'] },
      ],
    })
    repository = createCatalogRepository(open.db.prisma)
    service = new CatalogService(repository, () => new Date('2026-01-01T00:00:00Z'))
  })
  afterAll(async () => { await open.dispose() })

  const priceAt = async (at?: string) =>
    (await service.listPrices({ provider: 'TestCloud', at: at ? new Date(at) : undefined }, { limit: 10 })).items.map((p) => p.usdPerGpuHour)

  it('returns the price in effect at a date: effectiveFrom ≤ at < effectiveTo', async () => {
    expect(await priceAt('2024-12-31T23:59:59Z')).toEqual([])
    expect(await priceAt('2025-01-01T00:00:00Z')).toEqual([2.5])
    expect(await priceAt('2025-05-31T23:59:59Z')).toEqual([2.5])
    expect(await priceAt('2025-06-01T00:00:00Z')).toEqual([2.0])
    expect(await priceAt()).toEqual([2.0]) // "now" is 2026-01-01
  })

  it('filters by GPU, provider, region and pricing model', async () => {
    const { items } = await service.listPrices({ gpu: 'l40s', provider: 'aws', region: 'us-east-1', pricingModel: 'spot' }, { limit: 200 })
    expect(items.map((p) => [p.instanceType, p.usdPerGpuHour]).sort()).toEqual([
      ['g6e.12xlarge', 1.059], ['g6e.24xlarge', 1.028], ['g6e.xlarge', 0.787],
    ])
  })

  it('pages prices by id until nextCursor is null, without gaps or repeats', async () => {
    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const page = await service.listPrices({}, { limit: 15, cursor })
      seen.push(...page.items.map((p) => p.id))
      cursor = page.nextCursor ?? undefined
      pages++
    } while (cursor)
    expect(pages).toBe(3) // 40 seeded prices + the current testcloud one = 41
    expect(new Set(seen).size).toBe(41)
    expect(seen).toEqual([...seen].sort())
  })

  it('pages models by id and caps the page size at 200', async () => {
    const first = await service.listModels({ limit: 30 })
    expect(first.items).toHaveLength(30)
    const rest = await service.listModels({ limit: 30, cursor: first.nextCursor! })
    expect(rest.items).toHaveLength(2)
    expect(rest.nextCursor).toBeNull()
    expect((await service.listGpus({ limit: 10_000 })).items).toHaveLength(16)
  })

  it('throws NotFoundError naming the id', async () => {
    await expect(service.getModel('llama-9-1t')).rejects.toThrow(NotFoundError)
    await expect(service.getGpu('tpu-v9')).rejects.toMatchObject({ code: 'GPU_NOT_FOUND', status: 404, message: 'No gpu with id "tpu-v9"' })
  })

  it('serves models and GPUs from memory until invalidated', async () => {
    let loads = 0
    const counting = new CatalogService({ ...repository, listModels: () => { loads++; return repository.listModels() } })
    await counting.getModel('llama-2-7b')
    await counting.listModels({ limit: 5 })
    expect(loads).toBe(1)
    await open.db.prisma.llmModel.update({ where: { id: 'llama-2-7b' }, data: { notes: 'changed by an admin' } })
    expect((await counting.getModel('llama-2-7b')).notes).not.toBe('changed by an admin')
    counting.invalidate()
    expect((await counting.getModel('llama-2-7b')).notes).toBe('changed by an admin')
    expect(loads).toBe(2)
  })
  it('hands out the loaded catalog itself, the cheapest matching price, and never a view an invalidate() raced', async () => {
    let loads = 0
    const gate: { open?: () => void } = {}
    const counting = new CatalogService({
      ...repository,
      listModels: async () => {
        loads++
        // The first load waits until the test has invalidated the cache behind its back.
        if (loads === 1) await new Promise<void>((resolve) => { gate.open = resolve })
        return repository.listModels()
      },
    }, () => new Date('2026-01-01T00:00:00Z'))
    const racing = counting.view()
    expect(racing).toBeInstanceOf(Promise)
    await new Promise((resolve) => setTimeout(resolve, 50))
    counting.invalidate()
    gate.open!()
    await racing // answers its own caller, but is not kept
    const fresh = counting.view()
    expect(fresh).toBeInstanceOf(Promise)
    const view = await fresh
    expect(loads).toBe(2)
    expect(counting.view()).toBe(view) // loaded: the view itself, no promise
    expect(counting.lookups.models).toEqual({ hit: 1, miss: 2 })
    expect(view.models.get('llama-2-7b')?.name).toBe('Llama-2-7B')
    // testcloud l4: $2.50 until 2025-06-01, then $2.00; the seed's L4 offers are dearer or other providers.
    expect(view.cheapestPrice({ gpu: 'l4', provider: 'testcloud', at: new Date('2025-03-01T00:00:00Z') })?.usdPerGpuHour).toBe(2.5)
    expect(view.cheapestPrice({ gpu: 'l4', provider: 'TestCloud', at: new Date('2026-01-01T00:00:00Z') })?.usdPerGpuHour).toBe(2.0)
    expect(view.cheapestPrice({ gpu: 'l4', provider: 'testcloud', at: new Date('2024-01-01T00:00:00Z') })).toBeNull()
    const cheapestL4 = Math.min(...(await counting.listPrices({ gpu: 'l4', pricingModel: 'on-demand' }, { limit: 200 })).items.map((p) => p.usdPerGpuHour))
    expect(view.cheapestPrice({ gpu: 'l4', pricingModel: 'on-demand', at: new Date('2026-01-01T00:00:00Z') })?.usdPerGpuHour).toBe(cheapestL4)
  })
})
