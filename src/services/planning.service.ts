// The engine's planning questions for every transport: methods side by side, a recommended
// configuration (the advisor over catalog GPUs and today's prices), LoRA serving, multi-phase
// plans and inverse questions (largest micro-batch, longest sequence, fewest GPUs). Catalog ids
// and prices are resolved here, as for a single estimate.
import type { AdvisorGpu } from '../estimation/advisor.ts'
import { compareMethods } from '../estimation/comparison.ts'
import { costReport, type PriceOffer, type PricingModel } from '../estimation/cost.ts'
import { applyDefaults, DEFAULT_TARGETS } from '../estimation/defaults.ts'
import { estimate as runEngine } from '../estimation/estimate.ts'
import { maxMicroBatchSize, maxSequenceLength, minGpuCount } from '../estimation/inverse.ts'
import { dynamicRank, gradualUnfreezing, mixedRanks, runPlan, stagedLoraThenFull, type PlanInput } from '../estimation/plans.ts'
import { servingPlan } from '../estimation/serving.ts'
import type { EstimateInput, MethodSpec, ModelSpec } from '../estimation/types.ts'
import { ValidationError, type FieldError } from '../contract/errors.ts'
import type { EstimateRequest } from '../contract/estimate.schemas.ts'
import {
  ComparisonRequestSchema, CostRequestSchema, InverseRequestSchema, PlanRequestSchema, RecommendationRequestSchema, ServingRequestSchema,
  type ComparisonRequest, type ComparisonResponse, type CostRequest, type CostResponse, type InverseRequest, type InverseResponse, type PlanRequest, type PlanResponse,
  type RecommendationRequest, type RecommendationResponse, type ServingRequest, type ServingResponse,
} from '../contract/planning.schemas.ts'
import { inlineAdvisor, type AdvisorRunner } from './advisor-pool.ts'
import type { AccessPolicy } from './auth.service.ts'
import type { CatalogService } from './catalog.service.ts'
import type { ServiceContext } from './context.ts'
import { architectureErrors, costInputOf, engineErrors, gpuSpecOf, semanticErrors, type EstimateService } from './estimate.service.ts'
import { validator } from './validation.ts'

export type {
  ComparisonRequest, ComparisonResponse, CostRequest, CostResponse, InverseRequest, InverseResponse, PlanRequest, PlanResponse,
  RecommendationRequest, RecommendationResponse, ServingRequest, ServingResponse,
}

const check = {
  comparison: validator(ComparisonRequestSchema),
  recommendation: validator(RecommendationRequestSchema),
  serving: validator(ServingRequestSchema),
  plan: validator(PlanRequestSchema),
  inverse: validator(InverseRequestSchema),
  cost: validator(CostRequestSchema),
}

function throwIfAny(errors: FieldError[]): void {
  if (errors.length > 0) throw ValidationError.of(errors)
}

const inlineErrors = (ref: unknown, spec: ModelSpec, field: string) => (typeof ref === 'string' ? [] : architectureErrors(spec, field))

export class PlanningService {
  constructor(
    private readonly estimates: EstimateService,
    private readonly catalog: CatalogService,
    private readonly access: AccessPolicy,
    private readonly advisor: AdvisorRunner = inlineAdvisor,
  ) {}

