// Peak memory per GPU: weights, gradients, optimizer states, activations, adapters and what lives
// outside PyTorch's allocator, then ZeRO/FSDP sharding and CPU offload; the caching allocator's
// view (allocated vs reserved) and the load-time peak. Every dtype comes from the stack profile
// (src/estimation/stacks.ts). Formulas and sources: shared/reference/estimation-formulas.md
// §1.1–1.3 and docs/stack-profiles.md.

import type { Architecture } from './architecture.ts'
import type { TrainingPlan } from './methods.ts'
import { FITTED, type Fitted } from './fitted.ts'
import { dtypeBytes, isDeepSpeed, resolveStack, type Stack } from './stacks.ts'
import type { EstimateInput, GpuSpec, MemoryBreakdown, Precision } from './types.ts'

const MIB = 1024 ** 2

/** Bytes of one value in the compute dtype of a precision setting. */
export function activationBytes(p: Precision): number {
  return p === 'fp32' ? 4 : 2
}

/**
 * Optimizer bytes per trainable parameter, `stateBytes` being the dtype of the states
 * (torch.optim keeps them in the parameter dtype: fp32 params → 4, pure bf16 → 2) and
 * `master` the fp32 master copy kept by mixed precision for 16-bit parameters.
 */
export function optimizerBytesPerParam(optimizer: EstimateInput['training']['optimizer'], stateBytes: number, master: number, hidden: number): number {
  switch (optimizer) {
    // Two moments (EleutherAI cookbook: "fp32 copy + m + v" = 12 B with the master).
    case 'adamw':
    case 'paged-adamw': return 2 * stateBytes + master
    // bitsandbytes 8-bit blockwise states: 1 B each for m and v (cookbook: "8-bit ADAM (2 + 2 + 2 = 6)" incl. 16-bit copies);
    // paged variants hold the same bytes, in managed memory.
    case 'adamw-8bit':
    case 'paged-adamw-8bit': return 2 + master
    // SGD with momentum: one state (cookbook sgd_momentum).
    case 'sgd': return stateBytes + master
    // Adafactor (Shazeer & Stern 2018): a factored second moment, one row and one column vector per
    // matrix ≈ 2/hidden values per parameter of a hidden-sized matrix; no first moment (HF default beta1=None).
    case 'adafactor': return (stateBytes * 2) / hidden + master
  }
}

/**
 * NCCL communicator buffers: NCCL_BUFFSIZE = 4 MiB per channel and peer for each of the 3 protocols;
 * a ring over NVLink/PCIe opens ~16 channels with 2 peers → 4 MiB × 16 × 2 × 3 ≈ 384 MiB.
 */
export const NCCL_BYTES = 384 * MIB
/**
 * cuBLAS workspaces go through the caching allocator, one per handle and stream and never freed;
 * the forward thread and autograd's device thread hold a handle each. Default ":4096:2:16:8" =
 * 8.125 MiB, 32 MiB on Hopper (pytorch/pytorch aten/src/ATen/cuda/CublasHandlePool.cpp, docs/source/notes/cuda.rst).
 */
const CUBLAS_WORKSPACES = 2
const cublasWorkspaceBytes = (gpu: GpuSpec) => (/\b(H100|H200|H800|H20|GH200)\b/i.test(gpu.name) ? 32 * MIB : 8.125 * MIB)
/** DeepSpeed ZeRO-3 `sub_group_size` default (DeepSpeed config docs): elements converted to fp32 at once. */
const DEEPSPEED_SUB_GROUP = 1e9
/** DeepSpeed `reduce_bucket_size` of the HF / Qwen example ds_config_zero2.json (2e8; DeepSpeed's own default is 5e8). */
const DEEPSPEED_REDUCE_BUCKET = 2e8
/** DeepSpeed ZeRO-3 `stage3_max_live_parameters` default: parameters kept gathered at once (DeepSpeed config docs). */
const DEEPSPEED_MAX_LIVE_PARAMETERS = 1e9

