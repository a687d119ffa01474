// Plain input and output types of the estimation engine. The engine takes fully resolved specs
// (catalog ids already turned into architectures and GPU specs, defaults already applied by
// `applyDefaults`) and returns plain objects; transports map their own schemas onto these.

/** Architecture fields of a Hugging Face config.json, camelCased (shared/design/estimate-contract.md). */
export interface ModelSpec {
  name?: string
  hiddenSize: number
  intermediateSize: number
  numLayers: number
  numAttentionHeads: number
  numKeyValueHeads: number
  /** Defaults to hiddenSize / numAttentionHeads. */
  headDim?: number
  vocabSize: number
  tieWordEmbeddings: boolean
  /** MoE only: routed experts per layer, experts chosen per token, each expert's intermediate size. */
  numExperts?: number
  expertsPerToken?: number
  moeIntermediateSize?: number
  /** MoE only: size of an always-on shared expert (Qwen-MoE, DeepSeek), 0 if none. */
  sharedExpertIntermediateSize?: number
  /** Bias on q/k/v projections (Qwen2, Qwen1). */
  attentionBias?: boolean
  /** MLP kind: gated (SwiGLU/GeGLU, three matrices) or plain two-matrix MLP (GPT-2/3, BLOOM). */
  mlp?: 'gated' | 'standard'
  /** RMSNorm on queries and keys, one weight of headDim each (Qwen3). */
  qkNorm?: boolean
  /** Norm weights per decoder layer in units of hiddenSize: 2 (pre-attention, pre-MLP) or 4 (Gemma 2 adds post-norms). */
  normsPerLayer?: number
  /** MoE only: every n-th decoder layer is MoE, the others dense with `intermediateSize` (Llama 4 `interleave_moe_layer_step`). */
  moeLayerStep?: number
}

export interface GpuSpec {
  name: string
  memoryGiB: number
  /** Dense (no sparsity) tensor-core peak. */
  bf16Tflops: number
  fp16Tflops?: number
  fp8Tflops?: number
  memoryBandwidthTBps: number
  /** Intra-node interconnect, both directions summed (GB/s); absent means PCIe only. */
  interconnectGBps?: number
}

export type MethodType = 'full' | 'freeze' | 'lora' | 'qlora'
export type FreezeStrategy = 'conservative' | 'attention-only' | 'aggressive'
export type LoraTarget =
  | 'q_proj' | 'k_proj' | 'v_proj' | 'o_proj'
  | 'gate_proj' | 'up_proj' | 'down_proj'
  | 'embed_tokens' | 'lm_head'

export interface MethodSpec {
  type: MethodType
  /** freeze: number of top decoder layers trained (the rest frozen). */
  trainableLayers?: number
  /** freeze: a named strategy instead of trainableLayers. */
  strategy?: FreezeStrategy
  /** lora / qlora */
  rank: number
  alpha: number
  targetModules: LoraTarget[]
  /** Optional per-layer ranks (index = decoder layer); overrides `rank` where given. */
  layerRanks?: number[]
  /** qlora */
  quantization: 'nf4' | 'int8'
  doubleQuantization: boolean
}

export type Precision = 'bf16-mixed' | 'fp16-mixed' | 'bf16' | 'fp16' | 'fp32'
export type Optimizer = 'adamw' | 'adamw-8bit' | 'paged-adamw' | 'paged-adamw-8bit' | 'sgd' | 'adafactor'
export type Attention = 'flash' | 'sdpa' | 'eager'
export type Sharding = 'none' | 'ddp' | 'zero1' | 'zero2' | 'zero3' | 'fsdp'
export type Offload = 'none' | 'optimizer' | 'optimizer-and-params'

