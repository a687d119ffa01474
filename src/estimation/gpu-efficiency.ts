// What a GPU achieves in practice, as opposed to its datasheet peak. Each constant sits within the
// physically plausible range stated next to it (set when the engine was first calibrated on
// shared/reference/calibration-cases.json); the two still refitted on every source are in
// fitted.ts. None depends on a model name or a case.

import type { GpuSpec, HardwareSpec, Precision } from './types.ts'

/**
 * Non-matmul work (norms, RoPE, SiLU, residual adds, softmax statistics) is memory-bound: each
 * activation byte a layer produces is written and read back about this many times over forward
 * and backward (write + read in forward, read + gradient write/read in backward ≈ 4–6).
 */
export const ELEMENTWISE_TOUCHES = 5

/** Fraction of HBM/GDDR peak bandwidth that streaming kernels reach (STREAM-like: 80–90 %). */
export const BANDWIDTH_EFFICIENCY = 0.85

/**
 * Host-side cost of one eager PyTorch kernel launch (dispatcher + CUDA launch ≈ 5–20 µs); it
 * bounds small micro-batches, where the GPU waits for Python.
 */
export const KERNEL_LAUNCH_SECONDS = 12e-6

/** Kernels one Llama-style decoder layer launches in a forward pass (2 norms × 6, 4 linears, RoPE ≈ 10, attention, SiLU/mul, 2 adds). */
export const KERNELS_PER_LAYER_FORWARD = 32

/** Kernels one LoRA-adapted linear adds to a forward pass (dropout, A, B, scaling, add). */
export const KERNELS_PER_ADAPTER_FORWARD = 5

/**
 * The same under torch.compile: Inductor fuses each pointwise chain (norm with its residual add,
 * RoPE, SiLU·up) into one kernel, leaving 7 GEMMs + attention + 4 fused kernels per layer, and per
 * adapter its two GEMMs + one fused scale-and-add.
 */
export const KERNELS_PER_LAYER_FORWARD_COMPILED = 12
export const KERNELS_PER_ADAPTER_FORWARD_COMPILED = 3

/**
 * DeepSpeed ZeRO-3 / FSDP per-layer fetch/release hooks: parameter all-gather launch, stream
 * synchronisation and partition bookkeeping, paid per layer per pass even on one GPU.
 */
export const SHARDED_LAYER_SECONDS = 2e-3

/**
 * bitsandbytes / torchao NF4 dequantisation kernels reach only a fraction of streaming bandwidth
 * (table look-ups, 4-bit unpacking, one small kernel per matrix): effective traffic multiplier.
 */
export const DEQUANT_TRAFFIC_FACTOR = 3

/** PCIe Gen4 x16, both directions summed (GB/s), for GDDR cards that state no interconnect. */
export const PCIE_GBPS = 64

/**
 * HBM-class parts (≥ 1.5 TB/s) ship as SXM/OAM modules or with NVLink bridges: every such GPU in
 * shared/reference/catalog-data.json lists one (A100 600, H100 PCIe bridge 600, H100/H200 900,
 * B200 1800 GB/s). When the spec states none, the A100 generation's NVLink 3 is assumed.
 */
export const HBM_BANDWIDTH_TBPS = 1.5
export const ASSUMED_NVLINK_GBPS = 600

/**
 * AdamW memory accesses per parameter in PyTorch's default foreach implementation: weight decay
 * (2), lerp of m (3), v·β2 + g² (5), sqrt (2), divide (2), + eps (2), addcdiv into the weight (4)
 * ≈ 20 element reads/writes; bitsandbytes' 8-bit kernel is fused (≈ 8 accesses).
 */
export const ADAMW_ACCESSES_PER_PARAM = 20
export const FUSED_8BIT_ACCESSES_PER_PARAM = 8

/** NCCL bus bandwidth reached relative to the link's per-direction peak (nccl-tests: ~80 % on NVLink, ~70–80 % on PCIe). */
export const NCCL_EFFICIENCY = 0.75

/** Fraction of sharded-parameter communication hidden behind compute by prefetching. */
export const COMM_OVERLAP = 0.5

/** Host (CPU) AdamW throughput for offloaded optimizer steps, parameters per second (DeepSpeed CPU-Adam: ~1–2 G params/s on a server socket). */
export const CPU_ADAM_PARAMS_PER_SECOND = 1.5e9

/** Peak dense FLOP/s used for a precision: fp16 peak where stated, fp32 without TF32 ≈ 1/16 of bf16 tensor peak (A100: 19.5 vs 312). */
export function peakFlops(gpu: GpuSpec, precision: Precision): number {
  if (precision === 'fp32') return (gpu.bf16Tflops / 16) * 1e12
  if (precision.startsWith('fp16') && gpu.fp16Tflops) return gpu.fp16Tflops * 1e12
  return gpu.bf16Tflops * 1e12
}

/** Per-direction link bandwidth in bytes/s that collectives reach. */
export function interconnectGBps(gpu: GpuSpec): { gbps: number; assumed: boolean } {
  if (gpu.interconnectGBps) return { gbps: gpu.interconnectGBps, assumed: false }
  return gpu.memoryBandwidthTBps >= HBM_BANDWIDTH_TBPS
    ? { gbps: ASSUMED_NVLINK_GBPS, assumed: true }
    : { gbps: PCIE_GBPS, assumed: true }
}

/** GPUs on one HGX/DGX baseboard, the usual server (NVIDIA DGX A100/H100/B200 user guides: 8 GPUs). */
export const GPUS_PER_NODE = 8
/**
 * Network per GPU between servers, both directions summed: DGX A100 gives each GPU its own
 * 200 Gb/s HDR InfiniBand adapter (25 GB/s each way; DGX H100: 400 Gb/s NDR). On the LoRA paper's
 * 128-GPU GPT-3 runs (calibration/cases.json) tokens/s errors are 0.1 % / 10.1 % (LoRA / full) with it,
 * 20.4 % / 8.7 % when only the intra-node link (PCIe assumed for those V100s) limits.
 */
export const ASSUMED_NETWORK_GBPS = 50

/** Whether the job spans servers: more GPUs than one server holds. */
export function crossesNodes(hw: HardwareSpec): boolean {
  return hw.count > (hw.gpusPerNode ?? GPUS_PER_NODE)
}

/**
 * Per-direction bytes/s a ring collective reaches per GPU: the intra-node link, or, once the ring
 * crosses servers, the slower of that link and each GPU's share of the network (NCCL rings run one
 * per adapter, so the inter-node hop of each ring is one adapter).
 */
export function collectiveBandwidth(hw: HardwareSpec): number {
  const intra = interconnectGBps(hw.gpu).gbps
  const link = crossesNodes(hw) ? Math.min(intra, hw.networkGBps ?? ASSUMED_NETWORK_GBPS) : intra
  return (link / 2) * 1e9 * NCCL_EFFICIENCY
}
