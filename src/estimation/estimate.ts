// The single entry point the services call: parameters, memory, speed, explanations.
// `estimateCore` returns everything the physics decides; `estimate` adds what depends on prices
// (and is where the cost and forgetting modules plug in).

import { describeArchitecture, type Architecture } from './architecture.ts'
import { estimateCost } from './cost.ts'
import { estimateForgetting } from './forgetting.ts'
import { ASSUMED_NETWORK_GBPS, ASSUMED_NVLINK_GBPS, GPUS_PER_NODE, crossesNodes, interconnectGBps } from './gpu-efficiency.ts'
import { estimateMemory, type MemoryEstimate } from './memory.ts'
import { planMethod, type TrainingPlan } from './methods.ts'
import { estimateSpeed, type SpeedEstimate } from './speed.ts'
import { FITTED, type Fitted } from './fitted.ts'
import { newerThanProfile, resolveStack } from './stacks.ts'
import type { EstimateAssumptions, EstimateInput, EstimateResult, LossImplementation, Warning } from './types.ts'
import { GIB } from './units.ts'

/**
 * Width of the memory band around the expected peak. Low: torch.compile and a chunked loss cut
 * activations by up to ~45 % (torchtune README, Llama 3.2 3B: 60.0 → 42.9 GiB with the same
 * request); high: activations 25 % above (longer padded batches, eager kernels' temporaries) plus
 * another 5 % of everything allocated for fragmentation beyond what the allocator model expects
 * (the leave-one-source-out p90 of reserved memory on variable-length batches, docs/accuracy.md).
 */
const BAND_ACTIVATION_LOW = 0.45
const BAND_ACTIVATION_HIGH = 0.25
const BAND_FRAGMENTATION = 0.05

export type CoreResult = Omit<EstimateResult, 'cost' | 'forgetting'> & {
  /** Intermediate results other modules (cost, forgetting, advisor) may need. */
  internals: { architecture: Architecture; plan: TrainingPlan; memory: MemoryEstimate; speed: SpeedEstimate }
}

const COMPONENT_ADVICE: Record<string, string> = {
  activations: 'enable gradient checkpointing or lower the micro-batch / sequence length',
  weights: 'use QLoRA or shard the weights with zero3/fsdp over more GPUs',
  optimizer: 'use adamw-8bit, shard with zero1-3 or offload the optimizer to CPU',
  gradients: 'shard gradients with zero2/zero3 or train fewer parameters (LoRA)',
  adapters: 'lower the LoRA rank or adapt fewer modules',
}

const LOSS_NOTES: Record<LossImplementation, string> = {
  fp32: 'logits are materialised in full (16-bit, fp32 copy for the loss); a chunked or fused loss would need less',
  half: 'cross-entropy in the 16-bit dtype where no autocast runs (fp32 under autocast)',
  chunked: 'chunked cross-entropy: the logits whole, the loss and its log-softmax per chunk',
  fused: 'fused linear cross-entropy: the logits are never materialised whole, only one chunk at a time',
}

const CAUSES: [keyof SpeedEstimate['breakdown'], string][] = [
  ['compute', 'matmuls'], ['elementwise', 'memory-bound kernels'], ['launch', 'launch and host overhead'],
  ['dequantization', 'dequantisation'], ['optimizer', 'optimizer step'], ['communication', 'communication'],
]

/** "matmuls 71 %, memory-bound kernels 12 %, …" for the causes above 0.5 %. */
function stepShares(speed: SpeedEstimate): string {
  const parts: string[] = []
  for (const [key, label] of CAUSES) {
    const share = speed.breakdown[key] / speed.stepSeconds
    if (share >= 0.005) parts.push(`${label} ${Math.round(100 * share)} %`)
  }
  return parts.join(', ')
}

