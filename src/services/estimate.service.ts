// Turns an estimate request into engine input and back: checks it (the same schema REST uses,
// plus the rules a schema cannot say), resolves catalog ids into plain specs and the price in
// effect now, applies the documented defaults, runs the pure engine, and records which prices
// were used. Inline model and GPU specs with an explicit price never touch the database.
import { modelSpecFromHfConfig } from '../estimation/architecture.ts'
import type { CostReportInput } from '../estimation/cost.ts'
import { applyDefaults } from '../estimation/defaults.ts'
import { estimate as runEngine } from '../estimation/estimate.ts'
import { validateInput } from '../estimation/validate.ts'
import type { EstimateInput, GpuSpec, ModelSpec } from '../estimation/types.ts'
import { AppError, ValidationError, type FieldError } from '../contract/errors.ts'
import {
  EstimateRequestSchema,
  type EstimateRequest,
  type EstimateResponse,
} from '../contract/estimate.schemas.ts'
import { SweepRequestSchema, type SweepPoint, type SweepRequest, type SweepResponse } from '../contract/sweep.schemas.ts'
import type { AccessPolicy } from './auth.service.ts'
import type { CatalogService, CatalogView, GpuRecord, ModelRecord, PriceRecord } from './catalog.service.ts'
import type { ServiceContext } from './context.ts'
import { sweepField, sweepValues, withValue, type SweepField } from './sweep-fields.ts'
import { validator } from './validation.ts'

export type { EstimateRequest, EstimateResponse, SweepRequest, SweepResponse }
export type PriceUsed = EstimateResponse['pricesUsed'][number]

/** What a request resolved to: the engine input (defaults applied) and where its parts came from. */
export interface ResolvedEstimate {
  input: EstimateInput
  pricesUsed: PriceUsed[]
  resolved: EstimateResponse['resolved']
  /** The on-demand (list) price of the same GPU, provider and region, for FinOps ListCost; null when unknown. */
  listUsdPerGpuHour: number | null
}

const checkRequest = validator(EstimateRequestSchema)
const checkSweep = validator(SweepRequestSchema)

/**
 * A catalog row as engine input. The row keeps config.json's own words for the family quirks
 * (in `extra`), so the engine's config.json mapping reads it and the two cannot drift.
 */
export function modelSpecOf(m: ModelRecord): ModelSpec {
  const x = m.extra ?? {}
  const num = (key: string) => (typeof x[key] === 'number' ? x[key] : null)
  const spec = modelSpecFromHfConfig({
    name: m.name,
    arch: m.family,
    hidden_size: m.hiddenSize,
    intermediate_size: m.intermediateSize,
    num_hidden_layers: m.numLayers,
    num_attention_heads: m.numAttentionHeads,
    num_key_value_heads: m.numKeyValueHeads,
    head_dim: m.headDim,
    vocab_size: m.vocabSize,
    tie_word_embeddings: m.tieWordEmbeddings,
    qkv_bias: x.qkv_bias === true || x.attention_bias === true,
    qk_norm: x.qk_norm === true,
    num_experts: m.numExperts,
    num_experts_per_tok: m.expertsPerToken,
    moe_intermediate_size: m.moeIntermediateSize,
    intermediate_size_mlp: num('intermediate_size_mlp'),
    interleave_moe_layer_step: num('interleave_moe_layer_step'),
    shared_expert: x.shared_expert === true,
  })
  // Qwen-MoE style: a shared expert with its own width (config.json shared_expert_intermediate_size).
  const shared = num('shared_expert_intermediate_size')
  if (shared !== null && spec.numExperts) spec.sharedExpertIntermediateSize = shared
  return spec
}

/** Null when the catalog GPU has no BF16 figure: the engine cannot time it. */
export function gpuSpecOf(g: GpuRecord): GpuSpec | null {
  const bf16 = g.bf16Tflops ?? g.fp16Tflops
  if (bf16 === null) return null
  const spec: GpuSpec = { name: g.name, memoryGiB: g.memoryGiB, bf16Tflops: bf16, memoryBandwidthTBps: g.memoryBandwidthTBps }
  if (g.fp16Tflops !== null) spec.fp16Tflops = g.fp16Tflops
  if (g.fp8Tflops !== null) spec.fp8Tflops = g.fp8Tflops
  if (g.interconnectGBps !== null) spec.interconnectGBps = g.interconnectGBps
  return spec
}

