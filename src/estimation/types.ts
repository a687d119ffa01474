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
  /** lora / qlora: dropout on the adapter input (PEFT lora_dropout); default from the stack. */
  dropout?: number
  /** qlora: dtype of the parameters left unquantized (embeddings, norms, lm_head); default from the stack. */
  nonQuantizedDtype?: Dtype
}

export type Dtype = 'fp32' | 'bf16' | 'fp16'
export type FrameworkName = 'hf-trainer' | 'trl' | 'axolotl' | 'llama-factory' | 'ms-swift' | 'torchtune' | 'unsloth' | 'litgpt' | 'custom'

/** The training stack; its profile (src/estimation/stacks.ts) fills in the knobs a request leaves out. */
export interface FrameworkSpec {
  name: FrameworkName
  /** The stack's own release ("0.9.6") or a "YYYY-MM" snapshot. */
  version?: string
  /** HF-based stacks: the transformers release underneath. */
  transformers?: string
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
  /** The stack that runs the training: its profile fills in the knobs left out. */
  framework?: FrameworkSpec
  /** Storage dtype of the model's weights on the GPU. */
  weightsDtype?: Dtype
  /** fixed: every micro-batch is sequenceLength tokens; variable: padded to each batch's longest, up to it. */
  sequenceLengths?: 'fixed' | 'variable'
  /** PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True. */
  expandableSegments?: boolean
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

export type LossImplementation = 'fp32' | 'half' | 'chunked' | 'fused'

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
  /** Fields the request left out and applyDefaults filled in (contract or profile defaults), with their sources. */
  defaults?: AssumedDefault[]
}

/** A value the request did not give, and where the one used comes from. */
export interface AssumedDefault {
  /** Dotted request field, e.g. "training.loss". */
  field: string
  value: unknown
  /** repo@commit:path of the stack's source, or "contract default". */
  source: string
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
  /** The peak a GPU must hold: the sum of the above (reservedPeakBytes + overheadBytes). */
  totalBytes: number
  /** torch.cuda.max_memory_allocated() at the peak. */
  allocatedPeakBytes: number
  /** torch.cuda.max_memory_reserved(): allocated plus the caching allocator's rounding and fragmentation. */
  reservedPeakBytes: number
}

/** What the engine assumed: the stack's knobs as used, the defaults filled in, and notes in words. */
export interface EstimateAssumptions {
  framework: { name: FrameworkName; version: string | null; transformers: string | null }
  precision: Precision
  weightsDtype: Dtype
  adapterDtype: Dtype | null
  nonQuantizedDtype: Dtype | null
  residualDtype: Dtype
  loss: LossImplementation
  sequenceLengths: 'fixed' | 'variable'
  gradientCheckpointing: boolean
  activationOffload: boolean
  expandableSegments: boolean
  defaults: AssumedDefault[]
  notes: string[]
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
    /** Peak per GPU while the model is loaded, quantised and sharded, before the first step (device view). */
    loadPeakBytes: number
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
  assumptions: EstimateAssumptions
  warnings: Warning[]
}