/**
 * The caching allocator (pytorch/pytorch c10/cuda/CUDACachingAllocator.cpp): a request of 10 MiB or
 * more gets its own segment rounded up to 2 MiB (kRoundLarge); the tail is split off only when over
 * 1 MiB (kLargeBuffer split rule), else it is handed out with the block and counts as allocated.
 * A tail uniform in [0, 2) MiB adds 1 MiB to reserved and 0.25 MiB to allocated on average.
 */
const LARGE_REQUEST = 10 * MIB
const ROUNDING_RESERVED = 1 * MIB
const ROUNDING_ALLOCATED = 0.25 * MIB

/** torchtune CEWithChunkedOutputLoss `num_output_chunks` default. */
const LOSS_CHUNKS = 8
/**
 * Layers whose saved activations are on the GPU while the rest are offloaded: the one whose
 * backward runs and the next, fetched ahead on a side stream (torchtune OffloadActivations).
 */
export const OFFLOAD_LAYERS_IN_FLIGHT = 2
/** TRL chunked_nll: 256-token chunks (huggingface/trl@v1.4.0:trl/trainer/sft_trainer.py:72). */
const TRL_NLL_CHUNK = 256

export { isDeepSpeed }

/**
 * Bytes per vocabulary entry per token that the loss holds at its peak, by implementation.
 * - fp32, transformers: the profile's count for the release (12; 14 for 4.46-4.48, where the
 *   16-bit logits, the fp32 upcast, its shifted copy and the log-softmax coexist). Without a
 *   profile: the lm_head output (B) and its shifted copy (B) stay alive while the fp32 upcast (4)
 *   and the fp32 log-softmax (4) exist: 2·B + 8; fp32 training needs no upcast: 3 × 4. Backward
 *   holds as much (saved output, its gradient, the input gradient).
 * - half, where no autocast runs: the same three tensors in the 16-bit dtype, 3·B. Under autocast
 *   log_softmax is on the fp32 list, so 'half' computes like 'fp32' there.
 * - chunked: the 16-bit logit chunks (B) and every chunk's log-softmax kept for backward (fp32
 *   when the chunk is upcast, torchtune and any autocast; 16-bit in litgpt under bf16-true), plus
 *   one chunk's upcast in flight (4 / 8 chunks). Compiled, the log-softmax is recomputed from the
 *   chunk and its log-sum-exp, so only B + 4 / 8 remain.
 * - fused: no vocabulary-sized tensor per token (the kernels' chunks are counted apart, fusedLossTransient).
 */
export function lossBytesPerVocab(input: EstimateInput, stack: Stack = resolveStack(input)): number {
  const t = input.training
  const b = activationBytes(t.precision)
  const loss = stack.loss
  if (loss === 'fused') return 0
  if (loss === 'chunked') {
    if (!stack.chunkUpcast) return 2 * b
    return b + (t.compile ? 0 : 4) + (b < 4 ? 4 / LOSS_CHUNKS : 0)
  }
  // Unsloth's Triton kernel runs outside autocast and writes the gradient into the logits buffer:
  // the 16-bit logits and one 16-bit temporary.
  if (loss === 'half' && stack.framework.name === 'unsloth') return 2 * b
  if (loss === 'half' && !stack.autocast) return 3 * b
  if (b === 4) return 12
  return stack.framework.name === 'custom' ? 2 * b + 8 : stack.fp32LossBytesPerVocab
}

/** Per-GPU bytes a fused loss's kernels hold at once (one chunk of logits, and what it needs). */
function fusedLossTransient(input: EstimateInput, a: Architecture, stack: Stack, tokens: number, freeBytes: number): number {
  if (stack.loss !== 'fused') return 0
  const V = a.vocab
  const h = a.hidden
  switch (stack.fusedLoss) {
    // Liger fused linear cross-entropy: chunks of nextPow2(tokens / ceil(V / h)) tokens, each chunk's
    // 16-bit logits and their fp32 softmax gradient (linkedin/Liger-Kernel ops/fused_linear_cross_entropy.py).
    case 'liger': {
      const chunk = Math.min(tokens, 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(tokens / Math.ceil(V / h))))))
      return chunk * V * (2 + 4)
    }
    // cut-cross-entropy computes the log-sum-exp blockwise in SRAM; nothing vocabulary-sized (apple/ml-cross-entropy).
    case 'cut-cross-entropy': return 0
    // TRL chunked_nll: 256 tokens of fp32 logits, log-softmax and gradient, and an fp32 copy of lm_head per chunk.
    case 'trl-chunked-nll': return Math.min(tokens, TRL_NLL_CHUNK) * V * 4 * 3 + 4 * V * h
    // Unsloth's fused CE: an fp32 logits chunk and its gradient, the chunk sized by the release's rule.
    case 'unsloth': {
      const rule = stack.fusedChunk
      const budget = rule.freeShare * Math.max(0, freeBytes) + rule.bytes
      return Math.min(tokens * V * 4 * 2, Math.min(budget, rule.cap))
    }
  }
}