/** Architecture rules a JSON schema cannot express, each naming the field under `base`. */
export function architectureErrors(model: Omit<ModelSpec, 'tieWordEmbeddings'>, base: string): FieldError[] {
  const errors: FieldError[] = []
  const add = (field: string, message: string) => errors.push({ field: `${base}/${field}`, message })
  if (model.numAttentionHeads % model.numKeyValueHeads !== 0) {
    add('numKeyValueHeads', `must divide numAttentionHeads (${model.numAttentionHeads}); ${model.numKeyValueHeads} does not`)
  }
  if (model.headDim === undefined && model.hiddenSize % model.numAttentionHeads !== 0) {
    add('headDim', `is required when numAttentionHeads (${model.numAttentionHeads}) does not divide hiddenSize (${model.hiddenSize})`)
  }
  const moeFields = [model.expertsPerToken, model.moeIntermediateSize, model.sharedExpertIntermediateSize].some((v) => v !== undefined)
  if (model.numExperts === undefined && moeFields) add('numExperts', 'is required with expertsPerToken, moeIntermediateSize or sharedExpertIntermediateSize')
  if (model.numExperts !== undefined && model.expertsPerToken === undefined) add('expertsPerToken', 'is required with numExperts')
  if (model.numExperts !== undefined && model.expertsPerToken !== undefined && model.expertsPerToken > model.numExperts) {
    add('expertsPerToken', `must be at most numExperts (${model.numExperts})`)
  }
  return errors
}

/** The rules a JSON schema cannot express; each names the field to fix. */
export function semanticErrors(model: ModelSpec, request: EstimateRequest): FieldError[] {
  const errors = typeof request.model === 'string' ? [] : architectureErrors(model, '/model')
  const add = (field: string, message: string) => errors.push({ field, message })

  const m = request.method
  const lowRank = m.type === 'lora' || m.type === 'qlora'
  if (m.type !== 'freeze') {
    if (m.trainableLayers !== undefined) add('/method/trainableLayers', 'applies only to method type freeze')
    if (m.strategy !== undefined) add('/method/strategy', 'applies only to method type freeze')
  } else if (m.trainableLayers !== undefined && m.strategy !== undefined) {
    add('/method/strategy', 'cannot be combined with trainableLayers; give one of them')
  }
  if (m.trainableLayers !== undefined && m.trainableLayers > model.numLayers) {
    add('/method/trainableLayers', `must be at most the model's numLayers (${model.numLayers})`)
  }
  if (!lowRank) {
    for (const key of ['rank', 'alpha', 'targetModules', 'layerRanks'] as const) {
      if (m[key] !== undefined) add(`/method/${key}`, 'applies only to method types lora and qlora')
    }
  }
  if (m.layerRanks !== undefined && m.layerRanks.length > model.numLayers) {
    add('/method/layerRanks', `has ${m.layerRanks.length} entries; the model has ${model.numLayers} layers`)
  }
  if (m.type !== 'qlora') {
    // LoRA over quantised weights is QLoRA: say so rather than silently ignore the field.
    if (m.quantization !== undefined) add('/method/quantization', 'applies only to method type qlora')
    if (m.doubleQuantization !== undefined) add('/method/doubleQuantization', 'applies only to method type qlora')
    if (m.nonQuantizedDtype !== undefined) add('/method/nonQuantizedDtype', 'applies only to method type qlora')
  }
  if (!lowRank && m.dropout !== undefined) add('/method/dropout', 'applies only to method types lora and qlora')
  return errors
}

