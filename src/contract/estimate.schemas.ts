// TypeBox schemas of POST /v1/estimates, field for field as docs/estimate-contract.md fixes
// them. Defaults are documented here and applied by the engine's applyDefaults (one source), so
// GraphQL, which bypasses these schemas, gets the same defaults.
import { Type, type Static, type TSchema } from 'typebox'

const int = (minimum: number, maximum: number, description: string) =>
  Type.Integer({ minimum, maximum, description })
const positive = (maximum: number, description: string) =>
  Type.Number({ exclusiveMinimum: 0, maximum, description })

/** Catalog ids are slugs such as "llama-2-7b" or "a100-80gb". */
export const CatalogIdSchema = Type.String({
  minLength: 1,
  maxLength: 120,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]*$',
  description: 'Catalog id, e.g. "llama-2-7b" or "a100-80gb".',
})

export const ModelSpecSchema = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Display name, echoed back.' })),
  hiddenSize: int(1, 262_144, 'config.json hidden_size: width of the residual stream.'),
  intermediateSize: int(1, 1_048_576, 'config.json intermediate_size: width of the dense MLP.'),
  numLayers: int(1, 1024, 'config.json num_hidden_layers: decoder layers.'),
  numAttentionHeads: int(1, 4096, 'config.json num_attention_heads: query heads.'),
  numKeyValueHeads: int(1, 4096, 'config.json num_key_value_heads: key/value heads (GQA); must divide numAttentionHeads.'),
  headDim: Type.Optional(int(1, 4096, 'config.json head_dim. Default: hiddenSize / numAttentionHeads.')),
  vocabSize: int(1, 4_194_304, 'config.json vocab_size.'),
  tieWordEmbeddings: Type.Optional(Type.Boolean({ description: 'config.json tie_word_embeddings: lm_head shares the embedding matrix. Default: false.' })),
  numExperts: Type.Optional(int(1, 4096, 'MoE only: routed experts per layer (num_local_experts / num_experts).')),
  expertsPerToken: Type.Optional(int(1, 4096, 'MoE only: experts chosen per token (num_experts_per_tok); at most numExperts.')),
  moeIntermediateSize: Type.Optional(int(1, 1_048_576, 'MoE only: intermediate size of each expert. Default: intermediateSize.')),
  sharedExpertIntermediateSize: Type.Optional(int(0, 1_048_576, 'MoE only: intermediate size of an always-on shared expert (Qwen-MoE, DeepSeek). Default: 0.')),
  attentionBias: Type.Optional(Type.Boolean({ description: 'Bias on the q/k/v projections (Qwen2). Default: false.' })),
  mlp: Type.Optional(Type.Enum(['gated', 'standard'], { description: 'gated = SwiGLU/GeGLU (three matrices), standard = two-matrix MLP (GPT-2, BLOOM). Default: gated.' })),
}, { additionalProperties: false, description: 'An inline architecture: the fields of a Hugging Face config.json, camelCased.' })

const LoraTargetSchema = Type.Enum(
  ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj', 'embed_tokens', 'lm_head'],
  { description: 'A module that receives a LoRA adapter.' },
)

export const METHOD_TYPES = ['full', 'freeze', 'lora', 'qlora'] as const
export const DTYPES = ['fp32', 'bf16', 'fp16'] as const
/** Training stacks with a profile (src/estimation/stacks.ts); `custom` is a stack the service knows nothing of. */
export const FRAMEWORKS = ['hf-trainer', 'trl', 'axolotl', 'llama-factory', 'ms-swift', 'torchtune', 'unsloth', 'litgpt', 'custom'] as const

/** A release ("0.9.6", "4.46.0.dev0") or a monthly snapshot ("2025-03"). */
const VERSION_PATTERN = '^(\\d{4}-\\d{2}|\\d+(\\.\\d+){0,3}([.-]?(dev|rc|post|a|b)\\d*)?)$'

export const FrameworkSchema = Type.Object({
  name: Type.Enum(FRAMEWORKS, { description: 'The training stack; its profile fills in every physics knob the request leaves out.' }),
  version: Type.Optional(Type.String({ pattern: VERSION_PATTERN, maxLength: 40, description: 'The stack\'s own release ("0.9.6") or a "YYYY-MM" snapshot. Default: the newest release the profile knows.' })),
  transformers: Type.Optional(Type.String({ pattern: VERSION_PATTERN, maxLength: 40, description: 'HF-based stacks: the transformers release underneath ("4.42.4"). Default: the one that stack release installed.' })),
}, { additionalProperties: false, description: 'Which stack runs the training, for the defaults it implies (docs/stack-profiles.md).' })