  /** Full fine-tuning, freezing, LoRA and QLoRA on the same model, data and hardware. */
  async compare(input: ComparisonRequest, ctx: ServiceContext): Promise<ComparisonResponse> {
    this.access.read(ctx)
    const body = check.comparison<ComparisonRequest>(input)
    const [model, gpu] = await Promise.all([this.estimates.resolveModel(body.model), this.estimates.resolveGpu(body.hardware.gpu)])
    const errors = inlineErrors(body.model, model.spec, '/model')
    if (body.freeze?.trainableLayers !== undefined && body.freeze.trainableLayers > model.spec.numLayers) {
      errors.push({ field: '/freeze/trainableLayers', message: `must be at most the model's numLayers (${model.spec.numLayers})` })
    }
    if (body.freeze?.trainableLayers !== undefined && body.freeze.strategy !== undefined) {
      errors.push({ field: '/freeze/strategy', message: 'cannot be combined with trainableLayers; give one of them' })
    }
    throwIfAny(errors)
    const price = await this.estimates.resolvePrice(body.pricing, gpu.id)
    const defaulted = applyDefaults({ model: model.spec, method: { type: 'full' }, training: body.training, hardware: { ...body.hardware, gpu: gpu.spec } })
    throwIfAny(engineErrors(defaulted))
    const { training, hardware } = defaulted
    const result = compareMethods({
      model: model.spec,
      training,
      hardware,
      ...(price.used ? { pricing: { ...body.pricing, usdPerGpuHour: price.used.usdPerGpuHour } } : {}),
      ...(body.forgetting ? { forgetting: body.forgetting } : {}),
      ...(body.lora ? { lora: body.lora } : {}),
      ...(body.freeze ? { freeze: body.freeze } : {}),
      ...(body.qlora ? { qlora: body.qlora } : {}),
    })
    return {
      ...result,
      pricesUsed: price.used ? [price.used] : [],
      resolved: { modelId: model.id, modelName: model.spec.name ?? 'inline model', gpuId: gpu.id, gpuName: gpu.spec.name },
    }
  }

  /** The advisor over the GPUs asked (default: every catalog GPU it can time) and the catalog prices in effect now. */
  async recommend(input: RecommendationRequest, ctx: ServiceContext): Promise<RecommendationResponse> {
    this.access.read(ctx)
    const body = check.recommendation<RecommendationRequest>(input)
    const model = await this.estimates.resolveModel(body.model)
    throwIfAny(inlineErrors(body.model, model.spec, '/model'))
    const gpus = await this.advisorGpus(body.gpus)
    const providers = body.providers?.map((p) => p.toLowerCase())
    const offers: PriceOffer[] = []
    for (const gpu of gpus.filter((g) => g.catalog)) {
      for (const p of await this.estimates.pricesInEffect({ gpu: gpu.id })) {
        if (providers && !providers.includes(p.provider)) continue
        if (body.pricingModels && !body.pricingModels.includes(p.pricingModel as PricingModel)) continue
        offers.push({ provider: p.provider, region: p.region, pricingModel: p.pricingModel as PricingModel, usdPerGpuHour: p.usdPerGpuHour, gpuId: p.gpuId })
      }
    }
    const result = await this.advisor.advise({
      model: model.spec,
      goal: body.goal,
      training: body.training,
      gpus: gpus.map((g) => g.advisor),
      offers,
      ...(body.budgetUsd !== undefined ? { budgetUsd: body.budgetUsd } : {}),
      ...(body.deadlineHours !== undefined ? { deadlineHours: body.deadlineHours } : {}),
      ...(body.qualityFloor !== undefined ? { qualityFloor: body.qualityFloor } : {}),
      ...(body.maxRisk !== undefined ? { maxRisk: body.maxRisk } : {}),
      ...(body.tasks !== undefined ? { tasks: body.tasks } : {}),
      ...(body.forgetting ? { forgetting: body.forgetting } : {}),
      ...(body.space || body.pricingModels ? { space: { ...body.space, ...(body.pricingModels ? { pricingModels: body.pricingModels } : {}) } } : {}),
      ...(body.weights ? { weights: body.weights } : {}),
      ...(body.limit !== undefined ? { limit: body.limit } : {}),
    }, ctx.signal)
    return {
      ...result,
      offersConsidered: offers.length,
      resolved: { modelId: model.id, modelName: model.spec.name ?? 'inline model', gpuIds: gpus.map((g) => g.id) },
    }
  }