export class EstimateService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly access: AccessPolicy,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Engine specs of catalog rows, built once per row (a catalog reload brings new rows; the old entries go with them). */
  private readonly modelSpecs = new WeakMap<ModelRecord, ModelSpec>()
  private readonly gpuSpecs = new WeakMap<GpuRecord, GpuSpec | null>()

  /**
   * POST /v1/estimates and GraphQL estimate(input:). `checked`: the caller has already validated
   * `request` against EstimateRequestSchema (REST's route schema), so the schema check is not run
   * twice; the rules a schema cannot say still are.
   */
  async estimate(request: EstimateRequest, ctx: ServiceContext, checked = false): Promise<EstimateResponse> {
    this.access.read(ctx)
    const resolved = await this.resolveAt(checked ? request : checkRequest<EstimateRequest>(request), this.now())
    return this.run(resolved)
  }

  /**
   * POST /v1/estimates/sweep and GraphQL estimateSweep. The catalog is read and the request's
   * model and GPU resolved once; at each value the field is set, the request checked again (the
   * schema's bounds of that field included), its defaults applied and the engine run, so every
   * point is the estimate POST /v1/estimates gives for that value. A bad value is a 400 naming
   * it (/vary/values/3, /vary/range/from); a problem elsewhere names the field under /request.
   */
  async sweep(body: SweepRequest, ctx: ServiceContext, checked = false): Promise<SweepResponse> {
    this.access.read(ctx)
    const { request, vary } = checked ? body : checkSweep<SweepRequest>(body)
    const field = sweepField(vary.field, request)
    const values = sweepValues(vary, field)
    const at = this.now()
    const catalog = needsCatalog(request) ? await this.catalog.view() : null
    const specs = await withPointer('/request', async () => this.specsIn(catalog, request))
    const respecify = field.part === 'model' || field.part === 'gpu'
    const reprice = respecify || field.part === 'pricing'
    let price: PriceResolution | undefined
    const points: SweepPoint[] = []
    let first: ResolvedEstimate | undefined
    let largestFitting: number | null = null
    for (const { value, pointer } of values) {
      const patched = withValue(request, field, value)
      try {
        checkRequest(patched)
        const pointSpecs = respecify ? this.specsIn(catalog, patched) : specs
        const resolved = this.build(patched, pointSpecs, reprice
          ? () => priceIn(catalog, patched.pricing, pointSpecs.gpu.id, at)
          : () => (price ??= priceIn(catalog, request.pricing, specs.gpu.id, at)))
        first ??= resolved
        const result = this.run(resolved)
        if (result.memory.fits && (largestFitting === null || value > largestFitting)) largestFitting = value
        points.push({
          value,
          totalBytes: result.memory.perGpu.totalBytes,
          lowBytes: result.memory.band.lowBytes,
          highBytes: result.memory.band.highBytes,
          capacityBytes: result.memory.gpuCapacityBytes,
          fits: result.memory.fits,
          tokensPerSecond: result.speed.tokensPerSecond,
          stepSeconds: result.speed.stepSeconds,
          trainingHours: result.speed.trainingHours,
          gpuHours: result.speed.gpuHours,
          costUsd: result.cost.totalUsd,
          trainableParameters: result.parameters.trainable,
          trainableShare: result.parameters.trainableShare,
          forgettingRisk: result.forgetting.risk,
        })
      } catch (err) {
        throw atSweepValue(err, field, value, pointer)
      }
    }
    return { field: field.name, points, largestFitting, pricesUsed: first!.pricesUsed, resolved: first!.resolved }
  }

  /** Runs the engine on resolved input; what scenarios store. */
  run(resolved: ResolvedEstimate): EstimateResponse {
    const result = runEngine(resolved.input)
    // Counts travel as exact integers (JSON numbers, GraphQL SafeInt) only up to 2^53 - 1; the
    // high band bounds every per-GPU byte figure.
    const largest = Math.max(result.parameters.total, result.memory.band.highBytes, result.memory.cpuOffloadBytes)
    if (!Number.isSafeInteger(largest)) {
      throw new ValidationError('/', `needs ${largest.toExponential(2)} parameters or bytes, more than 2^53 - 1 (${Number.MAX_SAFE_INTEGER}), the most a count can be exactly; shrink the model or microBatchSize × sequenceLength`)
    }
    // The engine's result is fresh per call: extended in place rather than copied.
    return Object.assign(result, { pricesUsed: resolved.pricesUsed, resolved: resolved.resolved })
  }

  /**
   * Validates the request and resolves ids and prices, without running the engine. `pointer` is
   * where the request sits in the caller's body (scenarios: "/request"), so errors name the field
   * as the caller sent it.
   */
  async resolve(raw: unknown, at: Date = this.now(), pointer = ''): Promise<ResolvedEstimate> {
    return withPointer(pointer, () => this.resolveAt(checkRequest<EstimateRequest>(raw), at))
  }

  private async resolveAt(request: EstimateRequest, at: Date): Promise<ResolvedEstimate> {
    const catalog = needsCatalog(request) ? this.catalog.view() : null
    return this.resolveIn(catalog instanceof Promise ? await catalog : catalog, request, at)
  }

  private resolveIn(catalog: CatalogView | null, request: EstimateRequest, at: Date): ResolvedEstimate {
    const specs = this.specsIn(catalog, request)
    return this.build(request, specs, () => priceIn(catalog, request.pricing, specs.gpu.id, at))
  }

  /** The model and GPU specs of a request (404 for unknown ids, 400 for an untimed GPU). */
  private specsIn(catalog: CatalogView | null, request: EstimateRequest): Specs {
    return { model: this.modelIn(catalog, request.model, '/model'), gpu: this.gpuIn(catalog, request.hardware.gpu, '/hardware/gpu') }
  }

  /**
   * The rest of a resolution: the rules a schema cannot say, then the price (so a request with
   * both a bad field and no price is told about the field), the defaults and the engine's rules.
   */
  private build(request: EstimateRequest, { model, gpu }: Specs, pricing: () => PriceResolution): ResolvedEstimate {
    const errors = semanticErrors(model.spec, request)
    if (errors.length > 0) throw ValidationError.of(errors)
    const price = pricing()
    // Fields named one by one: object rest/spread of the request costs microseconds per estimate.
    const input = applyDefaults({
      model: model.spec,
      method: request.method,
      training: request.training,
      hardware: { ...request.hardware, gpu: gpu.spec },
    })
    if (price.used) input.pricing = { ...request.pricing, usdPerGpuHour: price.used.usdPerGpuHour }
    if (request.forgetting) input.forgetting = request.forgetting
    const problems = engineErrors(input)
    if (problems.length > 0) throw ValidationError.of(problems)
    return {
      input,
      pricesUsed: price.used ? [price.used] : [],
      resolved: { modelId: model.id, modelName: model.spec.name ?? 'inline model', gpuId: gpu.id, gpuName: gpu.spec.name },
      listUsdPerGpuHour: price.listUsdPerGpuHour,
    }
  }

  /** A catalog model id (404 naming it at `field` when unknown) or an inline spec as is. */
  async resolveModel(model: EstimateRequest['model'], field = '/model'): Promise<{ id: string | null; spec: ModelSpec }> {
    return this.modelIn(typeof model === 'string' ? await this.catalog.view() : null, model, field)
  }

  /** A catalog GPU id (404 naming it at `field` when unknown) or an inline spec as is. */
  async resolveGpu(gpu: EstimateRequest['hardware']['gpu'], field = '/hardware/gpu'): Promise<{ id: string | null; spec: GpuSpec }> {
    return this.gpuIn(typeof gpu === 'string' ? await this.catalog.view() : null, gpu, field)
  }

  /** The price an estimate uses (see priceIn); reads the catalog only when the request does not name a price. */
  async resolvePrice(requested: EstimateRequest['pricing'], gpuId: string | null, at: Date = this.now()): Promise<PriceResolution> {
    const needsCatalog = gpuId !== null && requested?.usdPerGpuHour === undefined
    return priceIn(needsCatalog ? await this.catalog.view() : null, requested, gpuId, at)
  }

  private modelIn(catalog: CatalogView | null, model: EstimateRequest['model'], field: string): { id: string | null; spec: ModelSpec } {
    if (typeof model !== 'string') return { id: null, spec: model as ModelSpec }
    const record = catalog?.models.get(model)
    if (!record) throw notFound('ESTIMATE_MODEL_NOT_FOUND', field, 'model', model)
    let spec = this.modelSpecs.get(record)
    // Frozen: one spec serves every estimate of this catalog version, so nothing may change it.
    if (!spec) this.modelSpecs.set(record, spec = Object.freeze(modelSpecOf(record)))
    return { id: record.id, spec }
  }

  private gpuIn(catalog: CatalogView | null, gpu: EstimateRequest['hardware']['gpu'], field: string): { id: string | null; spec: GpuSpec } {
    if (typeof gpu !== 'string') return { id: null, spec: gpu }
    const record = catalog?.gpus.get(gpu)
    if (!record) throw notFound('ESTIMATE_GPU_NOT_FOUND', field, 'GPU', gpu)
    let spec = this.gpuSpecs.get(record)
    if (spec === undefined) {
      const built = gpuSpecOf(record)
      spec = built && Object.freeze(built)
      this.gpuSpecs.set(record, spec)
    }
    if (!spec) throw new ValidationError(field, `"${gpu}" has no BF16/FP16 TFLOPS in the catalog; pass an inline GPU spec`, 'ESTIMATE_GPU_UNTIMED')
    return { id: record.id, spec }
  }

  /** Every catalog price in effect at `at` for one GPU (all pages). */
  async pricesInEffect(filter: { gpu: string; provider?: string | undefined; region?: string | undefined; pricingModel?: string | undefined; at?: Date }): Promise<PriceRecord[]> {
    const all: PriceRecord[] = []
    let cursor: string | undefined
    do {
      const page = await this.catalog.listPrices({ ...filter, at: filter.at ?? this.now() }, { limit: 200, cursor })
      all.push(...page.items)
      cursor = page.nextCursor ?? undefined
    } while (cursor)
    return all
  }
}

