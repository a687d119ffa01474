// TypeBox schemas of the catalog writes (admin): models, GPUs, price points, config.json import.
import { Type, type Static } from 'typebox'
import { PRICING_MODELS, PriceSchema } from './catalog.schemas.ts'

const int = (minimum: number, maximum: number, description: string) => Type.Integer({ minimum, maximum, description })
const positive = (maximum: number, description: string) => Type.Number({ exclusiveMinimum: 0, maximum, description })
const text = (maxLength: number, description: string) => Type.String({ minLength: 1, maxLength, description })
const optionalText = (maxLength: number, description: string) => Type.Optional(text(maxLength, description))

export const CatalogSlugSchema = Type.String({
  minLength: 1,
  maxLength: 120,
  pattern: '^[a-z0-9][a-z0-9._-]*$',
  description: 'Lowercase slug: letters, digits, ".", "_" and "-", e.g. "llama-3.1-8b".',
})

const SourcesSchema = Type.Array(Type.String({ minLength: 1, maxLength: 1000 }), {
  maxItems: 50,
  description: 'Where the figures come from (URLs, repositories at a commit). Default: [].',
})

export const ModelWriteSchema = Type.Object({
  name: text(200, 'Display name, e.g. "Llama-3.1-8B".'),
  family: text(60, 'Architecture (config.json model_type), e.g. llama, qwen2, mixtral.'),
  hfId: optionalText(200, 'Hugging Face repository id.'),
  aliases: Type.Optional(Type.Array(text(200, 'A Hugging Face repository id.'), {
    maxItems: 50, uniqueItems: true,
    description: 'Other Hugging Face repository ids with this architecture; config import resolves them to this model. Default: [].',
  })),
  license: optionalText(100, 'License tag of the model card.'),
  hiddenSize: int(1, 262_144, 'config.json hidden_size.'),
  intermediateSize: int(1, 1_048_576, 'config.json intermediate_size.'),
  numLayers: int(1, 1024, 'config.json num_hidden_layers.'),
  numAttentionHeads: int(1, 4096, 'config.json num_attention_heads.'),
  numKeyValueHeads: int(1, 4096, 'config.json num_key_value_heads; must divide numAttentionHeads.'),
  headDim: Type.Optional(int(1, 4096, 'config.json head_dim. Default: hiddenSize / numAttentionHeads.')),
  vocabSize: int(1, 4_194_304, 'config.json vocab_size.'),
  tieWordEmbeddings: Type.Optional(Type.Boolean({ description: 'config.json tie_word_embeddings. Default: false.' })),
  maxPositionEmbeddings: Type.Optional(int(1, 100_000_000, 'config.json max_position_embeddings.')),
  numExperts: Type.Optional(int(1, 4096, 'MoE: routed experts per layer.')),
  expertsPerToken: Type.Optional(int(1, 4096, 'MoE: experts chosen per token.')),
  moeIntermediateSize: Type.Optional(int(1, 1_048_576, 'MoE: width of each expert.')),
  extra: Type.Optional(Type.Record(Type.String(), Type.Unknown(), {
    description: 'Architecture details in config.json words (qkv_bias, qk_norm, shared_expert_intermediate_size, interleave_moe_layer_step, ...).',
  })),
  sources: Type.Optional(SourcesSchema),
  notes: optionalText(2000, 'Free-form notes.'),
}, { additionalProperties: false, description: 'A model architecture (all fields; PUT replaces the whole entry).' })

export const ModelCreateSchema = Type.Object({
  id: CatalogSlugSchema,
  ...ModelWriteSchema.properties,
}, { additionalProperties: false, description: 'A new model architecture.' })