export interface ActivationDetail {
  /** Bytes kept per token by one decoder layer in the backward region. */
  perLayerPerToken: number
  /** Bytes one decoder layer writes per token in forward, kept or not (drives memory-bound kernel time). */
  producedPerLayerPerToken: number
  /** Bytes per token outside the layers (final norm, logits). */
  headPerToken: number
  /** Per-GPU bytes that do not scale with tokens: autocast's weight copies, the dequantised matrix, a 4-D mask, a fused loss's chunk. */
  fixedBytes: number
  /** The vocabulary-sized tensors alive at the loss's peak (logits, their copies and gradients), per GPU. */
  logitsBytes: number
  total: number
}

/**
 * Activations kept for backward, per GPU (micro-batch × sequence tokens), in the dtypes the stack
 * gives them. Per layer (Llama-style, no dropout), what autograd keeps when the layer is in the
 * backward region:
 * - each RMSNorm keeps its fp32 upcast input (4h; HF/torchtune compute the norm in fp32), and its
 *   normalised output when its weight trains;
 * - FlashAttention/SDPA keep q, k, v after RoPE, the output and the fp32 log-sum-exp (4 B per head);
 *   the SDPA paths of HF, torchtune and litgpt repeat k and v to every query head first. Eager
 *   attention keeps the fp32 softmax and its 16-bit copy (the s² term);
 * - a gated MLP keeps gate and up outputs and SiLU's output (3·I), a plain MLP the GELU input (I);
 * - the inputs of linears whose weights train; under autocast each linear saves its own 16-bit
 *   cast of an fp32 input;
 * - LoRA: PEFT casts each adapted linear's input to the adapter dtype (a copy per adapter when the
 *   dtypes differ, autocast casting it back to 16 bits for lora_A), dropout keeps a 1-byte mask,
 *   lora_B keeps the rank-r intermediate.
 * Linear outputs are 16-bit under autocast, except bitsandbytes' 4-bit layers, which cast their
 * output back to the input's dtype (fp32 when the residual stream is fp32).
 * Gradient checkpointing keeps only each layer's input (residual dtype × h) plus one recomputed
 * layer in flight. Compiled (Inductor's min-cut partitioner), a norm keeps its 16-bit input and
 * fp32 rstd per token (B·h + 4), a gated MLP only gate and up.
 */