/** Catalog ids to resolve. An inline model and GPU never load the catalog, so they keep answering while the database is away. */
function needsCatalog(request: EstimateRequest): boolean {
  return typeof request.model === 'string' || typeof request.hardware.gpu === 'string'
}

interface Specs {
  model: { id: string | null; spec: ModelSpec }
  gpu: { id: string | null; spec: GpuSpec }
}

export interface PriceResolution {
  used: PriceUsed | null
  /** The on-demand price of the same GPU, provider and region (FinOps ListCost); null when unknown. */
  listUsdPerGpuHour: number | null
}

/**
 * An explicit usdPerGpuHour wins. Otherwise the cheapest catalog price in effect at `at` for the
 * GPU and the given provider/region/pricing model (on-demand by default). When none of those
 * is given a missing price just leaves the estimate unpriced; otherwise it is a 404.
 */
function priceIn(catalog: CatalogView | null, requested: EstimateRequest['pricing'], gpuId: string | null, at: Date): PriceResolution {
  const pricing = requested ?? {}
  if (pricing.usdPerGpuHour !== undefined) {
    const used: PriceUsed = {
      source: 'request', usdPerGpuHour: pricing.usdPerGpuHour, pricePointId: null, gpuId,
      provider: pricing.provider ?? null, region: pricing.region ?? null, pricingModel: pricing.pricingModel ?? null, effectiveFrom: null,
    }
    return { used, listUsdPerGpuHour: pricing.pricingModel === undefined || pricing.pricingModel === 'on-demand' ? pricing.usdPerGpuHour : null }
  }
  // A pricing block that names where to buy must find a price; no block (or an empty one) may stay unpriced.
  const asked = pricing.provider !== undefined || pricing.region !== undefined || pricing.pricingModel !== undefined
  if (gpuId === null || catalog === null) {
    if (asked) throw new ValidationError('/pricing/usdPerGpuHour', 'is required with an inline GPU: catalog prices belong to catalog GPUs')
    return { used: null, listUsdPerGpuHour: null }
  }
  const pricingModel = pricing.pricingModel ?? 'on-demand'
  const cheapest = catalog.cheapestPrice({ gpu: gpuId, provider: pricing.provider, region: pricing.region, pricingModel, at })
  if (!cheapest) {
    if (!asked) return { used: null, listUsdPerGpuHour: null }
    const what = [pricing.provider, pricing.region, pricingModel].filter(Boolean).join(' ')
    throw new AppError('ESTIMATE_PRICE_NOT_FOUND', 404, `No ${what} price for GPU "${gpuId}" in effect at ${at.toISOString()}`, [
      { field: pricing.provider ? '/pricing/provider' : '/pricing', message: 'matches no catalog price' },
    ])
  }
  const list = pricingModel === 'on-demand'
    ? cheapest
    : catalog.cheapestPrice({ gpu: gpuId, provider: cheapest.provider, region: cheapest.region, pricingModel: 'on-demand', at })
  return {
    used: {
      source: 'catalog', usdPerGpuHour: cheapest.usdPerGpuHour, pricePointId: cheapest.id, gpuId,
      provider: cheapest.provider, region: cheapest.region, pricingModel: cheapest.pricingModel,
      effectiveFrom: cheapest.effectiveFrom.toISOString(),
    },
    listUsdPerGpuHour: list?.usdPerGpuHour ?? null,
  }
}

