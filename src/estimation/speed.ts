// Time per optimizer step and tokens per second for the whole job.
// FLOPs: forward 2P, backward = activation gradients through everything above the lowest
// trainable layer (2P_above) + weight gradients of what trains (2P_trainable), +forward again with
// recomputation (EleutherAI cookbook; estimation-formulas.md §1.4); attention's s² term per
// Korthikanti et al. 2022 App. A. Non-matmul work, kernel launches, QLoRA dequantisation, the
// optimizer step and communication are added as their own physical terms.

import type { Architecture } from './architecture.ts'
import {
  ADAMW_ACCESSES_PER_PARAM, BANDWIDTH_EFFICIENCY, COMM_OVERLAP, FUSED_8BIT_ACCESSES_PER_PARAM, CPU_ADAM_PARAMS_PER_SECOND, DEQUANT_TRAFFIC_FACTOR, ELEMENTWISE_TOUCHES,
  KERNEL_LAUNCH_SECONDS, KERNELS_PER_ADAPTER_FORWARD, KERNELS_PER_ADAPTER_FORWARD_COMPILED,
  KERNELS_PER_LAYER_FORWARD, KERNELS_PER_LAYER_FORWARD_COMPILED,
  PCIE_GBPS, SHARDED_LAYER_SECONDS, collectiveBandwidth, peakFlops,
} from './gpu-efficiency.ts'
import { OFFLOAD_LAYERS_IN_FLIGHT, type ActivationDetail } from './memory.ts'
import type { TrainingPlan } from './methods.ts'
import { FITTED, type Fitted } from './fitted.ts'
import { dtypeBytes, resolveStack, type Stack } from './stacks.ts'
import type { EstimateInput } from './types.ts'

/** fp32 (non-tensor-core) matmul throughput as a share of dense bf16: A100 19.5 / 312, H100 SXM 67 / 989 TFLOPS (NVIDIA datasheets). */
const FP32_MATMUL_SHARE = 1 / 16

export interface SpeedEstimate {
  tokensPerSecond: number
  stepSeconds: number
  trainingHours: number | null
  gpuHours: number | null
  /** Model FLOPs per token (forward + backward, no recomputation). */
  flopsPerToken: number
  /** Model FLOPs utilisation this estimate implies. */
  mfu: number
  /** Seconds per optimizer step by cause, for explanations. */
  breakdown: {
    compute: number
    elementwise: number
    /** Kernel launches and the training loop's host time per micro-step. */
    launch: number
    dequantization: number
    optimizer: number
    /** Collectives not hidden behind compute, and ZeRO-3/FSDP per-layer hooks. */
    communication: number
  }
}

