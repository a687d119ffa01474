// The seed catalog (prisma/seed-data) as a catalog repository held in memory: the rows the seed
// writes into a fresh database, built by the same functions, so an estimate computed over it equals
// the service's over a freshly seeded database. The CLI estimates with it without a database.
import { gpuRows, loadCatalog, modelRows, priceRows, type Catalog } from './seed.ts'
import { pageOf, type CatalogRepository, type GpuRecord, type ModelRecord, type PriceFilter, type PriceRecord } from './catalog.repository.ts'

/** Rows carry no write time of their own; this stands in for "when the seed ran". */
const SEEDED_AT = new Date('2025-01-01T00:00:00.000Z')

const list = <T>(value: T[] | string | undefined | null): T[] => (Array.isArray(value) ? value : [])

export function createSeedCatalogRepository(catalog: Catalog = loadCatalog()): CatalogRepository {
  const audit = { managedBy: 'seed', version: 1, createdAt: SEEDED_AT, updatedAt: SEEDED_AT }
  const models: ModelRecord[] = modelRows(catalog).map((row) => ({
    ...audit,
    id: row.id,
    name: row.name,
    hfId: row.hfId ?? null,
    aliases: list<string>(row.aliases as string[] | undefined),
    family: row.family,
    license: row.license ?? null,
    hiddenSize: row.hiddenSize,
    intermediateSize: row.intermediateSize,
    numLayers: row.numLayers,
    numAttentionHeads: row.numAttentionHeads,
    numKeyValueHeads: row.numKeyValueHeads,
    headDim: row.headDim ?? null,
    vocabSize: row.vocabSize,
    tieWordEmbeddings: row.tieWordEmbeddings ?? false,
    maxPositionEmbeddings: row.maxPositionEmbeddings ?? null,
    numExperts: row.numExperts ?? null,
    expertsPerToken: row.expertsPerToken ?? null,
    moeIntermediateSize: row.moeIntermediateSize ?? null,
    extra: (row.extra as Record<string, unknown> | undefined) ?? null,
    paramsTotal: row.paramsTotal === null || row.paramsTotal === undefined ? null : Number(row.paramsTotal),
    sources: list<string>(row.sources as string[] | undefined),
    notes: row.notes ?? null,
  }))
  const gpus: GpuRecord[] = gpuRows(catalog).map((row) => ({
    ...audit,
    id: row.id,
    name: row.name,
    vendor: row.vendor,
    memoryGiB: row.memoryGiB,
    memoryType: row.memoryType ?? null,
    memoryBandwidthTBps: row.memoryBandwidthTBps,
    bf16Tflops: row.bf16Tflops ?? null,
    fp16Tflops: row.fp16Tflops ?? null,
    fp8Tflops: row.fp8Tflops ?? null,
    interconnect: row.interconnect ?? null,
    interconnectGBps: row.interconnectGBps ?? null,
    tdpWatts: row.tdpWatts ?? null,
    sources: list<string>(row.sources as string[] | undefined),
    notes: row.notes ?? null,
    verification: row.verification ?? null,
  }))
  // Ids in seed order: the database draws random ones, so among equal prices either side may name
  // another provider, never another price.
  const prices: PriceRecord[] = priceRows(catalog).rows.map((row, index) => ({
    id: `seed-${String(index).padStart(4, '0')}`,
    gpuId: row.gpuId,
    provider: row.provider,
    region: row.region,
    pricingModel: row.pricingModel,
    usdPerGpuHour: row.usdPerGpuHour,
    instanceType: row.instanceType ?? null,
    gpusPerInstance: row.gpusPerInstance ?? null,
    effectiveFrom: new Date(row.effectiveFrom),
    effectiveTo: row.effectiveTo ? new Date(row.effectiveTo) : null,
    sources: list<string>(row.sources as string[] | undefined),
    notes: row.notes ?? null,
    createdAt: SEEDED_AT,
  }))

  const matching = (filter: Omit<PriceFilter, 'gpu'>) => (p: PriceRecord) =>
    (filter.provider === undefined || p.provider === filter.provider.toLowerCase())
    && (filter.pricingModel === undefined || p.pricingModel === filter.pricingModel)
    && (filter.region === undefined || p.region === filter.region)
    && p.effectiveFrom <= filter.at && (p.effectiveTo === null || p.effectiveTo > filter.at)

  return {
    listModels: async () => models,
    listGpus: async () => gpus,
    listAllPrices: async () => prices,
    listPricesForGpus: async (gpuIds, filter) => prices.filter((p) => gpuIds.includes(p.gpuId) && matching(filter)(p)),
    async listPrices(filter, page) {
      const rows = prices.filter((p) => (filter.gpu === undefined || p.gpuId === filter.gpu) && matching(filter)(p) && (page.cursor === undefined || p.id > page.cursor))
      return pageOf(rows.slice(0, page.limit + 1), page.limit)
    },
  }
}
