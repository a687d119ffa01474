// Catalog reads as the transports offer them: the catalog service's reads behind the access
// policy (open unless REQUIRE_AUTH), so REST and GraphQL answer the same callers. Internal users
// (the estimate service) call the catalog service directly.
import type { AccessPolicy } from './auth.service.ts'
import type { CatalogService, GpuRecord, ModelRecord, Page, PageRequest, PriceQuery, PriceRecord } from './catalog.service.ts'
import type { ServiceContext } from './context.ts'

export interface CatalogReader {
  listModels(page: PageRequest, ctx: ServiceContext): Promise<Page<ModelRecord>>
  getModel(id: string, ctx: ServiceContext): Promise<ModelRecord>
  listGpus(page: PageRequest, ctx: ServiceContext): Promise<Page<GpuRecord>>
  getGpu(id: string, ctx: ServiceContext): Promise<GpuRecord>
  listPrices(query: PriceQuery, page: PageRequest, ctx: ServiceContext): Promise<Page<PriceRecord>>
  /** Batched lookups for GraphQL loaders. */
  findModelsByIds(ids: readonly string[], ctx: ServiceContext): Promise<(ModelRecord | null)[]>
  findGpusByIds(ids: readonly string[], ctx: ServiceContext): Promise<(GpuRecord | null)[]>
  listPricesForGpus(gpuIds: readonly string[], query: Omit<PriceQuery, 'gpu'>, ctx: ServiceContext): Promise<PriceRecord[][]>
}

export function createCatalogReader(catalog: CatalogService, access: AccessPolicy): CatalogReader {
  const read = <T>(ctx: ServiceContext, fn: () => Promise<T>) => {
    access.read(ctx)
    return fn()
  }
  return {
    listModels: (page, ctx) => read(ctx, () => catalog.listModels(page)),
    getModel: (id, ctx) => read(ctx, () => catalog.getModel(id)),
    listGpus: (page, ctx) => read(ctx, () => catalog.listGpus(page)),
    getGpu: (id, ctx) => read(ctx, () => catalog.getGpu(id)),
    listPrices: (query, page, ctx) => read(ctx, () => catalog.listPrices(query, page)),
    findModelsByIds: (ids, ctx) => read(ctx, () => catalog.findModelsByIds(ids)),
    findGpusByIds: (ids, ctx) => read(ctx, () => catalog.findGpusByIds(ids)),
    listPricesForGpus: (gpuIds, query, ctx) => read(ctx, () => catalog.listPricesForGpus(gpuIds, query)),
  }
}