export function estimateActivations(input: EstimateInput, a: Architecture, plan: TrainingPlan, stack: Stack = resolveStack(input), freeBytes = Infinity): ActivationDetail {
  const t = input.training
  const B = activationBytes(t.precision)
  const R = dtypeBytes(stack.residualDtype)
  const qlora = plan.quantizedParams > 0
  const autocast = stack.autocast
  // Output of a linear: 16-bit under autocast; bitsandbytes casts back to its input's dtype.
  const linOut = qlora && R === 4 ? 4 : autocast ? 2 : B
  const attn = autocast ? 2 : linOut
  const normWeight = dtypeBytes(plan.trainableBase > 0 ? stack.trainableDtype : stack.frozenDtype)
  const normOut = Math.max(R, normWeight)
  const tokens = t.microBatchSize * t.sequenceLength
  const region = a.layers - plan.firstBackwardLayer
  const h = a.hidden
  const width = a.moe ? a.moeMlpWidth : a.denseMlpWidth
  const s = plan.saved
  const fused = t.compile === true
  const normCount = input.model.normsPerLayer ?? 2
  const normsTrain = plan.trainableBase > 0
  const norms = normCount * (fused ? B * h + 4 : 4 * h + (normsTrain ? R * h : 0))
  const kv = stack.kvRepeated ? a.qDim : a.kvDim
  const attention = t.attention === 'eager'
    ? attn * (a.qDim + 2 * kv) + a.heads * t.sequenceLength * (4 + (B < 4 ? B : 0))
    : attn * (2 * a.qDim + 2 * kv) + 4 * a.heads
  const mlp = (a.mlpMatrices === 3 ? (fused ? 2 : 3) : 1) * linOut * width
  // MoE dispatch gathers a copy of each token's hidden state per chosen expert.
  const dispatch = a.moe ? B * h * (input.model.expertsPerToken ?? 1) : 0
  // Inputs a trained (or, bitsandbytes ≤ 0.43.1, quantised) linear keeps; under autocast an fp32
  // input is cast per linear, so q, k and v (gate and up) keep one 16-bit copy each.
  const keepsInputs = plan.trainableBase > 0 || stack.bnbSavesInput
  const inputs = keepsInputs ? savedInputs(a, s, stack.bnbSavesInput, autocast, normOut, linOut) : 0
  const lora = loraSaved(a, plan, stack, autocast, normOut, linOut)
  const perLayer = region > 0 ? norms + attention + mlp + dispatch + inputs + lora : 0
  const headPerToken = 4 * h + R * h + a.vocab * lossBytesPerVocab(input, stack)
  // Layers whose saved tensors are on the GPU at once: all of the region, or those in flight when offloaded.
  const kept = stack.activationOffload ? Math.min(region, OFFLOAD_LAYERS_IN_FLIGHT) : region
  // Without checkpointing the peak is at the loss: every layer's activations and the logits together.
  // With it, the logits are freed before the first layer is recomputed, so the peak is the layer
  // inputs plus the larger of the two.
  const checkpointed = t.gradientCheckpointing
  const perToken = checkpointed
    ? kept * R * h + Math.max(headPerToken, region > 0 ? perLayer : 0)
    : kept * perLayer + headPerToken
  // bitsandbytes dequantises one weight matrix at a time, forward and backward: 16 bits, plus a cast
  // copy in the input's dtype when that is fp32.
  const largestQuantized = Math.max(plan.largestMatrix, stack.quantizesHead ? a.lmHead : 0)
  const dequantised = qlora ? 2 * largestQuantized * (2 + (linOut === 4 ? 4 : 0)) : 0
  const fixed = dequantised + autocastWeightCopies(input, a, plan, stack) + mask4d(input, stack, R) + fusedLossTransient(input, a, stack, tokens, freeBytes)
  // Compiled, the fp32 norm upcasts and SiLU's output live only in registers of fused kernels.
  const produced = norms + attention + mlp + dispatch + linOut * (2 * h + a.qDim + width) + (R - 2) * 2 * h
  const logitsBytes = tokens * a.vocab * lossBytesPerVocab(input, stack)
  return { perLayerPerToken: perLayer, producedPerLayerPerToken: produced, headPerToken, fixedBytes: fixed, logitsBytes, total: tokens * perToken + fixed }
}

/** Inputs kept by the linears that need them for their weight gradient (or, old bitsandbytes, keep them anyway). */
function savedInputs(a: Architecture, s: TrainingPlan['saved'], all: boolean, autocast: boolean, normOut: number, linOut: number): number {
  const h = a.hidden
  const width = a.moe ? a.moeMlpWidth : a.denseMlpWidth
  // Under autocast each linear casts an fp32 input on its own: q, k, v (and gate, up) keep a copy each.
  const perLinear = autocast && normOut === 4
  const inDtype = autocast ? 2 : normOut
  const midDtype = autocast ? 2 : linOut
  const qkv = perLinear ? 3 : 1
  const gateUp = perLinear ? a.mlpMatrices - 1 : 1
  return (all || s.attentionInput ? qkv * inDtype * h : 0) + (all || s.outputProjInput ? midDtype * a.qDim : 0)
    + (all || s.mlpInput ? gateUp * inDtype * h : 0) + (all || s.downInput ? midDtype * width : 0)
}

