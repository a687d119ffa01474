// TypeBox schemas of the planning endpoints over the engine: method comparison, recommendations
// (advisor), LoRA serving, multi-phase plans and inverse questions.
import { Type, type Static } from 'typebox'
import {
  CatalogIdSchema, EstimateRequestSchema, EstimateResultSchema, ForgettingSpecSchema, GpuSpecSchema, HardwareSchema,
  MethodSchema, ModelSpecSchema, PriceUsedSchema, PricingSchema, TrainingSchema,
} from './estimate.schemas.ts'
import { EstimateResultRef } from './shared.schemas.ts'

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])
const int = (minimum: number, maximum: number, description: string) => Type.Integer({ minimum, maximum, description })
const share = (description: string) => Type.Number({ minimum: 0, maximum: 1, description })
const ModelRefSchema = Type.Union([CatalogIdSchema, ModelSpecSchema], { description: 'A model catalog id or an inline architecture.' })
const GpuRefSchema = Type.Union([CatalogIdSchema, GpuSpecSchema], { description: 'A GPU catalog id or an inline accelerator.' })
const LoraTargetsSchema = MethodSchema.properties.targetModules
const RiskLevelSchema = Type.Enum(['low', 'moderate', 'high'], { description: 'The forgetting risk in words.' })
const QualityRangeSchema = Type.Object({
  low: Type.Number(), expected: Type.Number(), high: Type.Number(),
}, { description: 'Expected share of full fine-tuning\'s gain over the base model (0..1).' })
const ResolvedSchema = EstimateResultSchema.properties.resolved
const PricesUsedSchema = Type.Array(PriceUsedSchema, { description: 'The prices used (empty when unpriced).' })

// POST /v1/comparisons

export const ComparisonRequestSchema = Type.Object({
  model: ModelRefSchema,
  training: TrainingSchema,
  hardware: HardwareSchema,
  pricing: Type.Optional(PricingSchema),
  forgetting: Type.Optional(ForgettingSpecSchema),
  lora: Type.Optional(Type.Object({
    rank: Type.Optional(int(1, 4096, 'LoRA/QLoRA rank. Default: 16.')),
    targetModules: LoraTargetsSchema,
  }, { additionalProperties: false, description: 'The LoRA and QLoRA adapter. Default: r = 16 on all linear layers.' })),
  freeze: Type.Optional(Type.Object({
    strategy: Type.Optional(MethodSchema.properties.strategy),
    trainableLayers: Type.Optional(int(1, 1024, 'Top layers trained; at most the model\'s numLayers.')),
  }, { additionalProperties: false, description: 'Layer freezing. Default: the conservative strategy (upper half trains).' })),
  qlora: Type.Optional(Type.Object({
    quantization: MethodSchema.properties.quantization,
    doubleQuantization: MethodSchema.properties.doubleQuantization,
  }, { additionalProperties: false, description: 'QLoRA quantisation. Default: nf4 with double quantisation.' })),
}, { additionalProperties: false, description: 'One model, training run and hardware; every method is estimated on it.' })

const MethodKind = Type.Enum(['full', 'freeze', 'lora', 'qlora'])

export const ComparisonResultSchema = Type.Object({
  rows: Type.Array(Type.Object({
    method: MethodKind,
    label: Type.String(),
    parameters: Type.Object({ total: Type.Integer(), trainable: Type.Integer(), trainableShare: Type.Number() }),
    memory: Type.Object({
      perGpuBytes: Type.Integer(), lowBytes: Type.Integer(), highBytes: Type.Integer(), capacityBytes: Type.Integer(), fits: Type.Boolean(),
    }),
    speed: Type.Object({
      tokensPerSecond: Type.Number(), stepSeconds: Type.Number(), trainingHours: nullable(Type.Number()), gpuHours: nullable(Type.Number()),
    }),
    costUsd: nullable(Type.Number({ description: 'Compute cost; null when unpriced or without datasetTokens.' })),
    forgetting: Type.Object({ risk: Type.Number(), level: RiskLevelSchema }),
    quality: QualityRangeSchema,
    warnings: Type.Array(Type.String()),
  }), { description: 'One row per method.' }),
  best: Type.Object({
    memory: nullable(MethodKind), speed: nullable(MethodKind), cost: nullable(MethodKind), risk: nullable(MethodKind), quality: nullable(MethodKind),
  }, { description: 'The best method on each criterion among those that fit.' }),
  pricesUsed: PricesUsedSchema,
  resolved: ResolvedSchema,
}, { description: 'Full fine-tuning, freezing, LoRA and QLoRA side by side.' })

