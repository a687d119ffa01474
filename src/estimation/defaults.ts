// The documented defaults of shared/design/estimate-contract.md, applied once so that the rest of
// the engine can rely on complete specs; where the request names its stack, the profile's defaults
// (src/estimation/stacks.ts) replace the contract's. Catalog ids must already be resolved into specs.
// Every field filled in is listed, with where its value comes from, in `input.defaults`.

import { trainingDefaults } from './stacks.ts'
import type {
  AssumedDefault, EstimateInput, GpuSpec, HardwareSpec, MethodSpec, ModelSpec, PricingSpec, TrainingSpec,
} from './types.ts'

/** A request whose model and GPU are resolved specs but whose optional fields may be missing. */
export interface EstimateDraft {
  model: ModelSpec
  method: Pick<MethodSpec, 'type'> & Partial<MethodSpec>
  training: Pick<TrainingSpec, 'microBatchSize' | 'sequenceLength'> & Partial<TrainingSpec>
  hardware: { gpu: GpuSpec } & Partial<Omit<HardwareSpec, 'gpu'>>
  pricing?: PricingSpec
}

export const DEFAULT_RANK = 16
export const DEFAULT_TARGETS = ['q_proj', 'v_proj'] as const

const CONTRACT = 'contract default (docs/estimate-contract.md)'

export function applyDefaults(d: EstimateDraft): EstimateInput {
  const defaults: AssumedDefault[] = []
  /** The given value, or the default (recorded with its source). */
  function pick<T>(field: string, given: T | undefined, fallback: T, source = CONTRACT): T {
    if (given !== undefined) return given
    defaults.push({ field, value: fallback, source })
    return fallback
  }
  const m = d.method
  const adapters = m.type === 'lora' || m.type === 'qlora'
  const rank = adapters ? pick('method.rank', m.rank, DEFAULT_RANK) : m.rank ?? DEFAULT_RANK
  const method: MethodSpec = {
    type: m.type,
    rank,
    alpha: adapters ? pick('method.alpha', m.alpha, 2 * rank) : m.alpha ?? 2 * rank,
    targetModules: adapters ? pick('method.targetModules', m.targetModules, [...DEFAULT_TARGETS]) : m.targetModules ?? [...DEFAULT_TARGETS],
    quantization: m.type === 'qlora' ? pick('method.quantization', m.quantization, 'nf4') : m.quantization ?? 'nf4',
    doubleQuantization: m.type === 'qlora' ? pick('method.doubleQuantization', m.doubleQuantization, true) : m.doubleQuantization ?? true,
  }
  if (m.trainableLayers !== undefined) method.trainableLayers = m.trainableLayers
  if (m.strategy !== undefined) method.strategy = m.strategy
  if (m.layerRanks !== undefined) method.layerRanks = m.layerRanks
  if (m.dropout !== undefined) method.dropout = m.dropout
  if (m.nonQuantizedDtype !== undefined) method.nonQuantizedDtype = m.nonQuantizedDtype
  const h = d.hardware
  const hardware: HardwareSpec = {
    gpu: h.gpu,
    count: pick('hardware.count', h.count, 1),
    sharding: pick('hardware.sharding', h.sharding, 'none'),
    offload: pick('hardware.offload', h.offload, 'none'),
  }
  if (h.gpusPerNode !== undefined) hardware.gpusPerNode = h.gpusPerNode
  if (h.networkGBps !== undefined) hardware.networkGBps = h.networkGBps
  const t = d.training
  const stack = trainingDefaults(t.framework, hardware)
  const training: TrainingSpec = {
    microBatchSize: t.microBatchSize,
    sequenceLength: t.sequenceLength,
    gradientAccumulationSteps: pick('training.gradientAccumulationSteps', t.gradientAccumulationSteps, 1),
    precision: pick('training.precision', t.precision, stack.precision.value, stack.precision.source),
    optimizer: pick('training.optimizer', t.optimizer, stack.optimizer.value, stack.optimizer.source),
    gradientCheckpointing: pick('training.gradientCheckpointing', t.gradientCheckpointing, stack.gradientCheckpointing.value, stack.gradientCheckpointing.source),
    attention: pick('training.attention', t.attention, stack.attention.value, stack.attention.source),
    epochs: pick('training.epochs', t.epochs, 1),
  }
  if (t.datasetTokens !== undefined) training.datasetTokens = t.datasetTokens
  if (t.loss !== undefined) training.loss = t.loss
  if (t.activationOffload !== undefined) training.activationOffload = t.activationOffload
  if (t.compile !== undefined) training.compile = t.compile
  if (t.framework !== undefined) training.framework = t.framework
  if (t.weightsDtype !== undefined) training.weightsDtype = t.weightsDtype
  if (t.sequenceLengths !== undefined) training.sequenceLengths = t.sequenceLengths
  if (t.expandableSegments !== undefined) training.expandableSegments = t.expandableSegments
  const input: EstimateInput = { model: d.model, method, training, hardware, defaults }
  if (d.pricing !== undefined) input.pricing = d.pricing
  return input
}