/** What LoRA keeps per token and layer (averaged over the backward region). */
function loraSaved(a: Architecture, plan: TrainingPlan, stack: Stack, autocast: boolean, normOut: number, linOut: number): number {
  if (plan.adapterParams === 0) return 0
  const A = dtypeBytes(stack.adapterDtype)
  const kept = autocast ? 2 : A
  const rank = plan.loraRankPerLayer * kept
  const mask = stack.loraDropout > 0 ? 1 : 0
  if (stack.loraInputPerAdapter) {
    // One copy (and dropout mask) of its input per adapted linear; litgpt adapts q, k and v as one fused linear.
    const inputs = stack.framework.name === 'litgpt' ? plan.loraInputPerLayerFusedQkv : plan.loraInputPerLayer
    return inputs * (kept + mask) + rank
  }
  // Adapters share their input tensor (torchtune; PEFT when adapter and input dtypes agree, no dropout).
  const s = plan.saved
  const inDtype = autocast ? 2 : normOut
  const midDtype = autocast ? 2 : linOut
  const width = a.moe ? a.moeMlpWidth : a.denseMlpWidth
  return (s.attentionInput ? inDtype * a.hidden : 0) + (s.outputProjInput ? midDtype * a.qDim : 0)
    + (s.mlpInput ? inDtype * a.hidden : 0) + (s.downInput ? midDtype * width : 0) + rank
}

/**
 * Autocast's 16-bit copies of fp32 weights: trainable leaf weights are cast once per forward and
 * cached until the outermost autocast exits, which is after the loss (PyTorch autocast_mode.cpp
 * cached_cast); frozen fp32 weights are cast per op, and each linear saves its copy for the
 * input gradient: every layer of the backward region without checkpointing, one layer with it.
 */
function autocastWeightCopies(input: EstimateInput, a: Architecture, plan: TrainingPlan, stack: Stack): number {
  if (!stack.autocast) return 0
  let params = 0
  if (plan.trainableBase > 0 && dtypeBytes(stack.trainableDtype) === 4) params += plan.trainableActive
  if (dtypeBytes(stack.frozenDtype) === 4 && plan.quantizedParams === 0) {
    // Frozen weights whose input needs a gradient: the adapted layers' base weights, and a frozen lm_head.
    const region = a.layers - plan.firstBackwardLayer
    const inRegion = plan.adapterParams > 0 ? plan.backwardActiveParams : 0
    params += (input.training.gradientCheckpointing && region > 0 ? inRegion / region : inRegion) + (plan.headTrainable ? 0 : a.vocab * a.hidden)
  }
  return 2 * params
}

/** HF's 4-D additive attention mask for padded batches under SDPA/eager: batch × seq × seq, once. */
function mask4d(input: EstimateInput, stack: Stack, residualBytes: number): number {
  if (!stack.mask4d) return 0
  const t = input.training
  return t.microBatchSize * t.sequenceLength * t.sequenceLength * residualBytes
}

export interface MemoryEstimate {
  perGpu: MemoryBreakdown
  cpuOffloadBytes: number
  activationShare: number
  detail: ActivationDetail
  stack: Stack
  /** Bytes of optimizer state in bitsandbytes' paged (managed) memory, outside the caching allocator. */
  pagedBytes: number
  loadPeakBytes: number
}

/** Large tensors the model keeps (each weight matrix, embeddings, lm_head): each costs a rounding tail. */
function largeTensors(a: Architecture, bytesPerParam: number): number {
  const perLayer = a.mlpMatrices === 3 ? 7 : 6
  const matrices = a.layers * perLayer + 1 + (a.lmHead > 0 ? 1 : 0)
  const typical = (a.decoderTotal / Math.max(1, a.layers * perLayer)) * bytesPerParam
  return typical >= LARGE_REQUEST ? matrices : 0
}

