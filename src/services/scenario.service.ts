// Scenarios: named, stored estimates with team/project/owner tags. Creating one runs the estimate
// and stores request, result and the prices used; re-pricing runs the same request against
// today's catalog. Writes need an editor key; Idempotency-Key makes creation safe to retry.
import { createHash } from 'node:crypto'
import { encodeCursor, type ScenarioData, type ScenarioRecord, type ScenarioRepository } from '../db/scenario.repository.ts'
import { costReport } from '../estimation/cost.ts'
import { AppError, NotFoundError } from '../contract/errors.ts'
import {
  ScenarioCompareBodySchema, ScenarioCreateSchema, ScenarioUpdateSchema,
  type Reprice, type ScenarioComparison, type ScenarioCreate, type ScenarioDto, type ScenarioUpdate,
} from '../contract/scenario.schemas.ts'
import type { AccessPolicy } from './auth.service.ts'
import { actorLabel, type Actor, type ServiceContext } from './context.ts'
import { costInputOf, type EstimateRequest, type EstimateResponse, type EstimateService, type ResolvedEstimate } from './estimate.service.ts'
import { validator } from './validation.ts'
import { requireVersion, staleVersion } from './versioning.ts'

export type { Reprice, ScenarioComparison, ScenarioCreate, ScenarioDto, ScenarioUpdate }
export type { ScenarioFilter } from '../db/scenario.repository.ts'
import type { ScenarioFilter } from '../db/scenario.repository.ts'
import type { Page } from '../db/catalog.repository.ts'

const check = {
  create: validator(ScenarioCreateSchema),
  update: validator(ScenarioUpdateSchema),
  compare: validator(ScenarioCompareBodySchema),
}

export const MAX_SCENARIO_PAGE = 200

/** JSON with sorted keys, so two equal bodies hash the same whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** Idempotency keys are per caller: two clients choosing the same key never see each other's scenario. */
function scopedKey(actor: Actor, key: string): string {
  const scope = actor.kind === 'api-key' ? actor.keyId : actor.kind
  return `${scope}:${key}`
}

/** The cost columns of a computed estimate. */
function costColumns(resolved: ResolvedEstimate, result: EstimateResponse) {
  const gpuHours = result.speed.gpuHours ?? 0
  const price = result.cost.usdPerGpuHour
  const computeCostUsd = result.cost.totalUsd ?? 0
  // Compute plus checkpoint storage and transfer (src/estimation/cost.ts); compute alone when unpriced.
  const totalCostUsd = price !== null && gpuHours > 0
    ? costReport(costInputOf(resolved, result, gpuHours, price)).breakdown.totalUsd
    : computeCostUsd
  const listCostUsd = resolved.listUsdPerGpuHour === null ? null : gpuHours * resolved.listUsdPerGpuHour
  return { gpuHours, computeCostUsd, totalCostUsd, listCostUsd }
}

export function toScenarioDto(record: ScenarioRecord): ScenarioDto {
  const { idempotencyKey: _k, requestHash: _h, deletedAt: _d, ...dto } = record
  return { ...dto, result: storedResult(dto.result) } as ScenarioDto
}

/**
 * A result as stored, in today's shape: scenarios stored before the stack profiles kept their
 * assumptions as a list of notes, read back as `{ notes }` (the figures stay as computed then).
 */
function storedResult(result: unknown): unknown {
  const r = result as { assumptions?: unknown } | null
  if (r === null || typeof r !== 'object' || !Array.isArray(r.assumptions)) return result
  return { ...r, assumptions: { notes: r.assumptions } }
}