// POST /v1/recommendations

const PricingModelSchema = Type.Enum(['on-demand', 'spot', 'reserved'])

export const RecommendationRequestSchema = Type.Object({
  model: ModelRefSchema,
  goal: Type.Enum(['prototype', 'production', 'multi-task'], { description: 'Sets the weights of cost, time, quality and risk.' }),
  training: Type.Object({
    sequenceLength: TrainingSchema.properties.sequenceLength,
    datasetTokens: Type.Integer({ minimum: 1, maximum: 1e15, description: 'Tokens in the training set.' }),
    epochs: TrainingSchema.properties.epochs,
    precision: TrainingSchema.properties.precision,
    optimizer: TrainingSchema.properties.optimizer,
    attention: TrainingSchema.properties.attention,
    globalBatchTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 1e9, description: 'Tokens per optimizer step; sets gradient accumulation.' })),
  }, { additionalProperties: false }),
  gpus: Type.Optional(Type.Array(Type.Union([
    CatalogIdSchema,
    Type.Object({
      gpu: GpuRefSchema,
      maxCount: Type.Optional(int(1, 4096, 'Most GPUs of this type usable at once. Default: 8.')),
      ownedUsdPerGpuHour: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000, description: 'Owned GPUs: internal price per GPU-hour (0 = sunk cost).' })),
    }, { additionalProperties: false }),
  ]), { minItems: 1, maxItems: 50, description: 'GPUs to consider. Default: every catalog GPU with a BF16 figure.' })),
  pricingModels: Type.Optional(Type.Array(PricingModelSchema, { minItems: 1, uniqueItems: true, description: 'Catalog price kinds to consider. Default: all.' })),
  providers: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { minItems: 1, maxItems: 50, description: 'Providers to consider. Default: all.' })),
  budgetUsd: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e9, description: 'Most the job may cost.' })),
  deadlineHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e6, description: 'Longest the job may take.' })),
  qualityFloor: Type.Optional(share('Least acceptable expected share of full fine-tuning\'s gain.')),
  maxRisk: Type.Optional(share('Highest acceptable forgetting risk.')),
  tasks: Type.Optional(int(1, 10_000, 'Tasks to train, one job each. Default: 1.')),
  forgetting: Type.Optional(ForgettingSpecSchema),
  space: Type.Optional(Type.Object({
    methods: Type.Optional(Type.Array(MethodKind, { minItems: 1, uniqueItems: true })),
    ranks: Type.Optional(Type.Array(int(1, 4096, 'A LoRA rank to try.'), { minItems: 1, maxItems: 16, uniqueItems: true })),
    maxMicroBatch: Type.Optional(int(1, 4096, 'Largest micro-batch tried.')),
  }, { additionalProperties: false, description: 'Narrow the search space.' })),
  weights: Type.Optional(Type.Object({
    cost: Type.Optional(share('Weight of cost.')),
    hours: Type.Optional(share('Weight of time.')),
    quality: Type.Optional(share('Weight of quality.')),
    risk: Type.Optional(share('Weight of forgetting risk.')),
  }, { additionalProperties: false, description: 'Override the goal\'s criterion weights.' })),
  limit: Type.Optional(int(1, 100, 'Ranked options returned. Default: 10.')),
}, { additionalProperties: false, description: 'What to fine-tune and the constraints; the advisor searches methods, GPUs, counts and prices.' })