export function estimateMemory(input: EstimateInput, a: Architecture, plan: TrainingPlan, stack: Stack = resolveStack(input), fitted: Fitted = FITTED): MemoryEstimate {
  const { training: t, hardware: hw } = input
  const n = Math.max(1, hw.count)
  const sharding = hw.sharding
  const shardOpt = sharding === 'zero1' || sharding === 'zero2' || sharding === 'zero3' || sharding === 'fsdp' ? n : 1
  const shardGrad = sharding === 'zero2' || sharding === 'zero3' || sharding === 'fsdp' ? n : 1
  const shardWeights = sharding === 'zero3' || sharding === 'fsdp' ? n : 1
  const deepspeed = isDeepSpeed(sharding)

  const W = dtypeBytes(stack.trainableDtype)
  const F = dtypeBytes(stack.frozenDtype)
  const Q = dtypeBytes(stack.nonQuantizedDtype)
  const A = dtypeBytes(stack.adapterDtype)
  const master = stack.master ? 4 : 0
  // Frozen and trainable base weights in their dtypes; QLoRA's quantised linears at their bits and
  // its unquantized parameters (embeddings, norms, lm_head) in theirs.
  const quantized = plan.quantizedParams + (stack.quantizesHead ? a.lmHead : 0)
  const frozenParams = a.total - plan.trainableBase - quantized
  const weightsFull = quantized > 0
    ? (a.total - quantized) * Q + (quantized * plan.quantizedBits) / 8
    : plan.trainableBase * W + frozenParams * F
  // Gradients in the weight dtype; states in the weight dtype, or fp32 beside a master copy.
  const baseOpt = optimizerBytesPerParam(t.optimizer, master > 0 ? 4 : W, master, a.hidden)
  const baseGrad = plan.trainableBase * W
  const adapterMaster = deepspeed && stack.master ? 4 : 0
  const adapterOpt = optimizerBytesPerParam(t.optimizer, adapterMaster > 0 ? 4 : A, adapterMaster, a.hidden)

  const trainable = plan.trainableBase + plan.adapterParams
  let weights = weightsFull / shardWeights
  let gradients = (baseGrad + plan.adapterParams * A) / shardGrad
  if (deepspeed && stack.master) {
    // DeepSpeed's mixed-precision optimizer also holds an fp32 copy of its gradient partition
    // (stage_1_and_2.py: "18 = 2_grads_16bit + 4_grads_32bit + 4_params_32bit + 8_optimizer_states");
    // ZeRO-3 converts one sub-group at a time (sub_group_size, default 1e9 elements).
    const partition = trainable / n
    gradients += 4 * (sharding === 'zero3' ? Math.min(partition, DEEPSPEED_SUB_GROUP) : partition)
  }
  if (deepspeed && sharding !== 'zero3') {
    // contiguous_gradients with overlap_comm: two 16-bit reduce buckets of reduce_bucket_size elements,
    // at most the size of what trains.
    gradients += 2 * 2 * Math.min(DEEPSPEED_REDUCE_BUCKET, trainable)
  }
  if (sharding === 'fsdp' && n > 1) {
    // FSDP1 with use_orig_params: a flat parameter that holds one trainable weight requires grad as
    // a whole, so frozen members get gradients too (torch/distributed/fsdp/_flat_param.py;
    // fully_sharded_data_parallel.py:208-212: "equivalent to not freezing those parameters").
    const frozenGrads = stack.fsdpFlatFrozenGrads ? frozenParams * F : 0
    if (stack.fsdpNoSync && t.gradientAccumulationSteps > 1) {
      // Accumulating under no_sync, every rank keeps the unsharded gradients until the step's last micro-batch.
      gradients = baseGrad + plan.adapterParams * A + frozenGrads
    } else {
      // Reduce-scattered every micro-step: shards kept, one unit's unsharded gradient in flight.
      gradients += frozenGrads / n + (frozenGrads > 0 ? a.largestLayer * F : 0)
    }
  }
  let optimizer = (plan.trainableBase * baseOpt + plan.adapterParams * adapterOpt) / shardOpt
  const adapters = (plan.adapterParams * A) / shardWeights
  let cpu = 0
  if (shardWeights > 1 || sharding === 'zero3') {
    // FSDP gathers the current unit and prefetches the next: two full layers. DeepSpeed ZeRO-3 keeps
    // up to stage3_max_live_parameters gathered (and does so even on one GPU).
    const gatheredParams = sharding === 'zero3' ? Math.max(2 * a.largestLayer, Math.min(DEEPSPEED_MAX_LIVE_PARAMETERS, a.total)) : 2 * a.largestLayer
    weights += gatheredParams * (plan.quantizedParams > 0 ? plan.quantizedBits / 8 : Math.max(W, F))
  }
  if (sharding === 'ddp' && n > 1) {
    // torch DDP's reducer copies gradients into flat buckets as large as all gradients (gradient_as_bucket_view=False).
    gradients *= 2
  }
  if (hw.offload !== 'none') {
    // DeepSpeed offload_optimizer / FSDP CPU offload: states (and master weights) and the step on the host.
    cpu += optimizer
    optimizer = 0
    if (hw.offload === 'optimizer-and-params') {
      // ZeRO-3 offload_param / FSDP cpu_offload: parameters and gradients live on the host; the GPU
      // holds the gathered units (current + prefetched layer) and their gradients.
      const resident = 2 * a.largestLayer * Math.max(W, F)
      cpu += weightsFull / shardWeights + gradients
      weights = resident
      gradients = resident
    }
  }
  // bitsandbytes' paged optimizers keep their states in cudaMallocManaged memory: on the device,
  // but outside the caching allocator (bitsandbytes/optim/optimizer.py get_state_buffer).
  const paged = t.optimizer.startsWith('paged') ? optimizer : 0

  const overhead = fitted.cudaContextBytes + (n > 1 ? NCCL_BYTES : 0)
  const stateBytes = weights + gradients + optimizer + adapters
  const capacity = hw.gpu.memoryGiB * 1024 ** 3
  const detail = estimateActivations(input, a, plan, stack, capacity - overhead - stateBytes)
  // The step runs after backward has freed the activations (the gradients are still alive), so its
  // temporary only adds what it exceeds them by: peak = model states + max(activations, step temporary).
  // torch.optim.AdamW's foreach path allocates sqrt(exp_avg_sq) for every parameter it updates
  // (torch/optim/adam.py _multi_tensor_adam); fused, DeepSpeed's, bitsandbytes' and offloaded steps do not.
  const foreach = (t.optimizer === 'adamw' || t.optimizer === 'paged-adamw') && stack.foreachAdam && !deepspeed && hw.offload === 'none'
  const stepTemp = foreach ? ((master > 0 || W === 4 ? 4 : 2) * trainable) / shardOpt : 0
  const stepExtra = Math.max(0, stepTemp - detail.total)
  optimizer += stepExtra

  // The caching allocator: what tensors hold (allocated, rounded) and what it keeps (reserved).
  const workspace = CUBLAS_WORKSPACES * cublasWorkspaceBytes(hw.gpu)
  const tensors = largeTensors(a, Math.max(W, F, plan.quantizedParams > 0 ? 0.5 : 0)) * (1 + (plan.trainableBase > 0 ? 3 : 0)) / shardWeights
  const activationTensors = largeActivationTensors(input, a, plan)
  const inAllocator = stateBytes - paged + stepExtra + detail.total + workspace
  const allocated = inAllocator + (tensors + activationTensors) * ROUNDING_ALLOCATED
  // Variable shapes: each batch longer than all before it needs new segments for its logits-sized
  // tensors while the earlier ones stay reserved (fitted.ts, variableShapeRecords); smaller tensors
  // reuse cached blocks by splitting them. Expandable segments, mapped in pages, leave none of it.
  const variable = stack.sequenceLengths === 'variable' && !stack.expandableSegments ? fitted.variableShapeRecords * detail.logitsBytes : 0
  // Cached blocks are released and the request retried when cudaMalloc fails, so what the cache
  // keeps never pushes reserved past what the device has room for.
  const room = capacity - overhead - paged
  const reserved = stack.expandableSegments
    ? allocated
    : Math.max(allocated, Math.min(room, allocated + (tensors + activationTensors) * (ROUNDING_RESERVED - ROUNDING_ALLOCATED) + variable))

  // Breakdown: the allocator's rounding and fragmentation are booked with the activations, whose
  // changing shapes cause most of it; the parts sum to reserved + overhead (+ paged states).
  const activations = detail.total + workspace + (reserved - inAllocator)
  const perGpu: MemoryBreakdown = {
    weightsBytes: Math.round(weights),
    gradientsBytes: Math.round(gradients),
    optimizerBytes: Math.round(optimizer),
    activationsBytes: Math.round(activations),
    adaptersBytes: Math.round(adapters),
    overheadBytes: Math.round(overhead),
    totalBytes: 0,
    allocatedPeakBytes: Math.round(allocated),
    reservedPeakBytes: Math.round(reserved),
  }
  perGpu.totalBytes = perGpu.weightsBytes + perGpu.gradientsBytes + perGpu.optimizerBytes
    + perGpu.activationsBytes + perGpu.adaptersBytes + perGpu.overheadBytes
  return {
    perGpu,
    cpuOffloadBytes: Math.round(cpu),
    activationShare: activations / perGpu.totalBytes,
    detail,
    stack,
    pagedBytes: paged,
    loadPeakBytes: Math.round(loadPeak(input, a, plan, stack, weights, adapters, overhead, workspace)),
  }
}