export const GpuWriteSchema = Type.Object({
  name: text(200, 'Display name, e.g. "NVIDIA H100 SXM5 80GB".'),
  vendor: text(60, 'Vendor, e.g. NVIDIA, AMD.'),
  memoryGiB: positive(16_384, 'Device memory, GiB.'),
  memoryType: optionalText(40, 'e.g. HBM3.'),
  memoryBandwidthTBps: positive(1000, 'Memory bandwidth, TB/s (1e12 bytes/s).'),
  bf16Tflops: Type.Optional(positive(100_000, 'Dense (no sparsity) BF16 tensor TFLOPS.')),
  fp16Tflops: Type.Optional(positive(100_000, 'Dense FP16 tensor TFLOPS.')),
  fp8Tflops: Type.Optional(positive(200_000, 'Dense FP8 tensor TFLOPS.')),
  interconnect: optionalText(100, 'e.g. NVLink 4.'),
  interconnectGBps: Type.Optional(positive(100_000, 'GPU-to-GPU bandwidth, GB/s, both directions summed.')),
  tdpWatts: Type.Optional(int(1, 100_000, 'Thermal design power, W.')),
  sources: Type.Optional(SourcesSchema),
  notes: optionalText(2000, 'Free-form notes.'),
  verification: optionalText(200, 'How the figures were checked.'),
}, { additionalProperties: false, description: 'An accelerator (all fields; PUT replaces the whole entry).' })

export const GpuCreateSchema = Type.Object({
  id: CatalogSlugSchema,
  ...GpuWriteSchema.properties,
}, { additionalProperties: false, description: 'A new accelerator.' })

export const PriceCreateSchema = Type.Object({
  gpuId: CatalogSlugSchema,
  provider: Type.String({ minLength: 1, maxLength: 60, description: 'Provider, stored lowercase, e.g. "aws".' }),
  region: Type.String({ minLength: 1, maxLength: 60, description: 'Region as the provider names it, e.g. "us-east-1".' }),
  pricingModel: Type.Enum([...PRICING_MODELS], { description: 'on-demand, spot or reserved.' }),
  usdPerGpuHour: Type.Number({ minimum: 0, maximum: 10_000, description: 'USD per GPU-hour (instance price / GPUs per instance).' }),
  instanceType: optionalText(100, 'Instance shape, e.g. "p5.48xlarge"; part of the price\'s identity.'),
  gpusPerInstance: Type.Optional(int(1, 4096, 'GPUs in that instance shape.')),
  effectiveFrom: Type.Optional(Type.String({ format: 'date-time', description: 'When the price starts to apply (ISO 8601 with offset). Default: now.' })),
  sources: Type.Optional(SourcesSchema),
  notes: optionalText(2000, 'Free-form notes.'),
}, { additionalProperties: false, description: 'A new price point; it closes the current one of the same GPU, provider, region, pricing model and instance type.' })

export const PriceAppendedSchema = Type.Object({
  price: PriceSchema,
  closed: Type.Union([PriceSchema, Type.Null()], { description: 'The previous price of the same series, now ending where the new one starts; null if there was none.' }),
}, { description: 'The appended price and the one it superseded.' })

export const HfImportSchema = Type.Object({
  id: CatalogSlugSchema,
  name: text(200, 'Display name.'),
  hfId: optionalText(200, 'Hugging Face repository id the config came from.'),
  license: optionalText(100, 'License tag of the model card.'),
  family: optionalText(60, 'Architecture family. Default: config.model_type.'),
  sources: Type.Optional(SourcesSchema),
  notes: optionalText(2000, 'Free-form notes.'),
  config: Type.Record(Type.String(), Type.Unknown(), {
    description: 'A Hugging Face config.json as is (multimodal configs: the text_config is used). Unknown fields are ignored.',
  }),
}, { additionalProperties: false, description: 'A config.json to store as a catalog model.' })

export type ModelWrite = Static<typeof ModelWriteSchema>
export type ModelCreate = Static<typeof ModelCreateSchema>
export type GpuWrite = Static<typeof GpuWriteSchema>
export type GpuCreate = Static<typeof GpuCreateSchema>
export type PriceCreate = Static<typeof PriceCreateSchema>
export type HfImport = Static<typeof HfImportSchema>