export class ScenarioService {
  constructor(
    private readonly repository: ScenarioRepository,
    private readonly estimates: EstimateService,
    private readonly access: AccessPolicy,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Computes and stores a scenario. With an idempotency key, a retry of the same body returns the
   * first scenario (`replayed: true`, same id); another body under the same key is a 422.
   */
  async create(input: ScenarioCreate, ctx: ServiceContext, idempotencyKey?: string): Promise<{ scenario: ScenarioDto; replayed: boolean }> {
    this.access.require(ctx, 'editor')
    const body = check.create<ScenarioCreate>(input)
    const idempotency = idempotencyKey === undefined ? undefined : { key: scopedKey(ctx.actor, idempotencyKey), requestHash: hash(body) }
    if (idempotency) {
      const existing = await this.repository.findByIdempotencyKey(idempotency.key)
      if (existing) return this.replay(existing, idempotency.requestHash)
    }
    const computed = await this.compute(body.request)
    const data: ScenarioData = {
      name: body.name,
      description: body.description ?? null,
      team: body.team ?? null,
      project: body.project ?? null,
      owner: body.owner ?? actorLabel(ctx.actor),
      ...computed,
    }
    const { record, created } = await this.repository.create(data, idempotency)
    if (!created) return this.replay(record, idempotency!.requestHash)
    ctx.log?.info({ scenarioId: record.id, totalCostUsd: record.totalCostUsd }, 'scenario created')
    return { scenario: toScenarioDto(record), replayed: false }
  }

  async get(id: string, ctx: ServiceContext): Promise<ScenarioDto> {
    this.access.read(ctx)
    return toScenarioDto(await this.find(id))
  }

  async list(filter: ScenarioFilter, page: { limit: number; cursor?: string | undefined }, ctx: ServiceContext): Promise<Page<ScenarioDto>> {
    this.access.read(ctx)
    const limit = Math.max(1, Math.min(MAX_SCENARIO_PAGE, Math.floor(page.limit)))
    const result = await this.repository.list(filter, { limit, cursor: page.cursor })
    return { items: result.items.map(toScenarioDto), nextCursor: result.nextCursor }
  }

  /** The cursor that pages after this scenario: GraphQL connections give one per edge, REST only nextCursor. */
  cursorOf(scenario: Pick<ScenarioDto, 'createdAt' | 'id'>): string {
    return encodeCursor(scenario)
  }

  /** Changes name, description or tags; a new request is recomputed against today's catalog. */
  async update(id: string, input: ScenarioUpdate, expectedVersion: number | undefined, ctx: ServiceContext): Promise<ScenarioDto> {
    this.access.require(ctx, 'editor')
    const patch = check.update<ScenarioUpdate>(input)
    const version = requireVersion(expectedVersion, `scenario "${id}"`)
    const { request, ...tags } = patch
    const data: Partial<ScenarioData> = { ...tags, ...(request ? await this.compute(request) : {}) }
    const outcome = await this.repository.update(id, version, data)
    if ('missing' in outcome) throw new NotFoundError('scenario', id, 'SCENARIO_NOT_FOUND')
    if ('stale' in outcome) throw staleVersion(`scenario "${id}"`, version, outcome.stale)
    return toScenarioDto(outcome.ok)
  }

  /** Soft delete: the row stays, with deletedAt set, and disappears from reads. */
  async delete(id: string, ctx: ServiceContext): Promise<void> {
    this.access.require(ctx, 'editor')
    if (!(await this.repository.softDelete(id, this.now()))) throw new NotFoundError('scenario', id, 'SCENARIO_NOT_FOUND')
  }

  /** The stored request priced with today's catalog, beside what was stored. Saves nothing. */
  async reprice(id: string, ctx: ServiceContext): Promise<Reprice> {
    this.access.read(ctx)
    const stored = await this.find(id)
    const pricedAt = this.now()
    const fresh = await this.compute(stored.request as EstimateRequest, pricedAt)
    const snapshot = (s: Pick<ScenarioData, 'gpuHours' | 'computeCostUsd' | 'totalCostUsd' | 'pricesUsed' | 'result'>) => ({
      usdPerGpuHour: (s.result as EstimateResponse).cost.usdPerGpuHour,
      gpuHours: s.gpuHours,
      computeCostUsd: s.computeCostUsd,
      totalCostUsd: s.totalCostUsd,
      pricesUsed: s.pricesUsed as EstimateResponse['pricesUsed'],
    })
    const delta = fresh.totalCostUsd - stored.totalCostUsd
    return {
      scenarioId: stored.id,
      pricedAt,
      before: snapshot(stored),
      after: snapshot(fresh),
      delta: {
        computeCostUsd: fresh.computeCostUsd - stored.computeCostUsd,
        totalCostUsd: delta,
        percent: stored.totalCostUsd === 0 ? null : (100 * delta) / stored.totalCostUsd,
      },
      result: fresh.result as EstimateResponse,
    }
  }

  /** Several scenarios side by side, in the order asked; 404 names the first unknown id. */
  async compare(input: { ids: string[] }, ctx: ServiceContext): Promise<ScenarioComparison> {
    this.access.read(ctx)
    const { ids } = check.compare<{ ids: string[] }>(input)
    const found = new Map((await this.repository.findManyByIds(ids)).map((s) => [s.id, s]))
    const items = ids.map((id, index) => {
      const s = found.get(id)
      if (!s) {
        throw new AppError('SCENARIO_NOT_FOUND', 404, `No scenario with id "${id}"`, [{ field: `/ids/${index}`, message: `"${id}" does not exist` }])
      }
      const r = s.result as EstimateResponse
      return {
        id: s.id, name: s.name, modelName: s.modelName, method: s.method, gpuName: s.gpuName, gpuCount: s.gpuCount,
        memoryPerGpuBytes: r.memory.perGpu.totalBytes, fits: r.memory.fits, tokensPerSecond: r.speed.tokensPerSecond,
        trainingHours: r.speed.trainingHours, gpuHours: s.gpuHours, totalCostUsd: s.totalCostUsd, forgettingRisk: r.forgetting.risk,
      }
    })
    const fitting = items.filter((i) => i.fits)
    const best = <T>(list: T[], key: (t: T) => number | null) =>
      list.reduce<T | null>((acc, t) => (key(t) !== null && (acc === null || key(t)! < key(acc)!) ? t : acc), null)
    return {
      items,
      cheapestId: best(fitting.filter((i) => i.totalCostUsd > 0), (i) => i.totalCostUsd)?.id ?? null,
      fastestId: best(fitting, (i) => i.trainingHours)?.id ?? null,
    }
  }

  private async find(id: string): Promise<ScenarioRecord> {
    const record = await this.repository.findById(id)
    if (!record) throw new NotFoundError('scenario', id, 'SCENARIO_NOT_FOUND')
    return record
  }

  private replay(existing: ScenarioRecord, requestHash: string): { scenario: ScenarioDto; replayed: boolean } {
    if (existing.requestHash !== requestHash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 422, 'This Idempotency-Key was used with a different body; use a new key for a new scenario')
    }
    return { scenario: toScenarioDto(existing), replayed: true }
  }

  /** Runs the estimate and derives the stored columns. */
  private async compute(request: EstimateRequest, at?: Date) {
    const resolved = await this.estimates.resolve(request, at, '/request')
    const result = this.estimates.run(resolved)
    const price = resolved.pricesUsed[0]
    return {
      modelId: resolved.resolved.modelId,
      modelName: resolved.resolved.modelName,
      method: resolved.input.method.type,
      gpuName: resolved.resolved.gpuName,
      gpuCount: resolved.input.hardware.count,
      provider: price?.provider ?? null,
      pricingModel: price?.pricingModel ?? null,
      ...costColumns(resolved, result),
      request,
      result,
      pricesUsed: resolved.pricesUsed,
    }
  }
}

const hash = (value: unknown) => createHash('sha256').update(canonical(value)).digest('hex')