/**
 * What the cost model (src/estimation/cost.ts costReport) needs of a resolved estimate: the
 * method and parameter counts that size checkpoints, the epochs that count them, the GPU-hours
 * and the price to charge them at. Scenarios' total cost and POST /v1/costs both start here.
 */
export function costInputOf(resolved: ResolvedEstimate, result: { parameters: { total: number; trainable: number } }, gpuHours: number, usdPerGpuHour: number): CostReportInput {
  return {
    method: resolved.input.method.type,
    totalParams: result.parameters.total,
    trainableParams: result.parameters.trainable,
    gpuHours,
    usdPerGpuHour,
    epochs: resolved.input.training.epochs,
  }
}

/** The engine's own cross-field rules (e.g. parameter offload needs zero3/fsdp), as JSON pointers. */
export function engineErrors(input: EstimateInput): FieldError[] {
  return validateInput(input).map((p) => ({ field: `/${p.field.replace(/\./g, '/')}`, message: p.message }))
}

/** Runs `fn`, prefixing the fields of any domain error with `pointer`. */
export async function withPointer<T>(pointer: string, fn: () => Promise<T>): Promise<T> {
  if (pointer === '') return fn()
  try {
    return await fn()
  } catch (err) {
    if (!(err instanceof AppError) || err.errors.length === 0) throw err
    const errors = err.errors.map((e) => ({ ...e, field: pointer + (e.field === '/' ? '' : e.field) }))
    const message = err.status === 400 ? errors.map((e) => `${e.field} ${e.message}`).join('; ') : err.message
    throw new AppError(err.code, err.status, message, errors)
  }
}

/**
 * An error raised at one point of a sweep, told in the sweep's terms: what concerns the varied
 * field (or the estimate as a whole, "/") names the value's place in `vary`; anything else names
 * the field under /request. Each message says at which value it happened.
 */
function atSweepValue(err: unknown, field: SweepField, value: number, pointer: string): unknown {
  if (!(err instanceof AppError) || err.errors.length === 0) return err
  const where = `${field.name} = ${value}`
  const errors = err.errors.map((e) => (e.field === field.pointer || e.field === '/'
    ? { field: pointer, message: `${where}: ${e.message}` }
    : { field: `/request${e.field}`, message: `${e.message} (at ${where})` }))
  const message = err.status === 400 ? errors.map((e) => `${e.field} ${e.message}`).join('; ') : `${err.message} (at ${where})`
  return new AppError(err.code, err.status, message, errors)
}

function notFound(code: string, field: string, kind: string, id: string): AppError {
  return new AppError(code, 404, `No ${kind} with id "${id}" in the catalog`, [{ field, message: `"${id}" is not in the catalog` }])
}