const OptionSchema = Type.Object({
  id: Type.String(),
  method: MethodKind,
  rank: nullable(Type.Integer()),
  targetModules: nullable(Type.Array(Type.String())),
  freezeStrategy: nullable(Type.String()),
  gpuId: Type.String(),
  gpuName: Type.String(),
  gpuCount: Type.Integer(),
  sharding: Type.String(),
  microBatchSize: Type.Integer(),
  gradientAccumulationSteps: Type.Integer(),
  gradientCheckpointing: Type.Boolean(),
  provider: Type.String(),
  region: nullable(Type.String()),
  pricingModel: Type.String({ description: 'on-demand, spot, reserved or owned.' }),
  usdPerGpuHour: Type.Number(),
  trainingHours: Type.Number({ description: 'Wall-clock hours of one task.' }),
  gpuHours: Type.Number(),
  costUsd: Type.Number({ description: 'Compute cost of all tasks.' }),
  costPerTaskUsd: Type.Number(),
  quality: QualityRangeSchema,
  risk: Type.Number(),
  riskLevel: RiskLevelSchema,
  memoryPerGpuBytes: Type.Integer(),
  gpuCapacityBytes: Type.Integer(),
  artefactBytesTotal: Type.Integer({ description: 'Storage of the trained artefacts of all tasks.' }),
  score: Type.Number({ description: 'Weighted score, higher is better.' }),
  reasons: Type.Array(Type.String()),
  tradeOffs: Type.Array(Type.String()),
}, { description: 'One feasible configuration.' })

const Weights = Type.Object({ cost: Type.Number(), hours: Type.Number(), quality: Type.Number(), risk: Type.Number() })

export const RecommendationResultSchema = Type.Object({
  recommended: nullable(OptionSchema),
  options: Type.Array(OptionSchema, { description: 'Ranked options.' }),
  pareto: Type.Array(OptionSchema, { description: 'Every non-dominated feasible option (cost, hours, quality, risk).' }),
  decisionMatrix: Type.Object({
    criteria: Type.Array(Type.String()),
    weights: Weights,
    rows: Type.Array(Type.Object({
      optionId: Type.String(),
      values: Type.Object({ costUsd: Type.Number(), hours: Type.Number(), quality: Type.Number(), risk: Type.Number() }),
      normalized: Weights,
      score: Type.Number(),
    })),
  }),
  searched: Type.Object({
    methodVariants: Type.Integer(), configurations: Type.Integer(), estimates: Type.Integer(), fitting: Type.Integer(), priced: Type.Integer(), feasible: Type.Integer(),
  }),
  rejected: Type.Object({
    noFit: Type.Integer(), noPrice: Type.Integer(), overBudget: Type.Integer(), overDeadline: Type.Integer(), belowQuality: Type.Integer(), tooRisky: Type.Integer(),
  }),
  notes: Type.Array(Type.String()),
  offersConsidered: Type.Integer({ description: 'Catalog prices in effect now that the search priced against.' }),
  resolved: Type.Object({ modelId: nullable(Type.String()), modelName: Type.String(), gpuIds: Type.Array(Type.String()) }),
}, { description: 'The recommended configuration, the ranked options and the Pareto frontier.' })

// POST /v1/serving

