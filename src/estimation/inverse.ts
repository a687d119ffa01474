// Inverse questions: the largest micro-batch and the longest sequence that fit, and the fewest
// GPUs of a given type that fit. Memory grows monotonically with batch and sequence length and
// shrinks with the GPU count under sharding, so each answer is a doubling search followed by a
// bisection over the memory model alone (no speed model per probe).

import { describeArchitecture } from './architecture.ts'
import { estimateMemory } from './memory.ts'
import { GIB } from './units.ts'
import { planMethod } from './methods.ts'
import type { EstimateInput, HardwareSpec, TrainingSpec } from './types.ts'

function fitter(input: EstimateInput) {
  const arch = describeArchitecture(input.model)
  const plan = planMethod(arch, input.method)
  return (training: TrainingSpec, hardware: HardwareSpec) =>
    estimateMemory({ ...input, training, hardware }, arch, plan).perGpu.totalBytes <= hardware.gpu.memoryGiB * GIB
}

/** Largest n in [lo, limit] with fits(n), given fits is monotone decreasing in n; lo - 1 when none. */
function largestFitting(lo: number, limit: number, fits: (n: number) => boolean): number {
  if (!fits(lo)) return lo - 1
  let good = lo
  let bad = limit + 1
  for (let n = lo * 2; n <= limit; n *= 2) {
    if (fits(n)) good = n
    else { bad = n; break }
  }
  if (bad === limit + 1 && good < limit) {
    if (fits(limit)) return limit
    bad = limit
  }
  while (bad - good > 1) {
    const mid = Math.floor((good + bad) / 2)
    if (fits(mid)) good = mid
    else bad = mid
  }
  return good
}

/** The largest micro-batch that fits at the requested sequence length (0: not even one sequence). */
export function maxMicroBatchSize(input: EstimateInput, limit = 65536): number {
  const fits = fitter(input)
  return largestFitting(1, limit, (b) => fits({ ...input.training, microBatchSize: b }, input.hardware))
}

/** The longest sequence that fits at the requested micro-batch (0: not even one token). */
export function maxSequenceLength(input: EstimateInput, limit = 1 << 21): number {
  const fits = fitter(input)
  return largestFitting(1, limit, (s) => fits({ ...input.training, sequenceLength: s }, input.hardware))
}

/**
 * The fewest GPUs of the requested type that fit, with the requested sharding (or zero3 when the
 * request does not shard, since replicas never need less memory per GPU). null: none up to `limit`.
 */
export function minGpuCount(input: EstimateInput, limit = 4096): { count: number; sharding: HardwareSpec['sharding'] } | null {
  const fits = fitter(input)
  const sharding = input.hardware.sharding === 'none' || input.hardware.sharding === 'ddp' ? 'zero3' : input.hardware.sharding
  const at = (count: number) => fits(input.training, { ...input.hardware, count, sharding: count === 1 ? input.hardware.sharding : sharding })
  if (at(1)) return { count: 1, sharding: input.hardware.sharding }
  // Memory per GPU falls with the count from 2 GPUs on (the first step adds NCCL buffers).
  const tooFew = largestFitting(2, limit, (n) => !at(n))
  const count = tooFew + 1
  return count <= limit ? { count, sharding } : null
}