export function estimateCore(input: EstimateInput, fitted: Fitted = FITTED): CoreResult {
  const arch = describeArchitecture(input.model)
  const resolved = resolveStack(input)
  const planned = planMethod(arch, input.method)
  // A stack that makes the embedding output require grad runs backward through the frozen layers too.
  const plan = resolved.inputRequiresGrad && planned.firstBackwardLayer > 0
    ? { ...planned, firstBackwardLayer: 0, backwardActiveParams: arch.decoderActive }
    : planned
  const memory = estimateMemory(input, arch, plan, resolved, fitted)
  const stack = memory.stack
  const fw = stack.framework
  const speed = estimateSpeed(input, arch, plan, memory.detail, stack, fitted)
  const { training: t, hardware: hw, method } = input
  const perGpu = memory.perGpu
  const capacity = Math.round(hw.gpu.memoryGiB * GIB)
  const allocated = perGpu.allocatedPeakBytes
  const band = {
    lowBytes: Math.round(perGpu.totalBytes - BAND_ACTIVATION_LOW * perGpu.activationsBytes),
    expectedBytes: perGpu.totalBytes,
    highBytes: Math.round(perGpu.totalBytes + BAND_ACTIVATION_HIGH * perGpu.activationsBytes + BAND_FRAGMENTATION * allocated),
  }
  const loadFits = memory.loadPeakBytes <= capacity
  const fits = perGpu.totalBytes <= capacity && loadFits
  const trainable = plan.trainableBase + plan.adapterParams

  const warnings: Warning[] = []
  if (!loadFits) {
    warnings.push({ code: 'LOAD_PEAK_EXCEEDS', message: `loading needs ${(memory.loadPeakBytes / GIB).toFixed(1)} GiB of ${hw.gpu.memoryGiB} GiB before the first step (weights as loaded plus the largest transient)` })
  }
  if (perGpu.totalBytes > capacity) {
    const parts: [string, number][] = [
      ['activations', perGpu.activationsBytes], ['weights', perGpu.weightsBytes], ['optimizer', perGpu.optimizerBytes],
      ['gradients', perGpu.gradientsBytes], ['adapters', perGpu.adaptersBytes],
    ]
    let top = parts[0]!
    for (const p of parts) if (p[1] > top[1]) top = p
    const advice = top[0] === 'activations' && t.gradientCheckpointing ? 'lower the micro-batch or sequence length' : COMPONENT_ADVICE[top[0]]
    warnings.push({
      code: 'DOES_NOT_FIT',
      message: `does not fit: needs ${(perGpu.totalBytes / GIB).toFixed(1)} GiB of ${hw.gpu.memoryGiB} GiB; ${top[0]} are ${Math.round((100 * top[1]) / perGpu.totalBytes)} % of memory; ${advice}`,
    })
  } else if (band.highBytes > capacity) {
    warnings.push({ code: 'NEAR_CAPACITY', message: `fits as expected, but the high end of the band (${(band.highBytes / GIB).toFixed(1)} GiB) exceeds the ${hw.gpu.memoryGiB} GiB of the GPU` })
  }
  if (hw.count === 1 && hw.sharding !== 'none') {
    warnings.push({ code: 'SHARDING_SINGLE_GPU', message: `${hw.sharding} on one GPU shards nothing; memory per GPU is the unsharded figure` })
  }
  if (hw.count > 1 && hw.sharding === 'none') {
    warnings.push({ code: 'SHARDING_ASSUMED_DDP', message: `${hw.count} GPUs without sharding: computed as data-parallel replicas` })
  }
  if (t.attention === 'eager' && t.sequenceLength >= 2048) {
    warnings.push({ code: 'EAGER_ATTENTION_QUADRATIC', message: `eager attention keeps ${t.sequenceLength}² scores per head and layer; flash/sdpa would not` })
  }
  if (method.type === 'freeze' && method.strategy === undefined && method.trainableLayers !== undefined && method.trainableLayers > arch.layers) {
    warnings.push({ code: 'LAYERS_CLAMPED', message: `trainableLayers ${method.trainableLayers} exceeds the model's ${arch.layers} layers; all layers train` })
  }
  if ((method.type === 'lora' || method.type === 'qlora') && plan.adapterParams === 0) {
    warnings.push({ code: 'NO_ADAPTERS', message: 'no target module exists in this architecture (or every rank is 0): nothing trains' })
  }
  if (speed.breakdown.launch > 0.3 * speed.stepSeconds) {
    warnings.push({ code: 'LAUNCH_BOUND', message: `${Math.round((100 * speed.breakdown.launch) / speed.stepSeconds)} % of step time is kernel-launch overhead: ${t.microBatchSize * t.sequenceLength} tokens per micro-batch is too few to keep the GPU busy` })
  }
  if (hw.offload !== 'none' && speed.breakdown.optimizer > 0.3 * speed.stepSeconds) {
    warnings.push({ code: 'OFFLOAD_BOUND', message: `the CPU optimizer step takes ${Math.round((100 * speed.breakdown.optimizer) / speed.stepSeconds)} % of step time; raise gradient accumulation` })
  }
  const newest = newerThanProfile(t.framework)
  if (newest !== null) {
    warnings.push({ code: 'FRAMEWORK_VERSION_NEWER', message: `${fw.name} ${fw.version} is newer than the releases its profile covers; the ${newest} profile is used` })
  }
  if (memory.pagedBytes > 0) {
    warnings.push({ code: 'PAGED_OPTIMIZER', message: `${(memory.pagedBytes / GIB).toFixed(2)} GiB of optimizer state are in bitsandbytes' paged (managed) memory: counted in totalBytes, outside max_memory_allocated/reserved, and paged to the host when the GPU runs short` })
  }
  if (stack.loss === 'fused' && stack.fusedLoss === 'unsloth') {
    warnings.push({ code: 'FUSED_LOSS_FREE_MEMORY', message: 'Unsloth\'s fused cross-entropy sizes its chunks to half the free memory (4 GB cap from July 2026): the reserved peak grows with the GPU' })
  }
  if (t.precision.startsWith('fp16') && method.type !== 'qlora') {
    warnings.push({ code: 'FP16_LOSS_SCALING', message: 'fp16 needs loss scaling; bf16 avoids overflow where the GPU supports it' })
  }

  const link = interconnectGBps(hw.gpu)
  if (hw.count > 1 && link.assumed) {
    warnings.push({ code: 'INTERCONNECT_ASSUMED', message: `the GPU spec states no interconnect; ${link.gbps} GB/s assumed for ${hw.count}-GPU communication` })
  }
  const adapters = method.type === 'lora' || method.type === 'qlora'
  const notes = [
    `parameters from the architecture: ${arch.total} total, ${trainable} trainable`,
    ...plan.notes,
    `stack: ${fw.name === 'custom' ? 'no profile (contract defaults)' : `${fw.name} ${fw.version}${fw.transformers ? ` on transformers ${fw.transformers}` : ''}`}`,
    `${t.precision} precision${stack.autocast ? ' (autocast)' : ''}, ${t.optimizer} optimizer; weights ${stack.frozenDtype === stack.trainableDtype ? stack.frozenDtype : `${stack.frozenDtype} frozen, ${stack.trainableDtype} trained`}${stack.master ? ', fp32 master copy in the optimizer' : ''}${adapters ? `, adapters ${stack.adapterDtype}` : ''}`,
    `residual stream ${stack.residualDtype}${stack.residualDtype === 'fp32' && t.precision !== 'fp32' ? ' (fp32 embeddings and norms): layer inputs and norm outputs are fp32' : ''}`,
    t.gradientCheckpointing ? 'gradient checkpointing: each layer keeps its input, one layer is recomputed at a time' : 'no gradient checkpointing: every layer keeps its activations',
    t.attention === 'eager' ? 'eager attention materialises the s² score matrix' : `${t.attention} attention: no s² score matrix is stored`,
    LOSS_NOTES[stack.loss],
    ...(t.compile ? ['torch.compile: pointwise chains fused; norms keep 16-bit inputs, SwiGLU keeps gate and up only'] : []),
    ...(stack.activationOffload ? ['activation offloading: saved activations go to host memory; two layers stay on the GPU'] : []),
    stack.expandableSegments
      ? 'caching allocator with expandable segments: reserved ≈ allocated'
      : `caching allocator: 2 MiB rounding of large tensors${stack.sequenceLengths === 'variable' ? ', and blocks of shorter batches kept cached when a longer batch arrives (variable shapes)' : ''}`,
    `overhead outside PyTorch's allocator: CUDA context${hw.count > 1 ? ' and NCCL buffers' : ''}${memory.pagedBytes > 0 ? ' and paged optimizer states' : ''}`,
    `${hw.count} × ${hw.gpu.name}, sharding ${hw.sharding}, offload ${hw.offload}`,
    `step time by cause: ${stepShares(speed)}`,
    link.assumed
      ? `no interconnect stated: ${link.gbps === ASSUMED_NVLINK_GBPS ? `NVLink-class ${link.gbps} GB/s assumed for an HBM GPU` : `PCIe Gen4 x16 (${link.gbps} GB/s) assumed`}`
      : `interconnect ${link.gbps} GB/s`,
    ...(crossesNodes(hw) ? [`${hw.count} GPUs span servers of ${hw.gpusPerNode ?? GPUS_PER_NODE}: collectives limited to ${hw.networkGBps ?? ASSUMED_NETWORK_GBPS} GB/s of network per GPU${hw.networkGBps === undefined ? ' (assumed: 200 Gb/s InfiniBand per GPU)' : ''}`] : []),
  ]

  const assumptions: EstimateAssumptions = {
    framework: { name: fw.name, version: fw.version, transformers: fw.transformers },
    precision: t.precision,
    weightsDtype: plan.trainableBase >= arch.total ? stack.trainableDtype : stack.frozenDtype,
    adapterDtype: adapters ? stack.adapterDtype : null,
    nonQuantizedDtype: method.type === 'qlora' ? stack.nonQuantizedDtype : null,
    residualDtype: stack.residualDtype,
    loss: stack.loss,
    sequenceLengths: stack.sequenceLengths,
    gradientCheckpointing: t.gradientCheckpointing,
    activationOffload: stack.activationOffload,
    expandableSegments: stack.expandableSegments,
    defaults: [...(input.defaults ?? []), ...stack.defaults],
    notes,
  }

  return {
    parameters: { total: arch.total, trainable, active: arch.active, trainableShare: trainable / arch.total },
    memory: { perGpu, band, gpuCapacityBytes: capacity, fits, cpuOffloadBytes: memory.cpuOffloadBytes, loadPeakBytes: memory.loadPeakBytes },
    speed: {
      tokensPerSecond: speed.tokensPerSecond,
      stepSeconds: speed.stepSeconds,
      trainingHours: speed.trainingHours,
      flopsPerToken: speed.flopsPerToken,
      mfu: speed.mfu,
      gpuHours: speed.gpuHours,
    },
    assumptions,
    warnings,
    internals: { architecture: arch, plan, memory, speed },
  }
}

export function estimate(input: EstimateInput, fitted: Fitted = FITTED): EstimateResult {
  const core = estimateCore(input, fitted)
  // Fields listed one by one: a rest/spread copy of the core result costs more than the physics.
  return {
    parameters: core.parameters,
    memory: core.memory,
    speed: core.speed,
    cost: estimateCost(input, core.speed.gpuHours),
    forgetting: estimateForgetting(input, core.parameters),
    assumptions: core.assumptions,
    warnings: core.warnings,
  }
}
