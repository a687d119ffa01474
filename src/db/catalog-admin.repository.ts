// Catalog writes: models and GPUs with optimistic concurrency (the version is part of the
// UPDATE's WHERE), and append-only prices (a new price closes the open one of its series in the
// same transaction, under a row lock on the GPU so concurrent appends queue up).
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts'
import { ConflictError } from '../contract/errors.ts'
import { toModel, type GpuRecord, type ModelRecord, type PriceRecord } from './catalog.repository.ts'

/** Outcome of a versioned update: the new row, or why there is none. */
export type Versioned<T> = { ok: T } | { missing: true } | { stale: number }

export type ModelData = Omit<ModelRecord, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'managedBy'>
export type GpuData = Omit<GpuRecord, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'managedBy'>
export type PriceData = Omit<PriceRecord, 'id' | 'effectiveTo' | 'createdAt'>

export interface CatalogAdminRepository {
  createModel(id: string, data: ModelData): Promise<ModelRecord>
  updateModel(id: string, version: number, data: ModelData): Promise<Versioned<ModelRecord>>
  createGpu(id: string, data: GpuData): Promise<GpuRecord>
  updateGpu(id: string, version: number, data: GpuData): Promise<Versioned<GpuRecord>>
  /** Null when the GPU does not exist; throws ConflictError when the series already has a price at or after effectiveFrom. */
  appendPrice(data: PriceData): Promise<{ price: PriceRecord; closed: PriceRecord | null } | null>
}

const isUniqueViolation = (err: unknown) => err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002'

function modelColumns({ paramsTotal, extra, ...data }: ModelData) {
  return {
    ...data,
    paramsTotal: paramsTotal === null ? null : BigInt(paramsTotal),
    extra: extra === null ? Prisma.DbNull : (extra as Prisma.InputJsonObject),
  }
}

export function createCatalogAdminRepository(prisma: PrismaClient): CatalogAdminRepository {
  return {
    async createModel(id, data) {
      try {
        return toModel(await prisma.llmModel.create({ data: { id, ...modelColumns(data), managedBy: 'admin' } }))
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError(`A model with id "${id}" already exists`, 'MODEL_ALREADY_EXISTS')
        throw err
      }
    },
    async updateModel(id, version, data) {
      const { count } = await prisma.llmModel.updateMany({
        where: { id, version },
        data: { ...modelColumns(data), managedBy: 'admin', version: { increment: 1 } },
      })
      const row = await prisma.llmModel.findUnique({ where: { id } })
      if (!row) return { missing: true }
      return count === 1 ? { ok: toModel(row) } : { stale: row.version }
    },
    async createGpu(id, data) {
      try {
        return await prisma.gpu.create({ data: { id, ...data, managedBy: 'admin' } })
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError(`A GPU with id "${id}" already exists`, 'GPU_ALREADY_EXISTS')
        throw err
      }
    },
    async updateGpu(id, version, data) {
      const { count } = await prisma.gpu.updateMany({
        where: { id, version },
        data: { ...data, managedBy: 'admin', version: { increment: 1 } },
      })
      const row = await prisma.gpu.findUnique({ where: { id } })
      if (!row) return { missing: true }
      return count === 1 ? { ok: row } : { stale: row.version }
    },
    appendPrice(data) {
      return prisma.$transaction(async (tx) => {
        const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM gpus WHERE id = ${data.gpuId} FOR UPDATE`
        if (locked.length === 0) return null
        const series = { gpuId: data.gpuId, provider: data.provider, region: data.region, pricingModel: data.pricingModel, instanceType: data.instanceType }
        const latest = await tx.pricePoint.findFirst({ where: series, orderBy: { effectiveFrom: 'desc' } })
        if (latest && latest.effectiveFrom >= data.effectiveFrom) {
          throw new ConflictError(
            `This series already has a price from ${latest.effectiveFrom.toISOString()}; a new price must start after it (history is append-only)`,
            'PRICE_NOT_AFTER_LATEST',
          )
        }
        const closed = latest && (latest.effectiveTo === null || latest.effectiveTo > data.effectiveFrom)
          ? await tx.pricePoint.update({ where: { id: latest.id }, data: { effectiveTo: data.effectiveFrom } })
          : null
        const price = await tx.pricePoint.create({ data })
        return { price, closed }
      })
    },
  }
}