export function estimateSpeed(input: EstimateInput, a: Architecture, plan: TrainingPlan, act: ActivationDetail, stack: Stack = resolveStack(input), fitted: Fitted = FITTED): SpeedEstimate {
  const { training: t, hardware: hw } = input
  const n = Math.max(1, hw.count)
  const s = t.sequenceLength
  const tokens = t.microBatchSize * s
  const L = a.layers
  const region = L - plan.firstBackwardLayer
  const ac = t.gradientCheckpointing && region > 0
  const head = a.vocab * a.hidden

  // Attention scores and weighted values: 2·2·s·(heads·headDim) per token per layer; flash/SDPA skip
  // the masked half of a causal matrix, eager computes all of it. FlashAttention-2 backward ≈ 2.5× forward.
  const attnFwd = 4 * s * a.qDim * (t.attention === 'eager' ? 1 : 0.5)
  const attnBwd = attnFwd * (t.attention === 'eager' ? 2 : 2.5)
  const forward = 2 * (a.decoderActive + head) + L * attnFwd + 2 * plan.adapterParams
  const backward = region > 0 || plan.headTrainable || plan.adapterParams > 0
    ? 2 * (plan.backwardActiveParams + head) + region * attnBwd + 2 * plan.trainableActive + 4 * plan.adapterParams
    : 0
  const recompute = ac ? 2 * plan.backwardActiveParams + region * attnFwd + 2 * plan.adapterParams : 0
  // Fused losses that recompute the logits in backward: cut-cross-entropy, and TRL's chunked_nll
  // (checkpointed 256-token chunks), whose lm_head matmuls run on fp32 copies (h.float() @ w.float().t()).
  const lossRecompute = stack.loss === 'fused' && (stack.fusedLoss === 'cut-cross-entropy' || stack.fusedLoss === 'trl-chunked-nll') ? 2 * head : 0
  const fp32HeadFlops = stack.loss === 'fused' && stack.fusedLoss === 'trl-chunked-nll' ? 2 * head * 2 + lossRecompute + (plan.headTrainable ? 2 * head : 0) : 0
  // bitsandbytes computes in its input's dtype (set_compute_type): fp32 GEMMs where an fp32 residual meets no autocast.
  const fp32Quantized = plan.quantizedParams > 0 && stack.residualDtype === 'fp32' && !stack.autocast
  const quantizedShare = fp32Quantized ? plan.quantizedParams / a.total : 0
  const modelFlopsPerToken = forward + backward
  const hardwareFlops = tokens * (modelFlopsPerToken + recompute + lossRecompute - fp32HeadFlops)
  const peak = peakFlops(hw.gpu, t.precision)
  const bandwidth = hw.gpu.memoryBandwidthTBps * 1e12 * BANDWIDTH_EFFICIENCY

  const compute = (hardwareFlops * (1 - quantizedShare)) / (peak * fitted.gemmEfficiency)
    + (tokens * fp32HeadFlops + hardwareFlops * quantizedShare) / (peak * FP32_MATMUL_SHARE * fitted.gemmEfficiency)
  // Layers below the backward region only run forward; region layers also run backward (and recompute).
  const passes = L + region * (2 + (ac ? 1 : 0))
  // LoRA adds, per adapted matrix and pass, a dropout copy of its input and the add into its output.
  const adapterTraffic = plan.loraIoPerLayer * dtypeBytes(stack.adapterDtype) * 2 * region * (2 + (ac ? 1 : 0))
  // Autocast casts fp32 weights to 16 bits per forward (and again per recompute): read 4 B, write 2 B.
  const castParams = stack.autocast
    ? (dtypeBytes(stack.trainableDtype) === 4 ? plan.trainableActive : 0) + (dtypeBytes(stack.frozenDtype) === 4 && plan.quantizedParams === 0 ? a.decoderActive - plan.trainableActive + head : 0)
    : 0
  const weightCasts = castParams * 6 * (1 + (ac ? 1 : 0))
  const elementwise = (tokens * ((act.producedPerLayerPerToken * passes * ELEMENTWISE_TOUCHES) / 2 + adapterTraffic) + weightCasts) / bandwidth
  const adaptedPerLayer = plan.loraRankPerLayer > 0 ? input.method.targetModules.length : 0
  const kernels = t.compile
    ? KERNELS_PER_LAYER_FORWARD_COMPILED + KERNELS_PER_ADAPTER_FORWARD_COMPILED * adaptedPerLayer
    : KERNELS_PER_LAYER_FORWARD + KERNELS_PER_ADAPTER_FORWARD * adaptedPerLayer
  const launch = passes * kernels * KERNEL_LAUNCH_SECONDS + fitted.microStepSeconds
  // Dequantise every quantised weight to 16 bits per pass that multiplies with it: write 2 B, read 2 B back.
  // With an fp32 input the 16-bit copy is cast once more to fp32: write and read 4 B more.
  const dequantization = plan.quantizedParams > 0
    ? (plan.quantizedParams * (plan.quantizedBits / 8 + 4 + (stack.residualDtype === 'fp32' ? 8 : 0)) * DEQUANT_TRAFFIC_FACTOR * (passes / L)) / bandwidth
    : 0

  // Sharded parameters: every layer is gathered for forward, recompute and backward; its gradients reduce-scattered.
  const sharded = hw.sharding === 'zero3' || hw.sharding === 'fsdp'
  const linkBw = collectiveBandwidth(hw)
  const weightBytes = plan.quantizedParams > 0 ? (a.total - plan.quantizedParams) * 2 + (plan.quantizedParams * plan.quantizedBits) / 8 : a.total * (t.precision === 'fp32' ? 4 : 2)
  const gradBytes = (plan.trainableBase + plan.adapterParams) * (t.precision === 'fp32' ? 4 : 2)
  const ring = (n - 1) / n
  // ZeRO-3/FSDP: all-gather each layer for forward and again for backward (recomputation reuses the
  // backward gather), reduce-scatter gradients every micro-step. ZeRO-2 reduce-scatters gradients in
  // every backward too (DeepSpeed engine.allreduce_gradients: partitioned gradients are reduced per
  // micro-step) and all-gathers the updated 16-bit weights once per step. DDP (no_sync while
  // accumulating) and ZeRO-1 (reduction at the accumulation boundary): one all-reduce per step.
  const zero2 = hw.sharding === 'zero2'
  const commMicro = n <= 1 ? 0 : sharded ? (ring * (weightBytes * (1 + region / L) + gradBytes)) / linkBw : zero2 ? (ring * gradBytes) / linkBw : 0
  const commStep = n > 1 && !sharded ? ((zero2 ? 1 : 2) * ring * gradBytes) / linkBw : 0
  const hooks = sharded ? passes * SHARDED_LAYER_SECONDS : 0
  // Activation offloading copies what the layers out of flight save to the host in forward and back in
  // backward, one PCIe direction each, on a side stream: only what exceeds the compute time shows.
  const offloaded = stack.activationOffload
    ? tokens * Math.max(0, region - OFFLOAD_LAYERS_IN_FLIGHT) * (ac ? dtypeBytes(stack.residualDtype) * a.hidden : act.perLayerPerToken)
    : 0
  const offloadTransfer = (2 * offloaded) / ((PCIE_GBPS / 2) * 1e9)
  const computeMicro = compute + elementwise + launch + dequantization + Math.max(0, offloadTransfer - (compute + elementwise))
  // Prefetching hides at most COMM_OVERLAP of the collectives, and no more than that share of the compute time.
  const micro = computeMicro + hooks + Math.max(commMicro - COMM_OVERLAP * computeMicro, commMicro * (1 - COMM_OVERLAP))

  // The optimizer step is bandwidth-bound: element accesses per parameter × state dtype (SGD with
  // momentum ≈ 6, Adafactor's factored update ≈ 12), plus the 16-bit weight copy and gradient under
  // mixed precision. Offloaded: the host's CPU-Adam rate plus 16-bit gradients down, weights up over PCIe.
  const trainable = (plan.trainableBase + plan.adapterParams) / (hw.sharding === 'none' || hw.sharding === 'ddp' ? 1 : n)
  const mixed = t.precision.endsWith('-mixed')
  const stateDtype = mixed || t.precision === 'fp32' ? 4 : 2
  const perParamTraffic = t.optimizer.includes('8bit')
    ? FUSED_8BIT_ACCESSES_PER_PARAM * stateDtype
    : (t.optimizer === 'sgd' ? 6 : t.optimizer === 'adafactor' ? 12 : ADAMW_ACCESSES_PER_PARAM) * stateDtype + (mixed ? 2 + 2 : 0)
  const optimizer = hw.offload === 'none'
    ? (trainable * perParamTraffic) / bandwidth
    : trainable / CPU_ADAM_PARAMS_PER_SECOND + (trainable * 4) / ((PCIE_GBPS / 2) * 1e9)

  const ga = Math.max(1, t.gradientAccumulationSteps)
  const stepSeconds = ga * micro + optimizer + commStep
  const tokensPerSecond = (n * ga * tokens) / stepSeconds
  const total = t.datasetTokens !== undefined ? t.datasetTokens * Math.max(0, t.epochs) : null
  const trainingHours = total !== null ? total / tokensPerSecond / 3600 : null
  return {
    tokensPerSecond,
    stepSeconds,
    trainingHours,
    gpuHours: trainingHours !== null ? trainingHours * n : null,
    flopsPerToken: modelFlopsPerToken,
    mfu: (tokensPerSecond * modelFlopsPerToken) / (n * peak),
    breakdown: {
      compute: ga * compute,
      elementwise: ga * elementwise,
      launch: ga * launch,
      dequantization: ga * dequantization,
      optimizer,
      communication: commStep + ga * (micro - computeMicro),
    },
  }
}
