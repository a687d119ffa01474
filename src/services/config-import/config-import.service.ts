// POST /v1/estimates/from-config and GraphQL estimateFromConfig: a training config as its tool
// wrote it becomes the estimate request it implies (the format is the stack, so
// training.framework names it), with the key behind every field, then the estimate service answers
// it as it answers POST /v1/estimates. Errors about a field the config set name the config key and
// its line and column.
import { AppError, ValidationError, type FieldError } from '../../contract/errors.ts'
import {
  ConfigImportRequestSchema, type ConfigFormat, type ConfigImportRequest, type ConfigImportResult,
} from '../../contract/config-import.schemas.ts'
import type { EstimateRequest, ModelSpecBody } from '../../contract/estimate.schemas.ts'
import type { AccessPolicy } from '../auth.service.ts'
import { modelFromHfConfig } from '../catalog-admin.service.ts'
import type { CatalogService, ModelRecord } from '../catalog.service.ts'
import type { ServiceContext } from '../context.ts'
import type { EstimateService } from '../estimate.service.ts'
import { validator } from '../validation.ts'
import { mapAxolotl } from './axolotl.ts'
import { ConfigDocument, ConfigReader } from './config-document.ts'
import type { MapContext } from './hf-trainer.ts'
import { Implied, readField, type Fields } from './implied-request.ts'
import { mapLlamaFactory } from './llama-factory.ts'
import { mapTorchtune } from './torchtune.ts'
import { mapTrl } from './trl.ts'

export type { ConfigImportRequest, ConfigImportResult }

const check = validator(ConfigImportRequestSchema)

/** Each format's reader; the format is the training stack too. */
const MAPPERS: Record<ConfigFormat, (r: ConfigReader, out: Implied, ctx: MapContext & { adapter: ConfigReader | null }) => void> = {
  axolotl: mapAxolotl,
  'llama-factory': mapLlamaFactory,
  torchtune: (r, out) => mapTorchtune(r, out),
  trl: mapTrl,
}

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Overrides laid over the implied request field by field (arrays and scalars replace). */
function overlay(target: Fields, source: Fields): void {
  for (const [key, value] of Object.entries(source)) {
    if (isObject(value) && isObject(target[key])) overlay(target[key] as Fields, value)
    else target[key] = structuredClone(value)
  }
}

/** Every leaf pointer of an object, for telling which request fields the overrides set. */
function leaves(value: unknown, prefix = ''): string[] {
  if (!isObject(value)) return [prefix]
  return Object.entries(value).flatMap(([key, child]) => leaves(child, `${prefix}/${key}`))
}

export class ConfigImportService {
  constructor(
    private readonly estimates: EstimateService,
    private readonly catalog: CatalogService,
    private readonly access: AccessPolicy,
  ) {}

  async estimate(body: unknown, ctx: ServiceContext): Promise<ConfigImportResult> {
    this.access.read(ctx)
    const input = check<ConfigImportRequest>(body)
    const { implied, readers } = this.read(input)
    const model = await this.resolveModel(input, implied)
    for (const reading of implied.afterModel) reading(model.shape)
    const request = this.complete(input, implied, model.ref)
    let estimate
    try {
      estimate = await this.estimates.estimate(request, ctx)
    } catch (err) {
      throw this.rename(err, implied, input)
    }
    return {
      request,
      mapped: inReadingOrder(implied.mapped),
      defaults: implied.defaults,
      ignored: readers.flatMap((r) => r.unread()),
      caveats: inReadingOrder(implied.caveats),
      estimate,
    }
  }

  /** Parses the texts and runs the format's mapper. */
  private read(input: ConfigImportRequest): { implied: Implied; readers: ConfigReader[] } {
    if (input.adapterConfig !== undefined && input.format !== 'trl') {
      throw new ValidationError('/adapterConfig', 'applies only to format trl (axolotl, LLaMA-Factory and torchtune configs carry their LoRA settings)')
    }
    const reader = new ConfigReader(ConfigDocument.parse(input.config, '/config'))
    const adapter = input.adapterConfig === undefined ? null : new ConfigReader(ConfigDocument.parse(input.adapterConfig, '/adapterConfig', 'adapter_config.'))
    const implied = new Implied(input.format)
    MAPPERS[input.format](reader, implied, { files: input.files ?? {}, adapter })
    return { implied, readers: adapter ? [reader, adapter] : [reader] }
  }

