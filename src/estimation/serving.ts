// Serving N fine-tuned tasks from one base model: hot-swapped adapters, merged copies, batched
// multi-LoRA (S-LoRA / Punica / LoRAX style) and adapter ensembles; memory, GPUs, storage,
// switch latency and the throughput relative to serving the plain base model.
// Sources: shared/reference/quality-forgetting-serving.md §4. KV cache is not counted: it is what
// is left of the GPU after the weights, and it sizes with traffic, not with the deployment mode.

import { describeArchitecture } from './architecture.ts'
import { DEFAULT_COST_RATES } from './cost.ts'
import { planMethod } from './methods.ts'
import type { GpuSpec, LoraTarget, ModelSpec } from './types.ts'
import { GIB } from './units.ts'

export interface ServingInput {
  model: ModelSpec
  adapter: { rank: number; targetModules: LoraTarget[]; layerRanks?: number[] }
  /** Fine-tuned tasks (one adapter each). */
  tasks: number
  gpu: GpuSpec
  /** Bytes per stored weight of the base and of adapters; 2 for bf16/fp16. */
  bytesPerParam?: number
  /** Adapters the hot-swap deployment keeps resident on the GPU at once (default 1). */
  residentAdapters?: number
  /** Adapters evaluated per request in an ensemble (default 3). */
  ensembleSize?: number
  /** Adapters of different ranks in one batch (S-LoRA measured a larger penalty for mixed ranks). */
  mixedRanks?: boolean
  /** Read bandwidth of the storage holding adapters, GB/s (10^9 B/s). */
  storageReadGBps?: number
  /** Host-to-GPU copy bandwidth, GB/s (10^9 B/s). */
  hostToGpuGBps?: number
}

export interface Band {
  low: number
  high: number
}

export type ServingModeName = 'hot-swap' | 'merged' | 'batched-multi-lora' | 'ensemble'

export interface ServingMode {
  mode: ServingModeName
  /** Weights resident on each GPU of one replica (base share + adapters). */
  gpuMemoryPerGpuBytes: number
  /** GPUs needed to serve all tasks at once (one replica of each thing that must be resident). */
  gpus: number
  /** Seconds to start serving a different task on a warm replica. */
  switchSeconds: Band
  /** Throughput relative to serving the merged base model (1 = no penalty). */
  relativeThroughput: Band
  /** Tasks one replica serves concurrently (ensemble: distinct ensembles of ensembleSize adapters). */
  tasksPerReplica: number
  /** Adapters held in GPU memory at once (0 for merged copies). */
  residentAdapters: number
  storageBytes: number
  notes: string[]
}

export interface ServingResult {
  baseParams: number
  adapterParams: number
  baseBytes: number
  adapterBytes: number
  storage: {
    /** One base copy plus N adapters, vs N merged full copies. */
    adaptersBytes: number
    fullCopiesBytes: number
    savingFactor: number
    adaptersUsdPerMonth: number
    fullCopiesUsdPerMonth: number
  }
  modes: ServingMode[]
}

/**
 * PCIe 3.0 x4 NVMe link: 8 GT/s × 4 lanes × 128/130 ÷ 8 = 3.94 GB/s (PCI-SIG encoding);
 * the ceiling of a common datacenter NVMe drive. Network storage is slower: pass its bandwidth.
 */
const DEFAULT_STORAGE_GBPS = 3.94
/** PCIe 4.0 x16: 16 GT/s × 16 × 128/130 ÷ 8 = 31.5 GB/s per direction (A100 generation hosts). */
const DEFAULT_HOST_TO_GPU_GBPS = 31.5
/**
 * Per decoder layer cost of copying an adapter layer by layer from CPU to GPU: ~20 ms measured in
 * LoRAX issue #433 ("500ms ~ 1+s latency overall"); the pessimistic end of the switch time. The
 * optimistic end is bandwidth-bound (vLLM PR #31317: pinned contiguous copies).
 */
const PER_LAYER_COPY_SECONDS = 0.02
/**
 * Unmerged single-adapter tax with optimised kernels: Punica vs vLLM merged is 2.9 % (70B) to
 * 12.2 % (13B) slower (§4.2 [D]).
 */
const SINGLE_ADAPTER_TAX = { worst: 0.122, best: 0.029 }
/** S-LoRA from 5 to 2000 adapters: −5.5 % at uniform rank, −10 % with mixed ranks (§4.1 [D]). */
const MANY_ADAPTER_TAX = { uniform: 0.055, mixed: 0.10, fromAdapters: 5, toAdapters: 2000 }
/** LoRAX `--adapter-memory-fraction` 0.1 and `--max-active-adapters` 1024 (§4.3 [P]). */
const ADAPTER_MEMORY_FRACTION = 0.1
const MAX_ACTIVE_ADAPTERS = 1024