export const MethodSchema = Type.Object({
  type: Type.Enum(METHOD_TYPES, { description: 'Fine-tuning method.' }),
  trainableLayers: Type.Optional(int(1, 1024, 'freeze: number of top decoder layers trained, at most the model\'s numLayers. Default: the strategy\'s share.')),
  strategy: Type.Optional(Type.Enum(['conservative', 'attention-only', 'aggressive'], { description: 'freeze: a named strategy instead of trainableLayers. Default: conservative.' })),
  rank: Type.Optional(int(1, 4096, 'lora/qlora: adapter rank r. Default: 16.')),
  alpha: Type.Optional(positive(1_000_000, 'lora/qlora: scaling alpha. Default: 2 × rank.')),
  targetModules: Type.Optional(Type.Array(LoraTargetSchema, {
    minItems: 1, maxItems: 9, uniqueItems: true,
    description: 'lora/qlora: modules that receive adapters. Default: ["q_proj", "v_proj"].',
  })),
  layerRanks: Type.Optional(Type.Array(int(1, 4096, 'Rank of one decoder layer.'), {
    minItems: 1, maxItems: 1024,
    description: 'lora/qlora: per-layer ranks (index = decoder layer), overriding rank where given; at most numLayers entries.',
  })),
  quantization: Type.Optional(Type.Enum(['nf4', 'int8'], { description: 'qlora only: storage format of the frozen base weights. Default: nf4.' })),
  doubleQuantization: Type.Optional(Type.Boolean({ description: 'qlora only: quantise the quantisation constants too. Default: true.' })),
  dropout: Type.Optional(Type.Number({ minimum: 0, maximum: 0.9, description: 'lora/qlora: dropout on the adapter input (lora_dropout); above 0 each adapted linear keeps a mask. Default: the stack profile\'s, 0 without one.' })),
  nonQuantizedDtype: Type.Optional(Type.Enum(DTYPES, { description: 'qlora only: dtype of the parameters left unquantized (embeddings, norms, lm_head). PEFT\'s prepare_model_for_kbit_training casts them to fp32; other stacks keep the compute dtype. Default: the stack profile\'s.' })),
}, { additionalProperties: false, description: 'How the model is fine-tuned.' })

export const TrainingSchema = Type.Object({
  microBatchSize: int(1, 65_536, 'Sequences per GPU per forward pass.'),
  sequenceLength: int(1, 1_048_576, 'Tokens per sequence.'),
  gradientAccumulationSteps: Type.Optional(int(1, 65_536, 'Micro-batches accumulated per optimizer step. Default: 1.')),
  precision: Type.Optional(Type.Enum(['bf16-mixed', 'fp16-mixed', 'bf16', 'fp16', 'fp32'], {
    description: 'Numeric precision; "-mixed" keeps fp32 master weights. Default: bf16-mixed.',
  })),
  optimizer: Type.Optional(Type.Enum(['adamw', 'adamw-8bit', 'paged-adamw', 'paged-adamw-8bit', 'sgd', 'adafactor'], {
    description: 'Optimizer, which sets the bytes of state per trainable parameter. Default: adamw.',
  })),
  gradientCheckpointing: Type.Optional(Type.Boolean({ description: 'Recompute activations in the backward pass. Default: false.' })),
  attention: Type.Optional(Type.Enum(['flash', 'sdpa', 'eager'], { description: 'Attention kernel; eager materialises the score matrix. Default: flash.' })),
  loss: Type.Optional(Type.Enum(['fp32', 'half', 'chunked', 'fused'], {
    description: 'Cross-entropy over the vocabulary: fp32 upcast of the full logits (HF transformers, autocast), half (16-bit, no upcast), chunked (logits whole, cross-entropy per chunk: torchtune CEWithChunkedOutputLoss, litgpt) or fused (logits never materialised: Liger, Unsloth, cut-cross-entropy, TRL chunked_nll). Default: the stack profile\'s, fp32 without one.',
  })),
  framework: Type.Optional(FrameworkSchema),
  weightsDtype: Type.Optional(Type.Enum(DTYPES, { description: 'Storage dtype of the model\'s weights on the GPU: fp32 (loaded without torch_dtype, Lightning bf16-mixed) or 16-bit. Default: the stack profile\'s; without one fp32 for fp32 precision and 16-bit otherwise.' })),
  sequenceLengths: Type.Optional(Type.Enum(['fixed', 'variable'], { description: 'fixed: every micro-batch is sequenceLength tokens (packed, or padded to the maximum); variable: padded to the longest sequence of each batch, up to sequenceLength. Variable shapes fragment PyTorch\'s caching allocator. Default: the stack profile\'s, fixed without one.' })),
  expandableSegments: Type.Optional(Type.Boolean({ description: 'PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True: the caching allocator maps memory in pages instead of fixed segments, so variable shapes fragment it far less. Default: the stack profile\'s, false without one.' })),
  compile: Type.Optional(Type.Boolean({ description: 'torch.compile on the decoder layers and loss (fused pointwise kernels, fewer saved activations). Default: false.' })),
  activationOffload: Type.Optional(Type.Boolean({ description: 'Saved activations moved to host memory during forward and fetched back for backward. Default: false.' })),
  datasetTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 1e15, description: 'Tokens in the training set; gives trainingHours and cost.' })),
  epochs: Type.Optional(positive(10_000, 'Passes over datasetTokens. Default: 1.')),
}, { additionalProperties: false, description: 'The training run.' })

