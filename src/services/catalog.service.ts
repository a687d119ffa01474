// Catalog reads for every transport. Models, GPUs and price points are small and read on every
// estimate, so they are cached in memory until a write calls invalidate() (here, or on another
// replica: src/db/catalog-sync.ts). Prices are kept whole, history and future included, and
// filtered by date here, so "the price at any instant" is answered exactly from memory.
import {
  pageOf,
  type CatalogRepository,
  type GpuRecord,
  type ModelRecord,
  type Page,
  type PageRequest,
  type PriceFilter,
  type PriceRecord,
} from '../db/catalog.repository.ts'
import { NotFoundError } from '../contract/errors.ts'

export type { GpuRecord, ModelRecord, Page, PageRequest, PriceRecord }

export const MAX_PAGE_SIZE = 200

export type CatalogEntity = 'models' | 'gpus' | 'prices'

export interface PriceQuery extends Omit<PriceFilter, 'at'> {
  /** Defaults to now. */
  at?: Date | undefined
}

interface Snapshot<T> {
  list: T[]
  byId: Map<string, T>
}

/** Prices also grouped by GPU (each group still ordered by id): every estimate asks for one GPU's prices. */
interface PriceSnapshot extends Snapshot<PriceRecord> {
  byGpu: Map<string, PriceRecord[]>
}

/** Models, GPUs and prices of one catalog version, read without awaiting (the estimate hot path). */
export interface CatalogView {
  readonly models: ReadonlyMap<string, ModelRecord>
  readonly gpus: ReadonlyMap<string, GpuRecord>
  /** The cheapest price for `filter.gpu` matching the filter and in effect at `filter.at`; the lowest id wins a tie. */
  cheapestPrice(filter: PriceFilter & { gpu: string }): PriceRecord | null
}

export class CatalogService {
  private models: Promise<Snapshot<ModelRecord>> | null = null
  private gpus: Promise<Snapshot<GpuRecord>> | null = null
  private prices: Promise<PriceSnapshot> | null = null
  /** The three snapshots once all are loaded; bumping `generation` keeps a load that raced an invalidate() from landing. */
  private loaded: CatalogView | null = null
  /** Hugging Face repository ids (lowercase) of each model snapshot's models, built on first use. */
  private readonly repositoryIds = new WeakMap<Snapshot<ModelRecord>, Map<string, ModelRecord>>()
  private generation = 0
  /** Cache lookups so far, hits and misses by entity (metrics read them when scraped). */
  readonly lookups: Record<CatalogEntity, { hit: number; miss: number }> = {
    models: { hit: 0, miss: 0 }, gpus: { hit: 0, miss: 0 }, prices: { hit: 0, miss: 0 },
  }