  /** Memory, GPUs, storage and switch latency of serving `tasks` adapters over one base model. */
  async serving(input: ServingRequest, ctx: ServiceContext): Promise<ServingResponse> {
    this.access.read(ctx)
    const body = check.serving<ServingRequest>(input)
    const [model, gpu] = await Promise.all([this.estimates.resolveModel(body.model), this.estimates.resolveGpu(body.gpu, '/gpu')])
    const errors = inlineErrors(body.model, model.spec, '/model')
    if (body.adapter.layerRanks && body.adapter.layerRanks.length > model.spec.numLayers) {
      errors.push({ field: '/adapter/layerRanks', message: `has ${body.adapter.layerRanks.length} entries; the model has ${model.spec.numLayers} layers` })
    }
    throwIfAny(errors)
    const { model: _m, gpu: _g, adapter, ...options } = body
    const result = servingPlan({
      ...options,
      model: model.spec,
      gpu: gpu.spec,
      adapter: { rank: adapter.rank, targetModules: adapter.targetModules ?? [...DEFAULT_TARGETS], ...(adapter.layerRanks ? { layerRanks: adapter.layerRanks } : {}) },
    })
    return { ...result, resolved: { modelId: model.id, modelName: model.spec.name ?? 'inline model', gpuId: gpu.id, gpuName: gpu.spec.name } }
  }

  /** A named multi-phase strategy (or custom phases) over one base request. */
  async plan(input: PlanRequest, ctx: ServiceContext): Promise<PlanResponse> {
    this.access.read(ctx)
    const body = check.plan<PlanRequest>(input)
    if (body.strategy === 'custom' && !body.phases) throw new ValidationError('/phases', 'is required with strategy custom')
    if (body.strategy !== 'custom' && body.phases) throw new ValidationError('/phases', 'applies only to strategy custom')
    if (body.request.training.datasetTokens === undefined) {
      throw new ValidationError('/request/training/datasetTokens', 'is required: a plan splits the training tokens between phases')
    }
    const resolved = await this.estimates.resolve(body.request, undefined, '/request')
    const base = resolved.input
    const o = body.options ?? {}
    const plan: PlanInput = body.strategy === 'staged-lora-full' ? stagedLoraThenFull(base, o)
      : body.strategy === 'gradual-unfreezing' ? gradualUnfreezing(base, o)
        : body.strategy === 'mixed-ranks' ? mixedRanks(base, o)
          : body.strategy === 'dynamic-rank' ? dynamicRank(base, o)
            : { base, phases: this.customPhases(body, base) }
    return { ...runPlan(plan), pricesUsed: resolved.pricesUsed, resolved: resolved.resolved }
  }

  /** The largest micro-batch, the longest sequence or the fewest GPUs that fit, and the estimate there. */
  async inverse(input: InverseRequest, ctx: ServiceContext): Promise<InverseResponse> {
    this.access.read(ctx)
    const body = check.inverse<InverseRequest>(input)
    const { input: base, pricesUsed, resolved } = await this.estimates.resolve(body.request, undefined, '/request')
    const at = (patch: Partial<EstimateInput>) => ({ ...runEngine({ ...base, ...patch }), pricesUsed, resolved })
    if (body.solveFor === 'gpuCount') {
      const answer = minGpuCount(base)
      if (!answer) return { solveFor: body.solveFor, value: null, sharding: null, estimate: null }
      const hardware = { ...base.hardware, count: answer.count, sharding: answer.sharding }
      return { solveFor: body.solveFor, value: answer.count, sharding: answer.sharding, estimate: at({ hardware }) }
    }
    const value = body.solveFor === 'microBatchSize' ? maxMicroBatchSize(base) : maxSequenceLength(base)
    if (value === 0) return { solveFor: body.solveFor, value: null, sharding: null, estimate: null }
    return { solveFor: body.solveFor, value, sharding: null, estimate: at({ training: { ...base.training, [body.solveFor]: value } }) }
  }

