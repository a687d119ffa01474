// Catalog writes, admin only: models (also from a Hugging Face config.json), GPUs, and prices
// appended to history. Every write marks the entry managedBy='admin' (so re-seeding leaves it
// alone) and invalidates the catalog cache.
import type {
  CatalogAdminRepository, GpuData, ModelData, Versioned,
} from '../db/catalog-admin.repository.ts'
import { describeArchitecture } from '../estimation/architecture.ts'
import { AppError, NotFoundError, ValidationError, type FieldError } from '../contract/errors.ts'
import {
  GpuCreateSchema, GpuWriteSchema, HfImportSchema, ModelCreateSchema, ModelWriteSchema, PriceCreateSchema,
  type GpuCreate, type GpuWrite, type HfImport, type ModelCreate, type ModelWrite, type PriceCreate,
} from '../contract/catalog-admin.schemas.ts'
import type { AccessPolicy } from './auth.service.ts'
import type { CatalogService, GpuRecord, ModelRecord, PriceRecord } from './catalog.service.ts'
import type { ServiceContext } from './context.ts'
import { architectureErrors, modelSpecOf } from './estimate.service.ts'
import { validator } from './validation.ts'
import { requireVersion, staleVersion } from './versioning.ts'

export type { GpuCreate, GpuWrite, HfImport, ModelCreate, ModelWrite, PriceCreate }

const check = {
  modelCreate: validator(ModelCreateSchema),
  modelWrite: validator(ModelWriteSchema),
  gpuCreate: validator(GpuCreateSchema),
  gpuWrite: validator(GpuWriteSchema),
  price: validator(PriceCreateSchema),
  hfImport: validator(HfImportSchema),
}

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value)

/** Row data for a model, with the architecture checked and paramsTotal computed by the engine. */
function modelData(input: ModelWrite): ModelData {
  const errors = architectureErrors(
    { ...input, sharedExpertIntermediateSize: undefined },
    '',
  )
  if (errors.length > 0) throw ValidationError.of(errors)
  const data: ModelData = {
    name: input.name,
    family: input.family,
    hfId: orNull(input.hfId),
    aliases: input.aliases ?? [],
    license: orNull(input.license),
    hiddenSize: input.hiddenSize,
    intermediateSize: input.intermediateSize,
    numLayers: input.numLayers,
    numAttentionHeads: input.numAttentionHeads,
    numKeyValueHeads: input.numKeyValueHeads,
    headDim: orNull(input.headDim),
    vocabSize: input.vocabSize,
    tieWordEmbeddings: input.tieWordEmbeddings ?? false,
    maxPositionEmbeddings: orNull(input.maxPositionEmbeddings),
    numExperts: orNull(input.numExperts),
    expertsPerToken: orNull(input.expertsPerToken),
    moeIntermediateSize: orNull(input.moeIntermediateSize),
    extra: input.extra && Object.keys(input.extra).length > 0 ? input.extra : null,
    paramsTotal: null,
    sources: input.sources ?? [],
    notes: orNull(input.notes),
  }
  const record = { ...data, id: '', managedBy: 'admin', version: 0, createdAt: new Date(0), updatedAt: new Date(0) }
  const total = describeArchitecture(modelSpecOf(record)).total
  // JSON numbers (REST) and SafeInt (GraphQL) carry integers exactly only up to 2^53 − 1.
  if (!Number.isSafeInteger(total)) {
    throw new ValidationError('/', `describes ${total.toExponential(2)} parameters, more than 2^53 - 1 (${Number.MAX_SAFE_INTEGER}), the most a parameter count can be exactly; check hiddenSize, intermediateSize, numLayers, numExperts and vocabSize`)
  }
  data.paramsTotal = total
  return data
}