/** Activation tensors of 10 MiB or more alive at the peak: each gets its own 2 MiB-rounded segment. */
function largeActivationTensors(input: EstimateInput, a: Architecture, plan: TrainingPlan): number {
  const t = input.training
  const tokens = t.microBatchSize * t.sequenceLength
  // A hidden-sized tensor per token is the typical saved activation; about ten per layer (norm
  // inputs, q, k, v, output, gate, up, SiLU, linear inputs).
  if (tokens * a.hidden * 2 < LARGE_REQUEST) return 0
  const region = a.layers - plan.firstBackwardLayer
  const perLayer = t.gradientCheckpointing ? 1 : 10
  return region * perLayer + (t.gradientCheckpointing ? 10 : 0) + 4
}

/**
 * Peak while the model is loaded, before the first step (device view). Weights arrive tensor by
 * tensor (device_map, or meta init then a sharded load), so the peak is the resting weights plus
 * the largest transient: bitsandbytes quantises a 16-bit copy of each matrix on the GPU
 * (bitsandbytes/nn/modules.py Params4bit._quantize); an fp32 upcast (PEFT's kbit preparation,
 * LLaMA-Factory's trainable parameters) holds the 16-bit original and its fp32 copy of the largest
 * tensor at once; FSDP and ZeRO-3 shard one unit at a time, so a rank holds its shards plus one
 * unsharded unit.
 */
function loadPeak(input: EstimateInput, a: Architecture, plan: TrainingPlan, stack: Stack, weights: number, adapters: number, overhead: number, workspace: number): number {
  const hw = input.hardware
  const sharded = hw.sharding === 'zero3' || hw.sharding === 'fsdp'
  const largestTensor = Math.max(a.embedding, a.lmHead, plan.largestMatrix)
  let transient = 0
  if (plan.quantizedParams > 0) transient = Math.max(transient, 2 * plan.largestMatrix)
  const upcastNonQuantized = plan.quantizedParams > 0 && dtypeBytes(stack.nonQuantizedDtype) === 4 && stack.framework.name !== 'custom'
  const upcastTrainable = plan.trainableBase > 0 && stack.trainableDtype !== stack.frozenDtype
  if (upcastNonQuantized || upcastTrainable) transient = Math.max(transient, 2 * Math.max(a.embedding, a.lmHead))
  if (sharded) transient = Math.max(transient, a.largestLayer * Math.max(dtypeBytes(stack.trainableDtype), dtypeBytes(stack.frozenDtype)))
  if (hw.offload === 'optimizer-and-params') transient = Math.max(transient, largestTensor * 2)
  return weights + adapters + transient + workspace + overhead
}