  /**
   * The request's model: the caller's when given (a catalog id, a repository id the catalog knows,
   * or a config.json), else the one the config names, resolved against the catalog's ids and the
   * Hugging Face repository ids its models answer to.
   */
  private async resolveModel(input: ConfigImportRequest, implied: Implied): Promise<{ ref: EstimateRequest['model']; shape: { numLayers: number } }> {
    if (input.model !== undefined) {
      if (implied.model) {
        implied.caveat(implied.model.origin.reader, implied.model.origin.path, `names ${implied.model.name}; the request's model was used instead`)
      }
      if (typeof input.model === 'string') {
        const record = await this.catalog.findModelByName(input.model)
        if (!record) throw new AppError('ESTIMATE_MODEL_NOT_FOUND', 404, `No model "${input.model}" in the catalog`, [{ field: '/model', message: `"${input.model}" is neither a catalog id nor a Hugging Face repository id of a catalog model` }])
        return { ref: record.id, shape: record }
      }
      const spec = inlineModel(input.model, implied.model?.name)
      return { ref: spec, shape: spec }
    }
    if (!implied.model) {
      const candidates = implied.modelCandidates.length > 0 ? ` (${implied.modelCandidates.join(', ')} matches no catalog model)` : ''
      throw new ValidationError('/model', `is required: the config names no model the catalog knows${candidates}; give a catalog id or the model's config.json`, 'CONFIG_MODEL_UNKNOWN')
    }
    const { name, origin, note } = implied.model
    const record = await this.findModel(name)
    if (!record) {
      throw ValidationError.of([origin.reader.error(origin.path, `"${name}" is not in the catalog (GET /v1/models lists each model with the Hugging Face repository ids it answers to); send the model's config.json as "model"`)], 'CONFIG_MODEL_UNKNOWN')
    }
    const how = record.id === name ? note : [note, `${name} is catalog model ${record.id}`].filter(Boolean).join('; ')
    implied.set(origin.reader, origin.path, '/model', record.id, how)
    return { ref: record.id, shape: record }
  }

  /** A catalog id or repository id; for a local path, its last segment as a repository's name (/models/Llama-3.1-8B/). */
  private async findModel(name: string): Promise<ModelRecord | null> {
    const direct = await this.catalog.findModelByName(name)
    if (direct) return direct
    const segment = name.replace(/[\\/]+$/, '').split(/[\\/]/).at(-1)
    if (!segment || segment === name) return null
    return this.catalog.findModelByRepositoryName(segment)
  }

  /** The implied request with the GPUs, the stack, the step budget and the overrides. */
  private complete(input: ConfigImportRequest, implied: Implied, model: EstimateRequest['model']): EstimateRequest {
    const r = implied.request
    // Hardware: the caller's, under what the config says (sharding, offload), under a count the config states.
    for (const [key, value] of Object.entries(input.hardware ?? {})) {
      if (!implied.isSet(`/hardware/${key}`)) r.hardware[key] = value
    }
    if (implied.count) implied.set(implied.count.origin.reader, implied.count.origin.path, '/hardware/count', implied.count.value)
    const overrides = (input.overrides ?? {}) as Fields
    const count = (readField(overrides, '/hardware/count') ?? r.hardware.count ?? 1) as number
    if (count > 1 && r.hardware.sharding === undefined && readField(overrides, '/hardware/sharding') === undefined) {
      r.hardware.sharding = implied.multiGpuSharding.sharding
      implied.defaults.push({ field: '/hardware/sharding', value: implied.multiGpuSharding.sharding, source: implied.multiGpuSharding.note })
    }
    implied.finish()
    this.stepsToTokens(implied, count)
    if (r.hardware.gpu === undefined && readField(overrides, '/hardware/gpu') === undefined) {
      throw new ValidationError(input.hardware ? '/hardware/gpu' : '/hardware', 'is required: no training config names its GPU; give hardware.gpu (a catalog id such as "h100-sxm-80gb", or an inline GPU)', 'CONFIG_HARDWARE_REQUIRED')
    }
    const request = {
      model,
      method: r.method,
      training: { ...r.training, framework: { name: implied.framework } },
      hardware: r.hardware,
      ...(Object.keys(r.forgetting).length > 0 ? { forgetting: r.forgetting } : {}),
    } as Fields
    const methodOverride = overrides.method as Fields | undefined
    if (methodOverride?.type !== undefined && methodOverride.type !== r.method.type) {
      // Another method: the config's method fields (rank, quantization...) belong to its own.
      request.method = {}
    }
    overlay(request, overrides)
    for (const [field, missing] of implied.missing) {
      if (readField(request, field) === undefined) throw ValidationError.of([missing.reader.error(missing.path, missing.message)], 'CONFIG_INCOMPLETE')
    }
    return request as unknown as EstimateRequest
  }