export const ServingRequestSchema = Type.Object({
  model: ModelRefSchema,
  adapter: Type.Object({
    rank: int(1, 4096, 'Adapter rank.'),
    targetModules: Type.Optional(LoraTargetsSchema),
    layerRanks: MethodSchema.properties.layerRanks,
  }, { additionalProperties: false, description: 'The LoRA adapter of each task. Default targets: q_proj, v_proj.' }),
  tasks: int(1, 100_000, 'Fine-tuned tasks to serve (one adapter each).'),
  gpu: GpuRefSchema,
  bytesPerParam: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 8, description: 'Bytes per stored weight. Default: 2 (bf16).' })),
  residentAdapters: Type.Optional(int(1, 100_000, 'Adapters a hot-swap replica keeps on the GPU. Default: 1.')),
  ensembleSize: Type.Optional(int(1, 1000, 'Adapters per request in an ensemble. Default: 3.')),
  mixedRanks: Type.Optional(Type.Boolean({ description: 'Adapters of different ranks share batches. Default: false.' })),
  storageReadGBps: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'Adapter storage read bandwidth, GB/s. Default: 3.94 (PCIe 3.0 x4 NVMe).' })),
  hostToGpuGBps: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'Host-to-GPU bandwidth, GB/s. Default: 31.5 (PCIe 4.0 x16).' })),
}, { additionalProperties: false, description: 'Serving N fine-tuned tasks from one base model.' })

const BandSchema = Type.Object({ low: Type.Number(), high: Type.Number() })

export const ServingResultSchema = Type.Object({
  baseParams: Type.Integer(),
  adapterParams: Type.Integer(),
  baseBytes: Type.Integer(),
  adapterBytes: Type.Integer(),
  storage: Type.Object({
    adaptersBytes: Type.Integer({ description: 'One base copy plus N adapters.' }),
    fullCopiesBytes: Type.Integer({ description: 'N merged full copies.' }),
    savingFactor: Type.Number(),
    adaptersUsdPerMonth: Type.Number(),
    fullCopiesUsdPerMonth: Type.Number(),
  }),
  modes: Type.Array(Type.Object({
    mode: Type.Enum(['hot-swap', 'merged', 'batched-multi-lora', 'ensemble']),
    gpuMemoryPerGpuBytes: Type.Integer(),
    gpus: Type.Integer({ description: 'GPUs needed to serve all tasks at once.' }),
    switchSeconds: BandSchema,
    relativeThroughput: BandSchema,
    tasksPerReplica: Type.Integer(),
    residentAdapters: Type.Integer(),
    storageBytes: Type.Integer(),
    notes: Type.Array(Type.String()),
  })),
  resolved: Type.Object({ modelId: nullable(Type.String()), modelName: Type.String(), gpuId: nullable(Type.String()), gpuName: Type.String() }),
}, { description: 'Memory, GPUs, storage, switch latency and throughput of each deployment mode.' })

// POST /v1/plans