export interface TrainingSpec {
  microBatchSize: number
  sequenceLength: number
  gradientAccumulationSteps: number
  precision: Precision
  optimizer: Optimizer
  gradientCheckpointing: boolean
  attention: Attention
  /**
   * How the loss over the vocabulary is computed. 'fp32' (default): cross-entropy on an fp32 upcast of
   * the full logits (HF transformers ≥ 4.36, torchtune's CrossEntropyLoss, any loss under torch autocast).
   * 'half': in the 16-bit dtype, as model code without an upcast does where no autocast runs (pure
   * bf16/fp16, or DeepSpeed's own mixed precision; Qwen-1's remote code). 'chunked': torchtune's
   * CEWithChunkedOutputLoss, the logits produced and upcast in chunks.
   */
  loss?: LossImplementation
  /**
   * Saved activations moved to host memory as forward produces them and fetched back for backward
   * (torchtune `enable_activation_offloading`); only the layers in flight stay on the GPU.
   */
  activationOffload?: boolean
  /**
   * torch.compile on the decoder layers (and the loss): Inductor fuses pointwise chains into single
   * kernels and its partitioner recomputes cheap pointwise results in backward instead of saving them.
   */
  compile?: boolean
  datasetTokens?: number
  epochs: number
}

export type LossImplementation = 'fp32' | 'half' | 'chunked'

export interface HardwareSpec {
  gpu: GpuSpec
  count: number
  sharding: Sharding
  offload: Offload
  /** GPUs per server; collectives among more GPUs than this cross the network. Default: 8 (HGX/DGX baseboards). */
  gpusPerNode?: number
  /** Network bandwidth per GPU between servers, both directions summed (GB/s). Default: 50 (200 Gb/s InfiniBand HDR per GPU). */
  networkGBps?: number
}

export interface PricingSpec {
  provider?: string
  pricingModel?: 'on-demand' | 'spot' | 'reserved'
  region?: string
  usdPerGpuHour?: number
}

/** How far the fine-tuning data sits from pretraining text: code-like (far) or chat/math/prose (near). */
export type ForgettingDomain = 'near' | 'far'
export type ForgettingRegime = 'instruction' | 'continued-pretraining'

/** Inputs of the forgetting-risk model (src/estimation/forgetting.ts); all optional. */
export interface ForgettingSpec {
  learningRate?: number
  /** Share of original/pretraining data mixed into the training data, in [0, 1]. */
  replayShare?: number
  regularization?: {
    kind: 'l2-sp' | 'ewc'
    lambda: number
    /** Task-loss curvature h in the 1/(1 + λ/h) shrinkage; defaults to 1. */
    curvature?: number
  }
  domain?: ForgettingDomain
  regime?: ForgettingRegime
}

export interface EstimateInput {
  model: ModelSpec
  method: MethodSpec
  training: TrainingSpec
  hardware: HardwareSpec
  pricing?: PricingSpec
  forgetting?: ForgettingSpec
}

export interface Warning {
  code: string
  message: string
}

export interface MemoryBreakdown {
  weightsBytes: number
  gradientsBytes: number
  optimizerBytes: number
  activationsBytes: number
  adaptersBytes: number
  /** Outside PyTorch's allocator: CUDA context, cuBLAS workspace, NCCL buffers. */
  overheadBytes: number
  /** The peak a GPU must hold: the sum of the above. */
  totalBytes: number
}

/**
 * The engine's answer. The fields named in shared/design/estimate-contract.md are fixed; the
 * others are additions (the contract allows adding, never renaming or removing).
 */
export interface EstimateResult {
  parameters: { total: number; trainable: number; active: number; trainableShare: number }
  memory: {
    perGpu: MemoryBreakdown
    /** Low / expected / high band of perGpu.totalBytes. */
    band: { lowBytes: number; expectedBytes: number; highBytes: number }
    gpuCapacityBytes: number
    fits: boolean
    /** Host memory needed per GPU when offloading. */
    cpuOffloadBytes: number
  }
  speed: {
    tokensPerSecond: number
    stepSeconds: number
    /** Present when datasetTokens is given. */
    trainingHours: number | null
    flopsPerToken: number
    /** Model FLOPs utilisation assumed for this GPU and method. */
    mfu: number
    gpuHours: number | null
  }
  cost: { totalUsd: number | null; usdPerGpuHour: number | null }
  /** Risk in [0, 1]; level and expected benchmark drop from src/estimation/forgetting.ts. */
  forgetting: { risk: number; level?: 'low' | 'moderate' | 'high'; expectedDrop?: number }
  assumptions: string[]
  warnings: Warning[]
}
