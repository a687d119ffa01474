// Peak memory per GPU: weights, gradients, optimizer states, activations, adapters and the
// overhead outside PyTorch's allocator, then ZeRO/FSDP sharding and CPU offload.
// Formulas and sources: shared/reference/estimation-formulas.md §1.1–1.3.

import type { Architecture } from './architecture.ts'
import type { TrainingPlan } from './methods.ts'
import type { EstimateInput, MemoryBreakdown, Precision } from './types.ts'

const MIB = 1024 ** 2

/** Bytes of one value of a 16-bit or 32-bit tensor under a precision setting. */
export function activationBytes(p: Precision): number {
  return p === 'fp32' ? 4 : 2
}

/** `-mixed`: 16-bit working weights, fp32 master copy in the optimizer (ZeRO paper, Rajbhandari et al. 2019: 2 + 2 + 12 B/param). */
function isMixed(p: Precision): boolean {
  return p === 'bf16-mixed' || p === 'fp16-mixed'
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
    // paged variants hold the same bytes on the GPU until memory runs out.
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
 * Outside PyTorch's allocator: the CUDA context with the kernel images of PyTorch, cuBLAS and
 * cuDNN. Peers assume 650 MB (gpu_poor) to 1.4 GB (Unsloth Studio, "calibrated on RTX 5070 Ti")
 * (estimation-formulas.md, conventions); fitted to 1 GiB on the device-total cases of
 * calibration/cases.json (Qwen profile, A100, CUDA 11.8). cuBLAS workspaces (a few MiB per
 * handle) are allocated through PyTorch's caching allocator and so belong to the allocator figures.
 */
export const CUDA_CONTEXT_BYTES = 1024 * MIB
/**
 * NCCL communicator buffers: NCCL_BUFFSIZE = 4 MiB per channel and peer for each of the 3 protocols;
 * a ring over NVLink/PCIe opens ~16 channels with 2 peers → 4 MiB × 16 × 2 × 3 ≈ 384 MiB.
 */
export const NCCL_BYTES = 384 * MIB
/** DeepSpeed ZeRO-3 `sub_group_size` default (DeepSpeed config docs): elements converted to fp32 at once. */
const DEEPSPEED_SUB_GROUP = 1e9
/** DeepSpeed `reduce_bucket_size` of the HF / Qwen example ds_config_zero2.json (2e8; DeepSpeed's own default is 5e8). */
const DEEPSPEED_REDUCE_BUCKET = 2e8
/**
 * PyTorch's caching allocator rounds and splits blocks, so what it reserves exceeds what tensors
 * use; the slack comes from transient tensors of changing sizes and is booked with the activations.
 * Fitted to 5 % of everything allocated (README.md, "Constants and where they come from").
 */
export const ALLOCATOR_SLACK = 0.05
/** DeepSpeed ZeRO-3 `stage3_max_live_parameters` default: parameters kept gathered at once (DeepSpeed config docs). */
const DEEPSPEED_MAX_LIVE_PARAMETERS = 1e9

/**
 * Temporary bytes per trainable parameter, per byte of state dtype, that the optimizer step itself
 * allocates. torch.optim.AdamW on CUDA takes the foreach path unless `fused=True`
 * (torch/optim/adamw.py `_multi_tensor_adamw`): `exp_avg_sq_sqrt = torch._foreach_sqrt(exp_avg_sqs)`
 * is a new tensor list as large as every parameter it updates; the other foreach ops work in place.
 * DeepSpeed's FusedAdam / CPU-Adam, bitsandbytes' 8-bit and paged kernels, SGD without weight
 * decay and Adafactor's factored update allocate no full-size temporary.
 */
function optimizerStepTempPerParam(input: EstimateInput): number {
  const { training: t, hardware: hw } = input
  return t.optimizer === 'adamw' && !isDeepSpeed(hw.sharding) && hw.offload === 'none' ? 1 : 0
}

/** DeepSpeed runs its own mixed precision: the module is cast to 16 bits and no torch autocast is entered. */
export function isDeepSpeed(s: EstimateInput['hardware']['sharding']): boolean {
  return s === 'zero1' || s === 'zero2' || s === 'zero3'
}

/** torchtune CEWithChunkedOutputLoss `num_output_chunks` default. */
const LOSS_CHUNKS = 8
/**
 * Layers whose saved activations are on the GPU while the rest are offloaded: the one whose
 * backward runs and the next, fetched ahead on a side stream (torchtune OffloadActivations).
 */
export const OFFLOAD_LAYERS_IN_FLIGHT = 2

/**
 * Bytes per vocabulary entry per token that the loss holds at its peak.
 * - fp32 loss: the lm_head output (B) and the shifted contiguous copy for next-token labels (B) stay
 *   alive; the fp32 upcast of the input (4) exists while log-softmax writes its fp32 output (4), which
 *   is kept for backward: 2·B + 8 = 12 for 16-bit training; fp32 training needs no upcast: 3 × 4.
 *   Backward holds as much (saved output, its gradient, the input gradient).
 * - 'half' where no autocast runs (pure 16-bit, or DeepSpeed's mixed precision): the same three
 *   tensors in the 16-bit dtype, 3·B. Under autocast log_softmax is on the fp32 list, so 'half'
 *   computes like 'fp32' there.
 * - 'chunked': the 16-bit logit chunks (B), every chunk's fp32 log-softmax output kept for backward
 *   (4) and one chunk's fp32 upcast in flight (4 / 8 chunks). Compiled, the log-softmax is recomputed
 *   from the 16-bit chunk and its per-token log-sum-exp, so only B + 4 / 8 remain. (A compiled
 *   unchunked loss still materialises the fp32 logits: torchtune's table gains 8.3 B/V from chunking
 *   on top of compile, Llama 3.2 3B.)
 * Korthikanti et al. 2022 count only 4sbv, "negligible" at 22B+, not for 128k–256k vocabularies.
 */
export function lossBytesPerVocab(input: EstimateInput): number {
  const t = input.training
  const b = activationBytes(t.precision)
  const autocast = isMixed(t.precision) && !isDeepSpeed(input.hardware.sharding)
  const loss = t.loss ?? 'fp32'
  if (loss === 'chunked') return b + (t.compile ? 0 : 4) + (b < 4 ? 4 / LOSS_CHUNKS : 0)
  if (loss === 'half' && !autocast) return 3 * b
  return b === 4 ? 12 : 2 * b + 8
}

export interface ActivationDetail {
  /** Bytes kept per token by one decoder layer in the backward region. */
  perLayerPerToken: number
  /** Bytes one decoder layer writes per token in forward, kept or not (drives memory-bound kernel time). */
  producedPerLayerPerToken: number
  /** Bytes per token outside the layers (final norm, logits). */
  headPerToken: number
  total: number
}

/**
 * Activations kept for backward, per GPU (micro-batch × sequence tokens).
 * Per layer (Llama-style, no dropout), what autograd keeps when the layer is in the backward region:
 * - each RMSNorm keeps its fp32 upcast input (4h; HF/torchtune compute the norm in fp32);
 * - FlashAttention/SDPA keep q, k, v after RoPE, the output and the fp32 log-sum-exp (4 B per head);
 *   eager attention instead keeps the fp32 softmax (4·a·s) and its 16-bit copy (B·a·s) — the s² term
 *   that Korthikanti's 5as/h models and flash kernels never materialise;
 * - a gated MLP keeps gate and up outputs and SiLU's output (3·I), a plain MLP the GELU input (I);
 * - the inputs of linears whose weights (or LoRA adapters) train: norm outputs (h), o_proj input,
 *   down_proj input; LoRA also keeps its rank-r intermediate.
 * Gradient checkpointing keeps only each layer's input (B·h) plus one recomputed layer in flight.
 * Compiled (Inductor's min-cut partitioner), a norm keeps its 16-bit input and fp32 rstd per token
 * (B·h + 4), a gated MLP only gate and up (SiLU, the product and so down_proj's input are recomputed
 * in backward), a plain MLP only the GELU input.
 */
export function estimateActivations(input: EstimateInput, a: Architecture, plan: TrainingPlan): ActivationDetail {
  const t = input.training
  const B = activationBytes(t.precision)
  const tokens = t.microBatchSize * t.sequenceLength
  const region = a.layers - plan.firstBackwardLayer
  const h = a.hidden
  const width = a.moe ? a.moeMlpWidth : a.denseMlpWidth
  const s = plan.saved
  const fused = t.compile === true
  const normCount = input.model.normsPerLayer ?? 2
  const norms = normCount * (fused ? B * h + 4 : 4 * h)
  const attention = t.attention === 'eager'
    ? B * (a.qDim + 2 * a.kvDim) + a.heads * t.sequenceLength * (4 + (B < 4 ? B : 0))
    : B * (2 * a.qDim + 2 * a.kvDim) + 4 * a.heads
  const mlp = (a.mlpMatrices === 3 ? (fused ? 2 : 3) : 1) * B * width
  // MoE dispatch gathers a copy of each token's hidden state per chosen expert.
  const dispatch = a.moe ? B * h * (input.model.expertsPerToken ?? 1) : 0
  const linearInputs = (s.attentionInput ? B * h : 0) + (s.outputProjInput ? B * a.qDim : 0)
    + (s.mlpInput ? B * h : 0) + (s.downInput && !fused ? B * width : 0)
  const lora = plan.loraRankPerLayer * B
  const perLayer = region > 0 ? norms + attention + mlp + dispatch + linearInputs + lora : 0
  const headPerToken = 4 * h + B * h + a.vocab * lossBytesPerVocab(input)
  // Layers whose saved tensors are on the GPU at once: all of the region, or those in flight when offloaded.
  const kept = t.activationOffload ? Math.min(region, OFFLOAD_LAYERS_IN_FLIGHT) : region
  // Without checkpointing the peak is at the loss: every layer's activations and the logits together.
  // With it, the logits are freed before the first layer is recomputed, so the peak is the layer
  // inputs plus the larger of the two.
  const perToken = t.gradientCheckpointing
    ? kept * B * h + Math.max(headPerToken, region > 0 ? perLayer : 0)
    : kept * perLayer + headPerToken
  // QLoRA dequantises one weight matrix to 16 bits at a time (bitsandbytes), forward and backward.
  const dequantised = plan.quantizedParams > 0 ? 2 * 2 * plan.largestMatrix : 0
  // Compiled, the fp32 norm upcasts and SiLU's output live only in registers of fused kernels.
  const produced = norms + attention + mlp + dispatch + B * (2 * h + a.qDim + width)
  return { perLayerPerToken: perLayer, producedPerLayerPerToken: produced, headPerToken, total: tokens * perToken + dequantised }
}

export interface MemoryEstimate {
  perGpu: MemoryBreakdown
  cpuOffloadBytes: number
  activationShare: number
  detail: ActivationDetail
}

export function estimateMemory(input: EstimateInput, a: Architecture, plan: TrainingPlan): MemoryEstimate {
  const { training: t, hardware: hw } = input
  const n = Math.max(1, hw.count)
  const sharding = hw.sharding
  const shardOpt = sharding === 'zero1' || sharding === 'zero2' || sharding === 'zero3' || sharding === 'fsdp' ? n : 1
  const shardGrad = sharding === 'zero2' || sharding === 'zero3' || sharding === 'fsdp' ? n : 1
  const shardWeights = sharding === 'zero3' || sharding === 'fsdp' ? n : 1

  const fp32 = t.precision === 'fp32'
  const mixed = isMixed(t.precision)
  const w16 = fp32 ? 4 : 2
  // Frozen and trainable base weights: 16-bit (fp32 when fp32); QLoRA's quantised linears at their bits.
  const plainParams = a.total - plan.quantizedParams
  const weightsFull = plainParams * w16 + (plan.quantizedParams * plan.quantizedBits) / 8
  // Trainable base weights: gradients in the weight dtype; optimizer with fp32 master under mixed precision.
  const baseOpt = optimizerBytesPerParam(t.optimizer, mixed || fp32 ? 4 : 2, mixed ? 4 : 0, a.hidden)
  const baseGrad = plan.trainableBase * w16
  // LoRA adapters: PEFT keeps them in fp32 under autocast (autocast_adapter_dtype), so they are their
  // own master copy; pure bf16/fp16 (torchtune) keeps them in the model dtype. DeepSpeed (zero1-3)
  // casts the whole module to 16 bits and keeps the fp32 master in its optimizer instead.
  const deepspeed = isDeepSpeed(sharding)
  const adapterB = deepspeed && mixed ? 2 : mixed || fp32 ? 4 : 2
  const adapterOpt = optimizerBytesPerParam(t.optimizer, mixed || fp32 ? 4 : 2, deepspeed && mixed ? 4 : 0, a.hidden)

  const trainable = plan.trainableBase + plan.adapterParams
  let weights = weightsFull / shardWeights
  let gradients = (baseGrad + plan.adapterParams * adapterB) / shardGrad
  if (deepspeed && mixed) {
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
  let optimizer = (plan.trainableBase * baseOpt + plan.adapterParams * adapterOpt) / shardOpt
  const adapters = (plan.adapterParams * adapterB) / shardWeights
  let cpu = 0
  if (shardWeights > 1 || sharding === 'zero3') {
    // FSDP gathers the current unit and prefetches the next: two full layers. DeepSpeed ZeRO-3 keeps
    // up to stage3_max_live_parameters gathered (and does so even on one GPU).
    const gatheredParams = sharding === 'zero3' ? Math.max(2 * a.largestLayer, Math.min(DEEPSPEED_MAX_LIVE_PARAMETERS, a.total)) : 2 * a.largestLayer
    weights += gatheredParams * (plan.quantizedParams > 0 ? plan.quantizedBits / 8 : w16)
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
      const resident = 2 * a.largestLayer * w16
      cpu += weightsFull / shardWeights + gradients
      weights = resident
      gradients = resident
    }
  }
  const detail = estimateActivations(input, a, plan)
  // The step runs after backward has freed the activations (the gradients are still alive), so its
  // temporary only adds what it exceeds them by: peak = model states + max(activations, step temporary).
  const stepTemp = (optimizerStepTempPerParam(input) * (mixed || fp32 ? 4 : 2) * trainable) / shardOpt
  optimizer += Math.max(0, stepTemp - detail.total)
  const activations = detail.total + ALLOCATOR_SLACK * (weights + gradients + optimizer + adapters + detail.total)
  const overhead = CUDA_CONTEXT_BYTES + (n > 1 ? NCCL_BYTES : 0)
  const perGpu: MemoryBreakdown = {
    weightsBytes: Math.round(weights),
    gradientsBytes: Math.round(gradients),
    optimizerBytes: Math.round(optimizer),
    activationsBytes: Math.round(activations),
    adaptersBytes: Math.round(adapters),
    overheadBytes: Math.round(overhead),
    totalBytes: 0,
  }
  perGpu.totalBytes = perGpu.weightsBytes + perGpu.gradientsBytes + perGpu.optimizerBytes
    + perGpu.activationsBytes + perGpu.adaptersBytes + perGpu.overheadBytes
  const total = perGpu.totalBytes
  return {
    perGpu,
    cpuOffloadBytes: Math.round(cpu),
    activationShare: activations / total,
    detail,
  }
}