export const PlanRequestSchema = Type.Object({
  request: EstimateRequestSchema,
  strategy: Type.Enum(['staged-lora-full', 'gradual-unfreezing', 'mixed-ranks', 'dynamic-rank', 'custom'], {
    description: 'staged-lora-full: LoRA then full; gradual-unfreezing: ULMFiT stages; mixed-ranks: higher rank on top layers; '
      + 'dynamic-rank: rank schedule (64 → 32 → 16); custom: the phases given.',
  }),
  options: Type.Optional(Type.Object({
    loraShare: Type.Optional(share('staged-lora-full: share of tokens in the LoRA phase. Default: 0.5.')),
    rank: Type.Optional(int(1, 4096, 'staged-lora-full: LoRA rank. Default: 16.')),
    stages: Type.Optional(int(1, 1024, 'gradual-unfreezing: stages. Default: 4.')),
    lowRank: Type.Optional(int(1, 4096, 'mixed-ranks: rank of the lower layers. Default: 8.')),
    highRank: Type.Optional(int(1, 4096, 'mixed-ranks: rank of the top layers. Default: 64.')),
    topFraction: Type.Optional(share('mixed-ranks: share of layers at the high rank. Default: 0.25.')),
    ranks: Type.Optional(Type.Array(int(1, 4096, 'A rank.'), { minItems: 1, maxItems: 16, description: 'dynamic-rank: the schedule. Default: [64, 32, 16].' })),
  }, { additionalProperties: false })),
  phases: Type.Optional(Type.Array(Type.Object({
    name: Type.String({ minLength: 1, maxLength: 200 }),
    method: MethodSchema,
    tokenShare: share('Share of the training tokens this phase sees.'),
    training: Type.Optional(Type.Object({
      microBatchSize: Type.Optional(TrainingSchema.properties.microBatchSize),
      sequenceLength: Type.Optional(TrainingSchema.properties.sequenceLength),
      gradientCheckpointing: TrainingSchema.properties.gradientCheckpointing,
    }, { additionalProperties: false })),
    hardware: Type.Optional(Type.Object({
      count: HardwareSchema.properties.count,
      sharding: HardwareSchema.properties.sharding,
      offload: HardwareSchema.properties.offload,
    }, { additionalProperties: false })),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 32, description: 'custom: the phases, in order.' })),
}, { additionalProperties: false, description: 'A multi-phase training strategy over one base request (which must give datasetTokens).' })

export const PlanResultSchema = Type.Object({
  phases: Type.Array(Type.Object({
    name: Type.String(),
    method: MethodKind,
    trainingTokens: Type.Number(),
    trainableShare: Type.Number(),
    peakMemoryBytes: Type.Integer(),
    fits: Type.Boolean(),
    trainingHours: Type.Number(),
    gpuHours: Type.Number(),
    costUsd: nullable(Type.Number()),
  })),
  peakMemoryBytes: Type.Integer({ description: 'The most any phase needs per GPU.' }),
  fits: Type.Boolean(),
  trainingHours: Type.Number(),
  gpuHours: Type.Number(),
  costUsd: nullable(Type.Number()),
  forgetting: Type.Object({ risk: Type.Number(), level: RiskLevelSchema, expectedDrop: Type.Number() }),
  warnings: Type.Array(Type.String()),
  pricesUsed: PricesUsedSchema,
  resolved: ResolvedSchema,
}, { description: 'Per-phase and whole-plan memory, time, cost and forgetting risk.' })

// POST /v1/estimates/inverse

export const InverseRequestSchema = Type.Object({
  solveFor: Type.Enum(['microBatchSize', 'sequenceLength', 'gpuCount'], {
    description: 'microBatchSize: the largest that fits; sequenceLength: the longest that fits; gpuCount: the fewest GPUs that fit '
      + '(sharding zero3 unless the request shards). The request\'s own value of that field is ignored.',
  }),
  request: EstimateRequestSchema,
}, { additionalProperties: false, description: 'An estimate request and the one field to solve for.' })

export const InverseResultSchema = Type.Object({
  solveFor: Type.String(),
  value: nullable(Type.Integer({ description: 'The answer; null when nothing fits within the limits.' })),
  sharding: nullable(Type.String({ description: 'gpuCount: the sharding the answer assumes.' })),
  estimate: Type.Union([EstimateResultRef, Type.Null()], { description: 'The estimate at the answer; null when nothing fits.' }),
}, { description: 'The answer and the full estimate at it.' })

export type ComparisonRequest = Static<typeof ComparisonRequestSchema>
export type RecommendationRequest = Static<typeof RecommendationRequestSchema>
export type ServingRequest = Static<typeof ServingRequestSchema>
export type PlanRequest = Static<typeof PlanRequestSchema>
export type InverseRequest = Static<typeof InverseRequestSchema>
export type ComparisonResponse = Static<typeof ComparisonResultSchema>
export type RecommendationResponse = Static<typeof RecommendationResultSchema>
export type ServingResponse = Static<typeof ServingResultSchema>
export type PlanResponse = Static<typeof PlanResultSchema>
export type InverseResponse = Static<typeof InverseResultSchema>

// POST /v1/costs

export const CostRequestSchema = Type.Object({
  request: EstimateRequestSchema,
  hours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e6, description: 'Wall-clock hours to price. Default: the estimate\'s trainingHours (needs request.training.datasetTokens).' })),
  checkpoints: Type.Optional(Type.Object({
    count: Type.Optional(int(0, 10_000, 'Checkpoints kept. Default: one per epoch.')),
    retentionMonths: Type.Optional(Type.Number({ minimum: 0, maximum: 1200, description: 'Months they are kept. Default: 1.' })),
    resumable: Type.Optional(Type.Boolean({ description: 'Keep fp32 master weights and AdamW moments with each checkpoint (12 bytes per trainable parameter). Default: false.' })),
  }, { additionalProperties: false, description: 'Checkpoint storage.' })),
  egressBytes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e15, description: 'Bytes sent out of the cloud. Default: one trained artefact.' })),
  engineeringHours: Type.Optional(Type.Number({ minimum: 0, maximum: 1e6, description: 'Engineering time spent on the job. Default: not counted.' })),
  rates: Type.Optional(Type.Object({
    storageUsdPerGbMonth: Type.Optional(Type.Number({ minimum: 0, maximum: 1000, description: 'Default: 0.023 (S3 Standard).' })),
    ingressUsdPerGb: Type.Optional(Type.Number({ minimum: 0, maximum: 1000, description: 'Default: 0 (free at AWS, GCP, Azure).' })),
    egressUsdPerGb: Type.Optional(Type.Number({ minimum: 0, maximum: 1000, description: 'Default: 0.09 (AWS, first 10 TB).' })),
    engineeringUsdPerHour: Type.Optional(Type.Number({ minimum: 0, maximum: 100_000, description: 'Default: 90.8 (BLS median developer pay, loaded).' })),
  }, { additionalProperties: false, description: 'Rates for what is not GPU time (src/estimation/cost.ts gives the sources of the defaults).' })),
}, { additionalProperties: false, description: 'A training run to price in full: compute, checkpoint storage, data transfer and engineering time.' })