  /**
   * The whole cost of a run: the estimate's GPU-hours (or the hours given) at the price the
   * estimate resolves, plus checkpoint storage, data transfer and engineering time, and the same
   * GPU-hours at every catalog offer for the GPU.
   */
  async cost(input: CostRequest, ctx: ServiceContext): Promise<CostResponse> {
    this.access.read(ctx)
    const body = check.cost<CostRequest>(input)
    const resolved = await this.estimates.resolve(body.request, undefined, '/request')
    const result = runEngine(resolved.input)
    const hours = body.hours ?? result.speed.trainingHours
    if (hours === null) throw new ValidationError('/hours', 'is required when request.training has no datasetTokens')
    const gpuHours = hours * resolved.input.hardware.count
    const gpuId = resolved.resolved.gpuId
    const offers: PriceOffer[] = gpuId === null ? [] : (await this.estimates.pricesInEffect({ gpu: gpuId })).map((p) => ({
      provider: p.provider, region: p.region, pricingModel: p.pricingModel as PricingModel, usdPerGpuHour: p.usdPerGpuHour, gpuId: p.gpuId,
    }))
    const price = resolved.pricesUsed[0]
    const report = costReport({
      // The price the estimate resolved (explicit, or the cheapest catalog match); unpriced stays unpriced.
      ...costInputOf(resolved, result, gpuHours, price?.usdPerGpuHour ?? 0),
      ...(gpuId !== null ? { gpuId, offers } : {}),
      ...(body.checkpoints ? { checkpoints: body.checkpoints } : {}),
      ...(body.egressBytes !== undefined ? { egressBytes: body.egressBytes } : {}),
      ...(body.engineeringHours !== undefined ? { engineeringHours: body.engineeringHours } : {}),
      ...(body.rates ? { rates: body.rates } : {}),
    })
    const assumptions = price ? report.assumptions : ['no price given or in the catalog: compute is not priced', ...report.assumptions.slice(1)]
    if (price?.source === 'catalog') assumptions[0] = `compute at $${price.usdPerGpuHour}/GPU-hour (${price.provider} ${price.region} ${price.pricingModel}, catalog)`
    return {
      hours,
      gpuHours,
      breakdown: report.breakdown,
      checkpointBytes: report.checkpointBytes,
      offers: report.offers.map(({ provider, region, pricingModel, usdPerGpuHour, computeUsd }) => ({ provider, region, pricingModel, usdPerGpuHour, computeUsd })),
      assumptions,
      pricesUsed: resolved.pricesUsed,
      resolved: resolved.resolved,
    }
  }

  private customPhases(body: PlanRequest, base: EstimateInput): PlanInput['phases'] {
    const phases = body.phases ?? []
    const errors = phases.flatMap((phase, i) =>
      semanticErrors(base.model, { ...(body.request as EstimateRequest), model: 'catalog', method: phase.method })
        .map((e) => ({ ...e, field: e.field.replace(/^\/method/, `/phases/${i}/method`) })))
    throwIfAny(errors)
    return phases.map((phase) => {
      const method: MethodSpec = applyDefaults({ model: base.model, method: phase.method, training: base.training, hardware: base.hardware }).method
      return {
        name: phase.name,
        method,
        tokenShare: phase.tokenShare,
        ...(phase.training ? { training: phase.training } : {}),
        ...(phase.hardware ? { hardware: phase.hardware } : {}),
      }
    })
  }

  private async advisorGpus(requested: RecommendationRequest['gpus']): Promise<{ id: string; catalog: boolean; advisor: AdvisorGpu }[]> {
    if (!requested) {
      const all = await this.catalog.listGpus({ limit: 200 })
      return all.items.flatMap((g) => {
        const spec = gpuSpecOf(g)
        return spec ? [{ id: g.id, catalog: true, advisor: { id: g.id, spec } }] : []
      })
    }
    return Promise.all(requested.map(async (entry, i) => {
      const ref = typeof entry === 'string' ? entry : entry.gpu
      const field = typeof entry === 'string' ? `/gpus/${i}` : `/gpus/${i}/gpu`
      const gpu = await this.estimates.resolveGpu(ref, field)
      const id = gpu.id ?? `inline-${i}`
      const extra = typeof entry === 'string' ? {} : {
        ...(entry.maxCount !== undefined ? { maxCount: entry.maxCount } : {}),
        ...(entry.ownedUsdPerGpuHour !== undefined ? { ownedUsdPerGpuHour: entry.ownedUsdPerGpuHour } : {}),
      }
      return { id, catalog: gpu.id !== null, advisor: { id, spec: gpu.spec, ...extra } }
    }))
  }
}