export const GpuSpecSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200, description: 'Display name.' }),
  memoryGiB: positive(16_384, 'Device memory in GiB.'),
  bf16Tflops: positive(100_000, 'Dense (no sparsity) BF16 tensor-core peak, TFLOPS.'),
  fp16Tflops: Type.Optional(positive(100_000, 'Dense FP16 tensor-core peak, TFLOPS. Default: bf16Tflops.')),
  fp8Tflops: Type.Optional(positive(200_000, 'Dense FP8 tensor-core peak, TFLOPS.')),
  memoryBandwidthTBps: positive(1000, 'Device memory bandwidth, TB/s (1e12 bytes/s).'),
  interconnectGBps: Type.Optional(positive(100_000, 'Intra-node interconnect, both directions summed, GB/s. Absent: PCIe only.')),
}, { additionalProperties: false, description: 'An inline accelerator.' })

export const HardwareSchema = Type.Object({
  gpu: Type.Union([CatalogIdSchema, GpuSpecSchema], { description: 'A GPU catalog id or an inline accelerator.' }),
  count: Type.Optional(int(1, 4096, 'Number of GPUs. Default: 1.')),
  sharding: Type.Optional(Type.Enum(['none', 'ddp', 'zero1', 'zero2', 'zero3', 'fsdp'], { description: 'How model state is split across GPUs. Default: none.' })),
  offload: Type.Optional(Type.Enum(['none', 'optimizer', 'optimizer-and-params'], { description: 'What is offloaded to host memory; optimizer-and-params needs sharding zero3 or fsdp. Default: none.' })),
  gpusPerNode: Type.Optional(int(1, 64, 'GPUs per server; collectives among more GPUs cross the network. Default: 8.')),
  networkGBps: Type.Optional(positive(10_000, 'Network bandwidth per GPU between servers, both directions summed, GB/s. Default: 50 (200 Gb/s InfiniBand HDR).')),
}, { additionalProperties: false, description: 'The accelerators.' })

export const PricingSchema = Type.Object({
  provider: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Cloud provider as in the price catalog, e.g. "aws". Default: the cheapest catalog price for the GPU.' })),
  pricingModel: Type.Optional(Type.Enum(['on-demand', 'spot', 'reserved'], { description: 'Pricing model. Default: on-demand.' })),
  region: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Region as in the price catalog, e.g. "us-east-1". Default: any.' })),
  usdPerGpuHour: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000, description: 'Explicit price per GPU-hour in USD; skips the catalog.' })),
}, { additionalProperties: false, description: 'Where the price comes from: an explicit price, or a catalog lookup.' })

export const ForgettingSpecSchema = Type.Object({
  learningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'Peak learning rate; higher rates forget more.' })),
  replayShare: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Share of pretraining-like data mixed into the training set (0..1). Default: 0.' })),
  regularization: Type.Optional(Type.Object({
    kind: Type.Enum(['l2-sp', 'ewc'], { description: 'Pull towards the pretrained weights: L2-SP or EWC.' }),
    lambda: Type.Number({ minimum: 0, maximum: 1e9, description: 'Regularisation strength λ.' }),
    curvature: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e9, description: 'Task-loss curvature h in 1/(1 + λ/h). Default: 1.' })),
  }, { additionalProperties: false })),
  domain: Type.Optional(Type.Enum(['near', 'far'], { description: 'How far the data sits from pretraining text: near (chat, math, prose) or far (code-like).' })),
  regime: Type.Optional(Type.Enum(['instruction', 'continued-pretraining'], { description: 'Instruction tuning or continued pretraining.' })),
}, { additionalProperties: false, description: 'Optional inputs of the forgetting-risk model.' })

