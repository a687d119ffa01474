// Catalog reads (models, GPUs, prices) as plain records: the services never see Prisma types.
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts'

export interface ModelRecord {
  id: string
  name: string
  hfId: string | null
  /** Other Hugging Face repository ids with this architecture (config import resolves them). */
  aliases: string[]
  family: string
  license: string | null
  hiddenSize: number
  intermediateSize: number
  numLayers: number
  numAttentionHeads: number
  numKeyValueHeads: number
  headDim: number | null
  vocabSize: number
  tieWordEmbeddings: boolean
  maxPositionEmbeddings: number | null
  numExperts: number | null
  expertsPerToken: number | null
  moeIntermediateSize: number | null
  extra: Record<string, unknown> | null
  /** Fits a double exactly: the largest catalog model has 4e11 < 2^53 parameters. */
  paramsTotal: number | null
  sources: string[]
  notes: string | null
  managedBy: string
  version: number
  createdAt: Date
  updatedAt: Date
}

export interface GpuRecord {
  id: string
  name: string
  vendor: string
  memoryGiB: number
  memoryType: string | null
  memoryBandwidthTBps: number
  bf16Tflops: number | null
  fp16Tflops: number | null
  fp8Tflops: number | null
  interconnect: string | null
  interconnectGBps: number | null
  tdpWatts: number | null
  sources: string[]
  notes: string | null
  verification: string | null
  managedBy: string
  version: number
  createdAt: Date
  updatedAt: Date
}

export interface PriceRecord {
  id: string
  gpuId: string
  provider: string
  region: string
  pricingModel: string
  usdPerGpuHour: number
  instanceType: string | null
  gpusPerInstance: number | null
  effectiveFrom: Date
  effectiveTo: Date | null
  sources: string[]
  notes: string | null
  createdAt: Date
}

export interface PriceFilter {
  gpu?: string | undefined
  provider?: string | undefined
  pricingModel?: string | undefined
  region?: string | undefined
  /** The instant the price must be in effect at: effectiveFrom ≤ at < effectiveTo (or open-ended). */
  at: Date
}

export interface Page<T> {
  items: T[]
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null
}

export interface PageRequest {
  limit: number
  cursor?: string | undefined
}

export interface CatalogRepository {
  listModels(): Promise<ModelRecord[]>
  listGpus(): Promise<GpuRecord[]>
  listPrices(filter: PriceFilter, page: PageRequest): Promise<Page<PriceRecord>>
  /** Prices in effect for several GPUs in one query (GraphQL Gpu.prices), ordered by id. */
  listPricesForGpus(gpuIds: readonly string[], filter: Omit<PriceFilter, 'gpu'>): Promise<PriceRecord[]>
  /** Every price point, past, current and future (the catalog service's in-memory copy). */
  listAllPrices(): Promise<PriceRecord[]>
}

type ModelRow = Prisma.LlmModelGetPayload<object>

export function toModel({ paramsTotal, extra, ...row }: ModelRow): ModelRecord {
  return {
    ...row,
    paramsTotal: paramsTotal === null ? null : Number(paramsTotal),
    extra: extra && typeof extra === 'object' && !Array.isArray(extra) ? (extra as Record<string, unknown>) : null,
  }
}

export function createCatalogRepository(prisma: PrismaClient): CatalogRepository {
  return {
    async listModels() {
      return (await prisma.llmModel.findMany({ orderBy: { id: 'asc' } })).map(toModel)
    },
    async listGpus() {
      return prisma.gpu.findMany({ orderBy: { id: 'asc' } })
    },
    async listPrices(filter, page) {
      const rows = await prisma.pricePoint.findMany({
        where: { ...priceWhere(filter), gpuId: filter.gpu, ...(page.cursor ? { id: { gt: page.cursor } } : {}) },
        orderBy: { id: 'asc' },
        take: page.limit + 1,
      })
      return pageOf(rows, page.limit)
    },
    async listPricesForGpus(gpuIds, filter) {
      if (gpuIds.length === 0) return []
      return prisma.pricePoint.findMany({ where: { ...priceWhere(filter), gpuId: { in: [...gpuIds] } }, orderBy: { id: 'asc' } })
    },
    async listAllPrices() {
      return prisma.pricePoint.findMany({ orderBy: { id: 'asc' } })
    },
  }
}

/** Prices matching provider, pricing model and region, in effect at `filter.at`. */
function priceWhere(filter: Omit<PriceFilter, 'gpu'>): Prisma.PricePointWhereInput {
  return {
    provider: filter.provider?.toLowerCase(),
    pricingModel: filter.pricingModel,
    region: filter.region,
    effectiveFrom: { lte: filter.at },
    OR: [{ effectiveTo: null }, { effectiveTo: { gt: filter.at } }],
  }
}

/** Given up to limit+1 rows ordered by id, the page and the cursor of its last row when more follow. */
export function pageOf<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit)
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null }
}