  /**
   * A step budget as the tokens it trains: steps × micro-batch × accumulation × GPUs × sequence
   * length (max_steps: the whole run, epochs 1; torchtune's max_steps_per_epoch: per epoch).
   * LLaMA-Factory's max_samples bounds them the same way when no steps are set.
   */
  private stepsToTokens(implied: Implied, count: number): void {
    const t = implied.request.training
    const seq = t.sequenceLength as number | undefined
    if (seq === undefined) return
    const micro = (t.microBatchSize as number | undefined) ?? 1
    const accumulation = (t.gradientAccumulationSteps as number | undefined) ?? 1
    if (implied.steps) {
      const { steps, origin, perEpoch } = implied.steps
      const tokens = steps * micro * accumulation * count * seq
      implied.set(origin.reader, origin.path, '/training/datasetTokens', tokens,
        `${steps} steps × micro-batch ${micro} × accumulation ${accumulation} × ${count} GPU${count > 1 ? 's' : ''} × ${seq} tokens${perEpoch ? ' per epoch' : ''}`)
      if (!perEpoch) implied.set(origin.reader, origin.path, '/training/epochs', 1, 'max_steps sets the length of the run; epochs no longer do')
    } else if (implied.samples) {
      const { samples, origin } = implied.samples
      implied.set(origin.reader, origin.path, '/training/datasetTokens', samples * seq, `at most ${samples} samples × ${seq} tokens: an upper bound, every sample counted at full length`)
    }
  }

  /** Errors about request fields, named where the caller can fix them: the config key, the override, the body field. */
  private rename(err: unknown, implied: Implied, input: ConfigImportRequest): unknown {
    if (!(err instanceof AppError) || err.errors.length === 0) return err
    const overridden = leaves(input.overrides ?? {})
    // A field and a leaf the caller sent overlap when one contains the other (/training ⊃ /training/epochs).
    const overlaps = (field: string, leaf: string) => field === leaf || field.startsWith(`${leaf}/`) || leaf.startsWith(`${field}/`)
    const errors: FieldError[] = err.errors.map((e) => {
      if (overridden.some((leaf) => overlaps(e.field, leaf))) return { ...e, field: `/overrides${e.field}` }
      // The caller's own model and hardware fields are named as sent.
      if (e.field.startsWith('/model') && input.model !== undefined) return e
      const named = implied.errorFor(e.field, e.message)
      if (named) return named
      if (e.field.startsWith('/hardware') && leaves({ hardware: input.hardware ?? {} }).some((leaf) => overlaps(e.field, leaf))) return e
      // A tool default or the stack: the implied request is where it sits.
      return { ...e, field: `/request${e.field}` }
    })
    const message = err.status === 400 ? errors.map((e) => `${e.field} ${e.message}`).join('; ') : err.message
    return new AppError(err.code, err.status, message, errors)
  }
}

/** The config top to bottom, then the adapter config; entries without a line last, as they came. */
function inReadingOrder<T extends { key: string; line?: number }>(entries: T[]): T[] {
  const file = (key: string) => (key.startsWith('adapter_config.') ? 1 : 0)
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => file(a.entry.key) - file(b.entry.key) || (a.entry.line ?? Infinity) - (b.entry.line ?? Infinity) || a.index - b.index)
    .map(({ entry }) => entry)
}

/** A Hugging Face config.json as the request's inline model (errors name /model/<key>). */
function inlineModel(config: Record<string, unknown>, name: string | undefined): ModelSpecBody {
  let fields
  try {
    fields = modelFromHfConfig({ id: 'inline', name: name ?? (typeof config._name_or_path === 'string' ? config._name_or_path : 'model from config.json'), config })
  } catch (err) {
    if (!(err instanceof AppError)) throw err
    throw ValidationError.of(err.errors.map((e) => ({ ...e, field: e.field.replace(/^\/config/, '/model') })))
  }
  const extra = fields.extra ?? {}
  const spec: ModelSpecBody = {
    name: fields.name,
    hiddenSize: fields.hiddenSize,
    intermediateSize: fields.intermediateSize,
    numLayers: fields.numLayers,
    numAttentionHeads: fields.numAttentionHeads,
    numKeyValueHeads: fields.numKeyValueHeads,
    vocabSize: fields.vocabSize,
    tieWordEmbeddings: fields.tieWordEmbeddings ?? false,
  }
  if (fields.headDim !== undefined) spec.headDim = fields.headDim
  if (fields.numExperts !== undefined) {
    spec.numExperts = fields.numExperts
    spec.expertsPerToken = fields.expertsPerToken ?? 1
    if (fields.moeIntermediateSize !== undefined) spec.moeIntermediateSize = fields.moeIntermediateSize
    if (typeof extra.shared_expert_intermediate_size === 'number') spec.sharedExpertIntermediateSize = extra.shared_expert_intermediate_size
  }
  if (extra.qkv_bias === true) spec.attentionBias = true
  return spec
}