const usd = (description: string) => Type.Number({ description: `${description} (USD)` })

export const CostResultSchema = Type.Object({
  hours: Type.Number({ description: 'Wall-clock hours priced.' }),
  gpuHours: Type.Number({ description: 'hours × GPU count.' }),
  breakdown: Type.Object({
    computeUsd: usd('GPU-hours × the price'),
    storageUsd: usd('Checkpoints kept'),
    transferUsd: usd('Data in and out'),
    engineeringUsd: usd('Engineering time'),
    totalUsd: usd('The four together'),
    shares: Type.Object({ compute: Type.Number(), storage: Type.Number(), transfer: Type.Number(), engineering: Type.Number() }, { description: 'Each part over the total; they sum to 1 (all 0 when the total is 0).' }),
    rates: Type.Object({ storageUsdPerGbMonth: Type.Number(), ingressUsdPerGb: Type.Number(), egressUsdPerGb: Type.Number(), engineeringUsdPerHour: Type.Number() }, { description: 'The rates used.' }),
  }),
  checkpointBytes: Type.Integer({ description: 'One stored checkpoint: a whole model copy for full and freeze, the adapter for LoRA and QLoRA.' }),
  offers: Type.Array(Type.Object({
    provider: Type.String(),
    region: Type.String(),
    pricingModel: Type.String(),
    usdPerGpuHour: Type.Number(),
    computeUsd: usd('The same GPU-hours at this offer'),
  }), { description: 'The GPU at every catalog price in effect now, cheapest first (empty for an inline GPU).' }),
  assumptions: Type.Array(Type.String(), { description: 'What the breakdown assumed, in words.' }),
  pricesUsed: PricesUsedSchema,
  resolved: ResolvedSchema,
}, { description: 'The whole cost of a run and its split into compute, storage, transfer and engineering.' })

export type CostRequest = Static<typeof CostRequestSchema>
export type CostResponse = Static<typeof CostResultSchema>