  constructor(
    private readonly repository: CatalogRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async listModels(page: PageRequest): Promise<Page<ModelRecord>> {
    return paginate((await this.modelSnapshot()).list, page)
  }

  async getModel(id: string): Promise<ModelRecord> {
    const model = (await this.modelSnapshot()).byId.get(id)
    if (!model) throw new NotFoundError('model', id)
    return model
  }

  /**
   * A model by catalog id, or by a Hugging Face repository id it answers to (hfId or one of its
   * aliases, case-insensitively: the Hub resolves repository ids regardless of case). Null when none.
   */
  async findModelByName(name: string): Promise<ModelRecord | null> {
    const snapshot = await this.modelSnapshot()
    const byId = snapshot.byId.get(name)
    if (byId) return byId
    let index = this.repositoryIds.get(snapshot)
    if (!index) {
      index = new Map()
      // Ids first, in id order, so an alias two models share resolves the same way on every replica.
      for (const model of snapshot.list) {
        for (const repo of [model.hfId, ...model.aliases]) {
          if (repo && !index.has(repo.toLowerCase())) index.set(repo.toLowerCase(), model)
        }
      }
      this.repositoryIds.set(snapshot, index)
    }
    return index.get(name.toLowerCase()) ?? null
  }

  /**
   * A model by the name part of a repository id it answers to ("Llama-3.1-8B-Instruct" for
   * meta-llama/Llama-3.1-8B-Instruct), case-insensitively: how a local checkout is usually named.
   * Null when none or when two models share the name.
   */
  async findModelByRepositoryName(name: string): Promise<ModelRecord | null> {
    const wanted = name.toLowerCase()
    const hits = new Set<ModelRecord>()
    for (const model of (await this.modelSnapshot()).list) {
      for (const repo of [model.hfId, ...model.aliases]) {
        if (repo && repo.toLowerCase().split('/').at(-1) === wanted) hits.add(model)
      }
    }
    return hits.size === 1 ? [...hits][0]! : null
  }

  async listGpus(page: PageRequest): Promise<Page<GpuRecord>> {
    return paginate((await this.gpuSnapshot()).list, page)
  }

  async getGpu(id: string): Promise<GpuRecord> {
    const gpu = (await this.gpuSnapshot()).byId.get(id)
    if (!gpu) throw new NotFoundError('gpu', id)
    return gpu
  }

  /** Prices in effect at `query.at` (default now), ordered by id. */
  async listPrices(query: PriceQuery, page: PageRequest): Promise<Page<PriceRecord>> {
    const filter = { ...query, at: query.at ?? this.now() }
    const { list, byGpu } = await this.priceSnapshot()
    const candidates = filter.gpu === undefined ? list : byGpu.get(filter.gpu) ?? []
    return paginate(candidates.filter((price) => priceMatches(price, filter)), page)
  }

  /** Models by id, in the order asked, null where there is none: one cached read for a whole batch (GraphQL loaders). */
  async findModelsByIds(ids: readonly string[]): Promise<(ModelRecord | null)[]> {
    const { byId } = await this.modelSnapshot()
    return ids.map((id) => byId.get(id) ?? null)
  }

  async findGpusByIds(ids: readonly string[]): Promise<(GpuRecord | null)[]> {
    const { byId } = await this.gpuSnapshot()
    return ids.map((id) => byId.get(id) ?? null)
  }

  /** Prices in effect at `query.at` (default now) for each of `gpuIds`, in that order, from one query. */
  async listPricesForGpus(gpuIds: readonly string[], query: Omit<PriceQuery, 'gpu'>): Promise<PriceRecord[][]> {
    const filter = { ...query, at: query.at ?? this.now() }
    const { byGpu } = await this.priceSnapshot()
    return gpuIds.map((id) => (byGpu.get(id) ?? []).filter((price) => priceMatches(price, filter)))
  }

  /**
   * The whole catalog as one view: the view itself once loaded, so an estimate (a model, a GPU and
   * its prices) costs no promise per lookup; a promise of it while a load is in flight.
   */
  view(): CatalogView | Promise<CatalogView> {
    const loaded = this.loaded
    if (loaded) {
      this.lookups.models.hit++
      this.lookups.gpus.hit++
      this.lookups.prices.hit++
      return loaded
    }
    const generation = this.generation
    return Promise.all([this.modelSnapshot(), this.gpuSnapshot(), this.priceSnapshot()]).then(([models, gpus, prices]) => {
      const view: CatalogView = {
        models: models.byId,
        gpus: gpus.byId,
        cheapestPrice(filter) {
          let best: PriceRecord | null = null
          for (const price of prices.byGpu.get(filter.gpu) ?? []) {
            if (priceMatches(price, filter) && (best === null || price.usdPerGpuHour < best.usdPerGpuHour)) best = price
          }
          return best
        },
      }
      if (generation === this.generation) this.loaded = view
      return view
    })
  }

  /** Drops the cached models and GPUs; the next read reloads them. Call after any catalog write. */
  invalidate(): void {
    this.generation++
    this.loaded = null
    this.models = null
    this.gpus = null
    this.prices = null
  }

  private modelSnapshot(): Promise<Snapshot<ModelRecord>> {
    this.lookups.models[this.models === null ? 'miss' : 'hit']++
    this.models ??= snapshot(() => this.repository.listModels(), () => { this.models = null })
    return this.models
  }

  private priceSnapshot(): Promise<PriceSnapshot> {
    this.lookups.prices[this.prices === null ? 'miss' : 'hit']++
    this.prices ??= snapshot(() => this.repository.listAllPrices(), () => { this.prices = null }).then((snap) => {
      const byGpu = new Map<string, PriceRecord[]>()
      for (const price of snap.list) {
        const group = byGpu.get(price.gpuId)
        if (group) group.push(price)
        else byGpu.set(price.gpuId, [price])
      }
      return { ...snap, byGpu }
    })
    return this.prices
  }

  private gpuSnapshot(): Promise<Snapshot<GpuRecord>> {
    this.lookups.gpus[this.gpus === null ? 'miss' : 'hit']++
    this.gpus ??= snapshot(() => this.repository.listGpus(), () => { this.gpus = null })
    return this.gpus
  }
}

/** Loads once and shares the promise; a failed load is forgotten so the next read retries. */
function snapshot<T extends { id: string }>(load: () => Promise<T[]>, forget: () => void): Promise<Snapshot<T>> {
  return load().then(
    (rows) => {
      // Code-point order, so the cursor comparison below agrees with it whatever the database collation.
      const list = [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      return { list, byId: new Map(list.map((item) => [item.id, item])) }
    },
    (err: unknown) => {
      forget()
      throw err
    },
  )
}

/** The repository's price filter, in memory: equal fields where given, effectiveFrom ≤ at < effectiveTo. */
function priceMatches(price: PriceRecord, filter: Omit<PriceFilter, 'gpu'> & { gpu?: string | undefined }): boolean {
  return (filter.gpu === undefined || price.gpuId === filter.gpu)
    && (filter.provider === undefined || price.provider === filter.provider.toLowerCase())
    && (filter.pricingModel === undefined || price.pricingModel === filter.pricingModel)
    && (filter.region === undefined || price.region === filter.region)
    && price.effectiveFrom <= filter.at
    && (price.effectiveTo === null || price.effectiveTo > filter.at)
}

function clampPage(page: PageRequest): PageRequest {
  return { ...page, limit: Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(page.limit))) }
}

/** Cursor pagination over a list sorted by id: items after `cursor`, at most `limit`. */
function paginate<T extends { id: string }>(list: T[], page: PageRequest): Page<T> {
  const { limit, cursor } = clampPage(page)
  const start = cursor === undefined ? 0 : list.findIndex((item) => item.id > cursor)
  if (start < 0) return { items: [], nextCursor: null }
  return pageOf(list.slice(start, start + limit + 1), limit)
}
