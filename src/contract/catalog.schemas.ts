// TypeBox schemas of the catalog read endpoints: /v1/models, /v1/gpus, /v1/prices.
import { Type, type Static } from 'typebox'

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])
/** Serialised as an ISO 8601 string; handlers return the Date the repository gives. */
const timestamp = (description: string) => Type.Unsafe<Date>(Type.String({ format: 'date-time', description }))
const sources = Type.Array(Type.String(), { description: 'Where the figures come from (repositories at a commit, vendor pages).' })

export const PageQuerySchema = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Page size (1-200).' }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The `nextCursor` of the previous page.' })),
})

export const IdParamsSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 120, description: 'Catalog id (slug), e.g. "llama-3.1-8b" or "a100-80gb".' }),
})

export const ModelSchema = Type.Object({
  id: Type.String({ description: 'Slug of the name, e.g. "llama-3.1-8b".' }),
  name: Type.String(),
  hfId: nullable(Type.String({ description: 'Hugging Face repository id.' })),
  aliases: Type.Array(Type.String(), { description: 'Other Hugging Face repository ids with this architecture (instruct/chat/base checkpoints, earlier names); a training config naming any of them, or hfId, resolves to this model.' }),
  family: Type.String({ description: 'Architecture (config.json model_type), e.g. llama, qwen2, mixtral.' }),
  license: nullable(Type.String({ description: 'License tag of the Hugging Face model card.' })),
  hiddenSize: Type.Integer(),
  intermediateSize: Type.Integer(),
  numLayers: Type.Integer(),
  numAttentionHeads: Type.Integer(),
  numKeyValueHeads: Type.Integer(),
  headDim: nullable(Type.Integer()),
  vocabSize: Type.Integer(),
  tieWordEmbeddings: Type.Boolean(),
  maxPositionEmbeddings: nullable(Type.Integer()),
  numExperts: nullable(Type.Integer({ description: 'MoE: routed experts per MoE layer.' })),
  expertsPerToken: nullable(Type.Integer({ description: 'MoE: experts chosen per token.' })),
  moeIntermediateSize: nullable(Type.Integer({ description: 'MoE: expert MLP width when it differs from intermediateSize.' })),
  extra: Type.Unknown({ description: 'Architecture details beyond the columns (qkv_bias, qk_norm, sliding_window, ...), as given; null when none.' }),
  paramsTotal: nullable(Type.Number({ description: 'Total parameter count computed from the config.' })),
  sources,
  notes: nullable(Type.String()),
  managedBy: Type.String({ description: '"seed" or "admin".' }),
  version: Type.Integer(),
  createdAt: timestamp('When the row was created.'),
  updatedAt: timestamp('When the row last changed.'),
}, { description: 'A model architecture from the catalog.' })

export const GpuSchema = Type.Object({
  id: Type.String({ description: 'Slug, e.g. "h100-sxm-80gb", "a100-80gb", "l40s".' }),
  name: Type.String(),
  vendor: Type.String(),
  memoryGiB: Type.Number(),
  memoryType: nullable(Type.String()),
  memoryBandwidthTBps: Type.Number({ description: 'TB/s (1e12 bytes/s).' }),
  bf16Tflops: nullable(Type.Number({ description: 'Dense (no sparsity) peak BF16 tensor TFLOPS.' })),
  fp16Tflops: nullable(Type.Number({ description: 'Dense peak FP16 tensor TFLOPS.' })),
  fp8Tflops: nullable(Type.Number({ description: 'Dense peak FP8 tensor TFLOPS.' })),
  interconnect: nullable(Type.String()),
  interconnectGBps: nullable(Type.Number({ description: 'GPU-to-GPU bandwidth, GB/s, both directions summed.' })),
  tdpWatts: nullable(Type.Integer()),
  sources,
  notes: nullable(Type.String()),
  verification: nullable(Type.String()),
  managedBy: Type.String(),
  version: Type.Integer(),
  createdAt: timestamp('When the row was created.'),
  updatedAt: timestamp('When the row last changed.'),
}, { description: 'An accelerator specification from the catalog.' })

export const PRICING_MODELS = ['on-demand', 'spot', 'reserved'] as const

export const PriceSchema = Type.Object({
  id: Type.String(),
  gpuId: Type.String(),
  provider: Type.String({ description: 'Lowercase provider slug, e.g. "aws", "gcp", "lambda", "runpod".' }),
  region: Type.String(),
  pricingModel: Type.String({ description: 'on-demand, spot or reserved.' }),
  usdPerGpuHour: Type.Number(),
  instanceType: nullable(Type.String()),
  gpusPerInstance: nullable(Type.Integer()),
  effectiveFrom: timestamp('First instant the price applies.'),
  effectiveTo: nullable(timestamp('First instant it no longer applies; null while current.')),
  sources,
  notes: nullable(Type.String()),
  createdAt: timestamp('When the row was created.'),
}, { description: 'One price of one GPU at one provider, region, instance type and pricing model.' })

const pageOf = <T extends Parameters<typeof Type.Array>[0]>(item: T, description: string) =>
  Type.Object({
    items: Type.Array(item),
    nextCursor: nullable(Type.String({ description: 'Cursor of the next page; null on the last one.' })),
  }, { description })

export const ModelPageSchema = pageOf(ModelSchema, 'A page of models ordered by id.')
export const GpuPageSchema = pageOf(GpuSchema, 'A page of GPUs ordered by id.')
export const PricePageSchema = pageOf(PriceSchema, 'A page of prices in effect at the requested instant, ordered by id.')

export const PriceQuerySchema = Type.Object({
  ...PageQuerySchema.properties,
  gpu: Type.Optional(Type.String({ minLength: 1, maxLength: 120, description: 'GPU id, e.g. "a100-80gb".' })),
  provider: Type.Optional(Type.String({ minLength: 1, maxLength: 60, description: 'Provider, case-insensitive, e.g. "aws".' })),
  pricingModel: Type.Optional(Type.Enum([...PRICING_MODELS], { description: 'on-demand, spot or reserved.' })),
  region: Type.Optional(Type.String({ minLength: 1, maxLength: 60, description: 'Region as the provider names it, e.g. "us-east-1".' })),
  at: Type.Optional(Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})?)?$',
    description: 'Date (YYYY-MM-DD, midnight UTC) or ISO 8601 date-time the prices must be in effect at. Default: now.',
  })),
})

export type PageQuery = Static<typeof PageQuerySchema>
export type PriceQueryString = Static<typeof PriceQuerySchema>