function gpuData(input: GpuWrite): GpuData {
  return {
    name: input.name,
    vendor: input.vendor,
    memoryGiB: input.memoryGiB,
    memoryType: orNull(input.memoryType),
    memoryBandwidthTBps: input.memoryBandwidthTBps,
    bf16Tflops: orNull(input.bf16Tflops),
    fp16Tflops: orNull(input.fp16Tflops),
    fp8Tflops: orNull(input.fp8Tflops),
    interconnect: orNull(input.interconnect),
    interconnectGBps: orNull(input.interconnectGBps),
    tdpWatts: orNull(input.tdpWatts),
    sources: input.sources ?? [],
    notes: orNull(input.notes),
    verification: orNull(input.verification),
  }
}

/** config.json keys kept in `extra` because the estimate reads them (family quirks) or people look for them. */
const HF_EXTRA_KEYS = [
  'model_type', 'shared_expert_intermediate_size', 'intermediate_size_mlp', 'interleave_moe_layer_step',
  'rope_theta', 'sliding_window', 'torch_dtype',
] as const

/**
 * A Hugging Face config.json as a model. Multimodal configs nest the language model under
 * `text_config` (Llama 4, Gemma 3), which is what is fine-tuned and counted here.
 */
export function modelFromHfConfig(input: HfImport): ModelCreate {
  const outer = input.config
  const c: Record<string, unknown> = typeof outer.text_config === 'object' && outer.text_config !== null
    ? { ...outer, ...(outer.text_config as Record<string, unknown>) }
    : outer
  const errors: FieldError[] = []
  const int = (key: string, required: boolean): number | undefined => {
    const value = c[key]
    if (value === undefined || value === null) {
      if (required) errors.push({ field: `/config/${key}`, message: 'is required' })
      return undefined
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      errors.push({ field: `/config/${key}`, message: 'must be a positive integer' })
      return undefined
    }
    return value
  }
  const hiddenSize = int('hidden_size', true)
  const intermediateSize = int('intermediate_size', true)
  const numLayers = int('num_hidden_layers', true)
  const numAttentionHeads = int('num_attention_heads', true)
  const vocabSize = int('vocab_size', true)
  const numKeyValueHeads = int('num_key_value_heads', false) ?? numAttentionHeads
  const headDim = int('head_dim', false)
  const maxPositionEmbeddings = int('max_position_embeddings', false)
  const numExperts = int('num_local_experts', false) ?? int('num_experts', false)
  const expertsPerToken = int('num_experts_per_tok', false)
  const moeIntermediateSize = int('moe_intermediate_size', false)
  if (errors.length > 0) throw ValidationError.of(errors)

  const modelType = typeof c.model_type === 'string' ? c.model_type : undefined
  const extra: Record<string, unknown> = {}
  for (const key of HF_EXTRA_KEYS) if (c[key] !== undefined && c[key] !== null) extra[key] = c[key]
  // Qwen2 always has q/k/v biases (its config has no flag for it); others say attention_bias.
  if (c.attention_bias === true || /^qwen2/.test(modelType ?? '')) extra.qkv_bias = true
  if (/^qwen3/.test(modelType ?? '')) extra.qk_norm = true
  if (/^llama4/.test(modelType ?? '')) extra.shared_expert = true
  const moe = numExperts !== undefined && numExperts > 1
  return {
    id: input.id,
    name: input.name,
    family: input.family ?? (modelType ?? 'unknown').replace(/_text$/, ''),
    hfId: input.hfId,
    license: input.license,
    hiddenSize: hiddenSize!,
    intermediateSize: intermediateSize!,
    numLayers: numLayers!,
    numAttentionHeads: numAttentionHeads!,
    numKeyValueHeads: numKeyValueHeads!,
    headDim,
    vocabSize: vocabSize!,
    tieWordEmbeddings: c.tie_word_embeddings === true,
    maxPositionEmbeddings,
    numExperts: moe ? numExperts : undefined,
    expertsPerToken: moe ? (expertsPerToken ?? 1) : undefined,
    moeIntermediateSize: moe ? moeIntermediateSize : undefined,
    extra,
    sources: input.sources ?? (input.hfId ? [`https://huggingface.co/${input.hfId}/blob/main/config.json`] : []),
    notes: input.notes,
  }
}