export function servingPlan(input: ServingInput): ServingResult {
  const a = describeArchitecture(input.model)
  const plan = planMethod(a, {
    type: 'lora', rank: input.adapter.rank, alpha: 2 * input.adapter.rank, targetModules: input.adapter.targetModules,
    ...(input.adapter.layerRanks ? { layerRanks: input.adapter.layerRanks } : {}),
    quantization: 'nf4', doubleQuantization: false,
  })
  const bpp = input.bytesPerParam ?? 2
  const n = Math.max(1, Math.floor(input.tasks))
  const baseBytes = a.total * bpp
  const adapterBytes = plan.adapterParams * bpp
  const capacity = input.gpu.memoryGiB * GIB
  const gpusFor = (bytes: number) => Math.max(1, Math.ceil(bytes / capacity))
  const storageGBps = input.storageReadGBps ?? DEFAULT_STORAGE_GBPS
  const pcieGBps = input.hostToGpuGBps ?? DEFAULT_HOST_TO_GPU_GBPS
  const loadLow = adapterBytes / (storageGBps * 1e9) + adapterBytes / (pcieGBps * 1e9)
  const switchBand: Band = { low: loadLow, high: loadLow + a.layers * PER_LAYER_COPY_SECONDS }
  const tax = (adapters: number): Band => {
    const many = input.mixedRanks ? MANY_ADAPTER_TAX.mixed : MANY_ADAPTER_TAX.uniform
    const t = adapters <= MANY_ADAPTER_TAX.fromAdapters ? 0
      : many * Math.min(1, Math.log(adapters / MANY_ADAPTER_TAX.fromAdapters) / Math.log(MANY_ADAPTER_TAX.toAdapters / MANY_ADAPTER_TAX.fromAdapters))
    return { low: (1 - SINGLE_ADAPTER_TAX.worst) * (1 - t), high: (1 - SINGLE_ADAPTER_TAX.best) * (1 - t) }
  }
  const adaptersStorage = baseBytes + n * adapterBytes
  const fullStorage = n * baseBytes
  const gb = (bytes: number) => bytes / GIB

  const resident = Math.min(n, Math.max(1, Math.floor(input.residentAdapters ?? 1)))
  const hotMemory = baseBytes + resident * adapterBytes
  const hotGpus = gpusFor(hotMemory)
  const perReplicaAdapterSlots = Math.min(MAX_ACTIVE_ADAPTERS, Math.floor((ADAPTER_MEMORY_FRACTION * capacity * gpusFor(baseBytes)) / Math.max(1, adapterBytes)))
  const batchedActive = Math.min(n, Math.max(1, perReplicaAdapterSlots))
  const batchedMemory = baseBytes + batchedActive * adapterBytes
  const k = Math.min(n, Math.max(1, Math.floor(input.ensembleSize ?? 3)))
  const ensembleMemory = baseBytes + k * adapterBytes
  const kTax = tax(k)

  const modes: ServingMode[] = [
    {
      mode: 'hot-swap',
      gpuMemoryPerGpuBytes: hotMemory / hotGpus,
      gpus: hotGpus,
      switchSeconds: resident >= n ? { low: 0, high: 0 } : switchBand,
      relativeThroughput: tax(resident),
      tasksPerReplica: resident,
      residentAdapters: resident,
      storageBytes: adaptersStorage,
      notes: [
        `load = adapter bytes over storage (${storageGBps} GB/s) and PCIe (${pcieGBps} GB/s); the high end adds ${PER_LAYER_COPY_SECONDS * 1000} ms per layer as measured by LoRAX #433`,
        'requests for a non-resident task wait for the swap; vLLM runtime loading is "risky" in production per its docs',
      ],
    },
    {
      mode: 'merged',
      gpuMemoryPerGpuBytes: baseBytes / gpusFor(baseBytes),
      gpus: n * gpusFor(baseBytes),
      switchSeconds: { low: 0, high: 0 },
      relativeThroughput: { low: 1, high: 1 },
      tasksPerReplica: 1,
      residentAdapters: 0,
      storageBytes: fullStorage,
      notes: ['merge_and_unload: zero inference overhead, one full model copy per task (vLLM-packed ran out of memory at 100 adapters of a 7B on an A100-80GB)'],
    },
    {
      mode: 'batched-multi-lora',
      gpuMemoryPerGpuBytes: batchedMemory / gpusFor(batchedMemory),
      gpus: gpusFor(batchedMemory),
      switchSeconds: batchedActive >= n ? { low: 0, high: 0 } : switchBand,
      relativeThroughput: tax(n),
      tasksPerReplica: n,
      residentAdapters: batchedActive,
      storageBytes: adaptersStorage,
      notes: [
        `${batchedActive} adapters resident (LoRAX reserves ${ADAPTER_MEMORY_FRACTION * 100} % of GPU memory for adapters, at most ${MAX_ACTIVE_ADAPTERS}); the rest page in from host memory (S-LoRA unified paging)`,
        'tax: Punica single-adapter 2.9–12.2 %, S-LoRA 5→2000 adapters −5.5 % (uniform rank) / −10 % (mixed ranks); naive engines lose 30–50 %',
      ],
    },
    {
      mode: 'ensemble',
      gpuMemoryPerGpuBytes: ensembleMemory / gpusFor(ensembleMemory),
      gpus: gpusFor(ensembleMemory),
      switchSeconds: { low: 0, high: 0 },
      relativeThroughput: { low: kTax.low / k, high: kTax.high / k },
      tasksPerReplica: Math.floor(n / k),
      residentAdapters: k,
      storageBytes: adaptersStorage,
      notes: [`each request runs ${k} adapters (one batched multi-LoRA pass each), so throughput per answered request is divided by ${k}`],
    },
  ]
  return {
    baseParams: a.total,
    adapterParams: plan.adapterParams,
    baseBytes,
    adapterBytes,
    storage: {
      adaptersBytes: adaptersStorage,
      fullCopiesBytes: fullStorage,
      savingFactor: fullStorage / adaptersStorage,
      adaptersUsdPerMonth: gb(adaptersStorage) * DEFAULT_COST_RATES.storageUsdPerGbMonth,
      fullCopiesUsdPerMonth: gb(fullStorage) * DEFAULT_COST_RATES.storageUsdPerGbMonth,
    },
    modes,
  }
}
