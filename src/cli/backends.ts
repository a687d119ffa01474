// Where the CLI's numbers come from: the engine in this process over the seed catalog (no server,
// no database: the same services a freshly seeded server runs, so the same numbers), or a running
// service through the typed client (--url). Both answer in the REST shapes.
import {
  createEstimatorClient, EstimatorApiError, unwrap, type Answer, type Body,
} from '../../clients/typescript/index.ts'
import { createSeedCatalogRepository } from '../db/seed-catalog.repository.ts'
import { AppError } from '../contract/errors.ts'
import { AccessPolicy } from '../services/auth.service.ts'
import { CatalogService } from '../services/catalog.service.ts'
import { ConfigImportService } from '../services/config-import/config-import.service.ts'
import { ANONYMOUS, type ServiceContext } from '../services/context.ts'
import { EstimateService } from '../services/estimate.service.ts'
import { PlanningService } from '../services/planning.service.ts'

export type ConfigImportBody = Body<'/v1/estimates/from-config', 'post'>
export type ConfigImportAnswer = Answer<'/v1/estimates/from-config', 'post'>
export type EstimateBody = Body<'/v1/estimates', 'post'>
export type EstimateAnswer = Answer<'/v1/estimates', 'post'>
export type ComparisonBody = Body<'/v1/comparisons', 'post'>
export type ComparisonAnswer = Answer<'/v1/comparisons', 'post'>
export type RecommendationBody = Body<'/v1/recommendations', 'post'>
export type RecommendationAnswer = Answer<'/v1/recommendations', 'post'>

export interface Backend {
  fromConfig(body: ConfigImportBody): Promise<ConfigImportAnswer>
  estimate(body: EstimateBody): Promise<EstimateAnswer>
  compare(body: ComparisonBody): Promise<ComparisonAnswer>
  advise(body: RecommendationBody): Promise<RecommendationAnswer>
}

/** A refusal of the input (4xx): the CLI exits 2 with its message and fields. */
export class InputError extends Error {
  override readonly name = 'InputError'
  constructor(message: string, readonly fields: { field: string; message: string }[] = []) {
    super(message)
  }
}

/** The services' answers are the REST bodies; JSON round-trips them exactly as the server would send them. */
const asJson = <T>(value: unknown): T => JSON.parse(JSON.stringify(value)) as T

export function inProcessBackend(): Backend {
  const catalog = new CatalogService(createSeedCatalogRepository())
  const access = new AccessPolicy(false)
  const estimates = new EstimateService(catalog, access)
  const planning = new PlanningService(estimates, catalog, access)
  const configs = new ConfigImportService(estimates, catalog, access)
  const ctx: ServiceContext = { actor: ANONYMOUS }
  const call = async <T>(fn: () => Promise<unknown>): Promise<T> => {
    try {
      return asJson<T>(await fn())
    } catch (err) {
      if (err instanceof AppError && err.status < 500) throw new InputError(err.message, err.errors)
      throw err
    }
  }
  return {
    fromConfig: (body) => call(() => configs.estimate(body, ctx)),
    estimate: (body) => call(() => estimates.estimate(body as never, ctx)),
    compare: (body) => call(() => planning.compare(body as never, ctx)),
    advise: (body) => call(() => planning.recommend(body as never, ctx)),
  }
}

export function remoteBackend(baseUrl: string, apiKey: string | undefined): Backend {
  const api = createEstimatorClient({ baseUrl, ...(apiKey ? { apiKey } : {}) })
  const call = async <T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> => {
    try {
      return await unwrap(request)
    } catch (err) {
      if (err instanceof EstimatorApiError && err.status < 500 && err.problem) throw new InputError(err.problem.detail, err.problem.errors)
      throw err
    }
  }
  return {
    fromConfig: (body) => call(api.POST('/v1/estimates/from-config', { body })),
    estimate: (body) => call(api.POST('/v1/estimates', { body })),
    compare: (body) => call(api.POST('/v1/comparisons', { body })),
    advise: (body) => call(api.POST('/v1/recommendations', { body })),
  }
}