function settle<T>(outcome: Versioned<T>, kind: string, id: string, expected: number): T {
  if ('ok' in outcome) return outcome.ok
  if ('missing' in outcome) throw new NotFoundError(kind, id)
  throw staleVersion(`${kind} "${id}"`, expected, outcome.stale)
}

export class CatalogAdminService {
  constructor(
    private readonly repository: CatalogAdminRepository,
    private readonly catalog: CatalogService,
    private readonly access: AccessPolicy,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async createModel(input: ModelCreate, ctx: ServiceContext): Promise<ModelRecord> {
    this.access.require(ctx, 'admin')
    const { id, ...fields } = check.modelCreate<ModelCreate>(input)
    return this.written(await this.repository.createModel(id, modelData(fields)))
  }

  /** Replaces the model's fields; `expectedVersion` is the version read (If-Match). */
  async updateModel(id: string, input: ModelWrite, expectedVersion: number | undefined, ctx: ServiceContext): Promise<ModelRecord> {
    this.access.require(ctx, 'admin')
    const version = requireVersion(expectedVersion, `model "${id}"`)
    const data = modelData(check.modelWrite<ModelWrite>(input))
    return this.written(settle(await this.repository.updateModel(id, version, data), 'model', id, version))
  }

  /** Stores a Hugging Face config.json as a new model. */
  async importHfConfig(input: HfImport, ctx: ServiceContext): Promise<ModelRecord> {
    this.access.require(ctx, 'admin')
    const model = modelFromHfConfig(check.hfImport<HfImport>(input))
    const { id, ...fields } = model
    return this.written(await this.repository.createModel(id, modelData(fields)))
  }

  async createGpu(input: GpuCreate, ctx: ServiceContext): Promise<GpuRecord> {
    this.access.require(ctx, 'admin')
    const { id, ...fields } = check.gpuCreate<GpuCreate>(input)
    return this.written(await this.repository.createGpu(id, gpuData(fields)))
  }

  async updateGpu(id: string, input: GpuWrite, expectedVersion: number | undefined, ctx: ServiceContext): Promise<GpuRecord> {
    this.access.require(ctx, 'admin')
    const version = requireVersion(expectedVersion, `GPU "${id}"`)
    const data = gpuData(check.gpuWrite<GpuWrite>(input))
    return this.written(settle(await this.repository.updateGpu(id, version, data), 'gpu', id, version))
  }

  /** Appends a price; the open price of the same series ends where this one starts. */
  async appendPrice(input: PriceCreate, ctx: ServiceContext): Promise<{ price: PriceRecord; closed: PriceRecord | null }> {
    this.access.require(ctx, 'admin')
    const p = check.price<PriceCreate>(input)
    const effectiveFrom = p.effectiveFrom === undefined ? this.now() : new Date(p.effectiveFrom)
    if (Number.isNaN(effectiveFrom.getTime())) throw new ValidationError('/effectiveFrom', 'must be an ISO 8601 date-time')
    const appended = await this.repository.appendPrice({
      gpuId: p.gpuId,
      provider: p.provider.toLowerCase(),
      region: p.region,
      pricingModel: p.pricingModel,
      usdPerGpuHour: p.usdPerGpuHour,
      instanceType: orNull(p.instanceType),
      gpusPerInstance: orNull(p.gpusPerInstance),
      effectiveFrom,
      sources: p.sources ?? [],
      notes: orNull(p.notes),
    })
    if (!appended) {
      throw new AppError('GPU_NOT_FOUND', 404, `No GPU with id "${p.gpuId}"`, [{ field: '/gpuId', message: `"${p.gpuId}" is not in the catalog` }])
    }
    return this.written(appended)
  }

  private written<T>(value: T): T {
    this.catalog.invalidate()
    return value
  }
}
