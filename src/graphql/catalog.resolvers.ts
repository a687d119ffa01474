// Catalog reads and admin writes over the catalog services, and the relations between catalog
// types. Relations are Mercurius loaders: one batched service call per field per request, however
// many parents the query lists.
import type { IResolvers, MercuriusLoaders } from 'mercurius'
import type { GpuWrite, HfImport, ModelWrite, PriceCreate } from '../services/catalog-admin.service.ts'
import type { GpuRecord, PriceRecord } from '../services/catalog.service.ts'
import { connectionOf, pageRequest, type PageArgs } from './connections.ts'
import { plain } from './inputs.ts'

interface PriceArgs {
  gpuId?: string | null
  provider?: string | null
  pricingModel?: string | null
  region?: string | null
  at?: Date | null
}

const byId = (item: { id: string }) => item.id

export const catalogResolvers: IResolvers = {
  Query: {
    models: async (_root, args: PageArgs, ctx) => connectionOf(await ctx.app.catalogReader.listModels(pageRequest(args), ctx.service), byId),
    model: (_root, { id }: { id: string }, ctx) => ctx.app.catalogReader.getModel(id, ctx.service),
    gpus: async (_root, args: PageArgs, ctx) => connectionOf(await ctx.app.catalogReader.listGpus(pageRequest(args), ctx.service), byId),
    gpu: (_root, { id }: { id: string }, ctx) => ctx.app.catalogReader.getGpu(id, ctx.service),
    async prices(_root, { gpuId, first, after, ...filter }: PriceArgs & PageArgs, ctx) {
      const page = await ctx.app.catalogReader.listPrices({ ...plain(filter), gpu: gpuId ?? undefined }, pageRequest({ first, after }), ctx.service)
      return connectionOf(page, byId)
    },
  },
  Mutation: {
    createModel: (_root, { id, input }: { id: string; input: ModelWrite }, ctx) =>
      ctx.app.catalogAdmin.createModel({ id, ...plain(input) }, ctx.service),
    updateModel: (_root, { id, expectedVersion, input }: { id: string; expectedVersion: number; input: ModelWrite }, ctx) =>
      ctx.app.catalogAdmin.updateModel(id, plain(input), expectedVersion, ctx.service),
    importModelConfig: (_root, { input }: { input: HfImport }, ctx) =>
      ctx.app.catalogAdmin.importHfConfig(plain(input), ctx.service),
    createGpu: (_root, { id, input }: { id: string; input: GpuWrite }, ctx) =>
      ctx.app.catalogAdmin.createGpu({ id, ...plain(input) }, ctx.service),
    updateGpu: (_root, { id, expectedVersion, input }: { id: string; expectedVersion: number; input: GpuWrite }, ctx) =>
      ctx.app.catalogAdmin.updateGpu(id, plain(input), expectedVersion, ctx.service),
    appendPrice(_root, { input }: { input: Omit<PriceCreate, 'effectiveFrom'> & { effectiveFrom?: Date | null } }, ctx) {
      const { effectiveFrom, ...price } = plain(input)
      return ctx.app.catalogAdmin.appendPrice({ ...price, ...(effectiveFrom ? { effectiveFrom: effectiveFrom.toISOString() } : {}) }, ctx.service)
    },
  },
}

/** Loaders get every parent of one field at once; Gpu.prices groups them by their filter arguments. */
export const catalogLoaders: MercuriusLoaders = {
  PricePoint: {
    async gpu(queries: { obj: PriceRecord }[], ctx) {
      return ctx.app.catalogReader.findGpusByIds(queries.map(({ obj }) => obj.gpuId), ctx.service)
    },
  },
  Gpu: {
    async prices(queries: { obj: GpuRecord; params: PriceArgs }[], ctx) {
      const groups = new Map<string, number[]>()
      queries.forEach(({ params }, index) => {
        const key = JSON.stringify([params.provider, params.pricingModel, params.region, params.at?.toISOString()])
        groups.set(key, [...(groups.get(key) ?? []), index])
      })
      const results: PriceRecord[][] = new Array(queries.length)
      await Promise.all([...groups.values()].map(async (indexes) => {
        const { gpuId: _g, ...filter } = plain(queries[indexes[0]!]!.params)
        const prices = await ctx.app.catalogReader.listPricesForGpus(indexes.map((i) => queries[i]!.obj.id), filter, ctx.service)
        indexes.forEach((queryIndex, i) => { results[queryIndex] = prices[i]! })
      }))
      return results
    },
  },
}
