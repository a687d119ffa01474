// Stored scenarios as plain records. Deleting sets deletedAt (reads skip such rows); nothing is
// ever destroyed. Updates carry the version read in their WHERE (optimistic concurrency).
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts'
import { ValidationError } from '../contract/errors.ts'
import type { Page } from './catalog.repository.ts'
import type { Versioned } from './catalog-admin.repository.ts'

export interface ScenarioData {
  name: string
  description: string | null
  team: string | null
  project: string | null
  owner: string | null
  modelId: string | null
  modelName: string
  method: string
  gpuName: string
  gpuCount: number
  provider: string | null
  pricingModel: string | null
  gpuHours: number
  computeCostUsd: number
  totalCostUsd: number
  listCostUsd: number | null
  request: unknown
  result: unknown
  pricesUsed: unknown
}

export interface ScenarioRecord extends ScenarioData {
  id: string
  idempotencyKey: string | null
  requestHash: string | null
  version: number
  createdAt: Date
  updatedAt: Date
  deletedAt: Date | null
}

export interface ScenarioFilter {
  team?: string | undefined
  project?: string | undefined
  owner?: string | undefined
  /** Catalog id or model name. */
  model?: string | undefined
  method?: string | undefined
  /** createdAt ≥ from */
  from?: Date | undefined
  /** createdAt < to */
  to?: Date | undefined
}

export interface ScenarioRepository {
  /** Inserts; on an idempotency-key collision returns the row already stored under that key instead. */
  create(data: ScenarioData, idempotency?: { key: string; requestHash: string }): Promise<{ record: ScenarioRecord; created: boolean }>
  findByIdempotencyKey(key: string): Promise<ScenarioRecord | null>
  /** A live (not deleted) scenario. */
  findById(id: string): Promise<ScenarioRecord | null>
  findManyByIds(ids: string[]): Promise<ScenarioRecord[]>
  /** Newest first; the cursor is opaque. */
  list(filter: ScenarioFilter, page: { limit: number; cursor?: string | undefined }): Promise<Page<ScenarioRecord>>
  update(id: string, version: number, data: Partial<ScenarioData>): Promise<Versioned<ScenarioRecord>>
  softDelete(id: string, at: Date): Promise<boolean>
}

const json = (value: unknown) => value as Prisma.InputJsonValue

function columns(data: Partial<ScenarioData>) {
  const { request, result, pricesUsed, ...rest } = data
  return {
    ...rest,
    ...(request !== undefined ? { request: json(request) } : {}),
    ...(result !== undefined ? { result: json(result) } : {}),
    ...(pricesUsed !== undefined ? { pricesUsed: json(pricesUsed) } : {}),
  }
}

/** (createdAt, id) of the last row seen, so pages stay stable while rows are added. */
export const encodeCursor = (row: Pick<ScenarioRecord, 'createdAt' | 'id'>) => Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url')

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string]
    const createdAt = new Date(at)
    if (typeof id === 'string' && !Number.isNaN(createdAt.getTime())) return { createdAt, id }
  } catch {
    // falls through to the error below
  }
  throw new ValidationError('/cursor', 'is not a cursor this API returned')
}

export function createScenarioRepository(prisma: PrismaClient): ScenarioRepository {
  const live = { deletedAt: null }
  return {
    async create(data, idempotency) {
      try {
        const { request, result, pricesUsed, ...rest } = data
        const record = await prisma.scenario.create({
          data: { ...rest, request: json(request), result: json(result), pricesUsed: json(pricesUsed), idempotencyKey: idempotency?.key, requestHash: idempotency?.requestHash },
        })
        return { record, created: true }
      } catch (err) {
        // Two requests with one key raced: the loser answers with the winner's row.
        if (idempotency && err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
          const record = await prisma.scenario.findUnique({ where: { idempotencyKey: idempotency.key } })
          if (record) return { record, created: false }
        }
        throw err
      }
    },
    findByIdempotencyKey: (key) => prisma.scenario.findUnique({ where: { idempotencyKey: key } }),
    findById: (id) => prisma.scenario.findFirst({ where: { id, ...live } }),
    findManyByIds: (ids) => prisma.scenario.findMany({ where: { id: { in: ids }, ...live } }),
    async list(filter, page) {
      const after = page.cursor ? decodeCursor(page.cursor) : null
      const rows = await prisma.scenario.findMany({
        where: {
          ...live,
          team: filter.team,
          project: filter.project,
          owner: filter.owner,
          method: filter.method,
          ...(filter.model ? { OR: [{ modelId: filter.model }, { modelName: filter.model }] } : {}),
          createdAt: { gte: filter.from, lt: filter.to },
          ...(after ? { AND: [{ OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }] } : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: page.limit + 1,
      })
      const items = rows.slice(0, page.limit)
      return { items, nextCursor: rows.length > page.limit && items.length > 0 ? encodeCursor(items.at(-1)!) : null }
    },
    async update(id, version, data) {
      const { count } = await prisma.scenario.updateMany({ where: { id, version, ...live }, data: { ...columns(data), version: { increment: 1 } } })
      const row = await prisma.scenario.findFirst({ where: { id, ...live } })
      if (!row) return { missing: true }
      return count === 1 ? { ok: row } : { stale: row.version }
    },
    async softDelete(id, at) {
      const { count } = await prisma.scenario.updateMany({ where: { id, ...live }, data: { deletedAt: at, version: { increment: 1 } } })
      return count === 1
    },
  }
}