export const EstimateRequestSchema = Type.Object({
  model: Type.Union([CatalogIdSchema, ModelSpecSchema], { description: 'A model catalog id or an inline architecture.' }),
  method: MethodSchema,
  training: TrainingSchema,
  hardware: HardwareSchema,
  pricing: Type.Optional(PricingSchema),
  forgetting: Type.Optional(ForgettingSpecSchema),
}, { additionalProperties: false, description: 'What to estimate (docs/estimate-contract.md).' })

export type EstimateRequest = Static<typeof EstimateRequestSchema>
export type ModelSpecBody = Static<typeof ModelSpecSchema>
export type GpuSpecBody = Static<typeof GpuSpecSchema>

const bytes = (description: string) => Type.Integer({ minimum: 0, description: `${description} (bytes)` })
/**
 * `T | null` as a list of types rather than anyOf: fast-json-stringify writes a type list with a
 * typeof check, but runs a schema validator on every value to pick an anyOf branch (7 % of the
 * estimate route's CPU time). Same JSON Schema meaning, same OpenAPI 3.1 meaning.
 */
const orNull = <T extends TSchema & { type: string }>(schema: T, description: string) =>
  Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'], description })
const nullableNumber = (description: string) => orNull(Type.Number(), description)

export const MemoryBreakdownSchema = Type.Object({
  weightsBytes: bytes('Model weights held by one GPU'),
  gradientsBytes: bytes('Gradients of the trainable parameters'),
  optimizerBytes: bytes('Optimizer states'),
  activationsBytes: bytes('Activations kept for the backward pass, logits included'),
  adaptersBytes: bytes('LoRA adapter weights'),
  overheadBytes: bytes('Outside PyTorch\'s allocator: CUDA context, NCCL buffers, paged optimizer states'),
  totalBytes: bytes('The peak a GPU must hold: the sum of the above (reservedPeakBytes + overheadBytes)'),
  // Optional in the schema only because scenarios stored before these fields existed lack them; every estimate has them.
  allocatedPeakBytes: Type.Optional(bytes('What torch.cuda.max_memory_allocated() would report')),
  reservedPeakBytes: Type.Optional(bytes('What torch.cuda.max_memory_reserved() would report: allocated plus the caching allocator\'s rounding and fragmentation')),
})

export const WarningSchema = Type.Object({
  code: Type.String({ description: 'Stable warning code.' }),
  message: Type.String({ description: 'Human-readable explanation.' }),
})

export const PriceUsedSchema = Type.Object({
  source: Type.Enum(['request', 'catalog'], { description: 'request = usdPerGpuHour given in the body; catalog = looked up.' }),
  usdPerGpuHour: Type.Number({ description: 'Price per GPU-hour used, USD.' }),
  pricePointId: orNull(Type.String(), 'Catalog price point id, null for request prices.'),
  gpuId: orNull(Type.String(), 'Catalog GPU id.'),
  provider: orNull(Type.String(), 'Provider of the price.'),
  region: orNull(Type.String(), 'Region of the price.'),
  pricingModel: orNull(Type.String(), 'on-demand, spot or reserved.'),
  effectiveFrom: orNull(Type.String({ format: 'date-time' }), 'Start of the price\'s validity.'),
}, { description: 'A price the estimate used.' })

const AssumedDefaultSchema = Type.Object({
  field: Type.String({ description: 'Request field the default stands for, e.g. "training.loss".' }),
  value: Type.Unknown({ description: 'The value used.' }),
  source: Type.String({ description: 'Where it comes from: the stack\'s source (repo@commit:path) or "contract default".' }),
})

/**
 * What the engine assumed. Scenarios stored before the stack profiles kept only the notes, as a
 * plain list; they are read back as `{ notes }`, so every field but `notes` is optional here.
 */
export const EstimateAssumptionsSchema = Type.Object({
  framework: Type.Optional(Type.Object({
    name: Type.String({ description: 'The stack whose profile was applied (custom: none).' }),
    version: orNull(Type.String(), 'The stack release the profile used; null for custom.'),
    transformers: orNull(Type.String(), 'The transformers release the profile used; null for stacks not built on it.'),
  })),
  precision: Type.Optional(Type.String({ description: 'Precision used.' })),
  weightsDtype: Type.Optional(Type.String({ description: 'Storage dtype of the weights.' })),
  adapterDtype: Type.Optional(orNull(Type.String(), 'Storage dtype of the LoRA adapters; null without adapters.')),
  nonQuantizedDtype: Type.Optional(orNull(Type.String(), 'qlora: dtype of the unquantized parameters; null otherwise.')),
  residualDtype: Type.Optional(Type.String({ description: 'dtype of the residual stream between decoder layers (fp32 when embeddings and norms are fp32).' })),
  loss: Type.Optional(Type.String({ description: 'Loss implementation used.' })),
  sequenceLengths: Type.Optional(Type.String({ description: 'fixed or variable batch shapes.' })),
  gradientCheckpointing: Type.Optional(Type.Boolean({ description: 'Whether activations are recomputed.' })),
  activationOffload: Type.Optional(Type.Boolean({ description: 'Whether saved activations go to host memory.' })),
  expandableSegments: Type.Optional(Type.Boolean({ description: 'Whether the allocator uses expandable segments.' })),
  defaults: Type.Optional(Type.Array(AssumedDefaultSchema, { description: 'Every field the request left out and what filled it in, with its source.' })),
  notes: Type.Array(Type.String(), { description: 'How the estimate was computed, in words.' }),
}, { description: 'Assumptions the engine made.' })

export const EstimateResultSchema = Type.Object({
  parameters: Type.Object({
    total: Type.Integer({ description: 'All parameters of the model.' }),
    trainable: Type.Integer({ description: 'Parameters updated by the method (adapters for LoRA/QLoRA).' }),
    active: Type.Integer({ description: 'Parameters used per token (MoE: routed experts only).' }),
    trainableShare: Type.Number({ description: 'trainable / total.' }),
  }),
  memory: Type.Object({
    perGpu: MemoryBreakdownSchema,
    band: Type.Object({
      lowBytes: bytes('Low end of the per-GPU peak'),
      expectedBytes: bytes('Expected per-GPU peak'),
      highBytes: bytes('High end of the per-GPU peak'),
    }, { description: 'Uncertainty band of perGpu.totalBytes.' }),
    gpuCapacityBytes: bytes('Memory of one GPU'),
    fits: Type.Boolean({ description: 'Whether both the training peak and the load peak fit in one GPU.' }),
    cpuOffloadBytes: bytes('Host memory needed per GPU when offloading'),
    loadPeakBytes: Type.Optional(bytes('Peak per GPU while the model is loaded, quantised and sharded, before the first step (device view)')),
  }),
  speed: Type.Object({
    tokensPerSecond: Type.Number({ description: 'Training throughput of the whole job, all GPUs together.' }),
    stepSeconds: Type.Number({ description: 'Seconds per optimizer step.' }),
    trainingHours: nullableNumber('datasetTokens × epochs at that speed; null without datasetTokens.'),
    flopsPerToken: Type.Number({ description: 'Training FLOPs per token.' }),
    mfu: Type.Number({ description: 'Model FLOPs utilisation assumed for this GPU and method.' }),
    gpuHours: nullableNumber('trainingHours × count; null without datasetTokens.'),
  }),
  cost: Type.Object({
    totalUsd: nullableNumber('gpuHours × usdPerGpuHour; null without datasetTokens or price.'),
    usdPerGpuHour: nullableNumber('Price used; null when no price was found.'),
  }),
  forgetting: Type.Object({
    risk: Type.Number({ minimum: 0, maximum: 1, description: 'Risk of catastrophic forgetting, 0..1.' }),
    level: Type.Optional(Type.Enum(['low', 'moderate', 'high'], { description: 'The risk in words.' })),
    expectedDrop: Type.Optional(Type.Number({ description: 'Expected drop on general benchmarks, as a fraction.' })),
  }),
  assumptions: EstimateAssumptionsSchema,
  warnings: Type.Array(WarningSchema, { description: 'Things to check before renting.' }),
  pricesUsed: Type.Array(PriceUsedSchema, { description: 'The prices this estimate used (empty when unpriced).' }),
  resolved: Type.Object({
    modelId: orNull(Type.String(), 'Catalog id of the model, null for inline specs.'),
    modelName: Type.String({ description: 'Name of the model.' }),
    gpuId: orNull(Type.String(), 'Catalog id of the GPU, null for inline specs.'),
    gpuName: Type.String({ description: 'Name of the GPU.' }),
  }, { description: 'What the catalog ids resolved to.' }),
}, { description: 'The estimate (docs/estimate-contract.md).' })

export type EstimateResponse = Static<typeof EstimateResultSchema>
