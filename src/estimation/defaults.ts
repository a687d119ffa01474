// The documented defaults of shared/design/estimate-contract.md, applied once so that the rest of
// the engine can rely on complete specs. Catalog ids must already be resolved into specs.

import type {
  EstimateInput, GpuSpec, HardwareSpec, MethodSpec, ModelSpec, PricingSpec, TrainingSpec,
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

export function applyDefaults(d: EstimateDraft): EstimateInput {
  const m = d.method
  const rank = m.rank ?? DEFAULT_RANK
  const method: MethodSpec = {
    type: m.type,
    rank,
    alpha: m.alpha ?? 2 * rank,
    targetModules: m.targetModules ?? [...DEFAULT_TARGETS],
    quantization: m.quantization ?? 'nf4',
    doubleQuantization: m.doubleQuantization ?? true,
  }
  if (m.trainableLayers !== undefined) method.trainableLayers = m.trainableLayers
  if (m.strategy !== undefined) method.strategy = m.strategy
  if (m.layerRanks !== undefined) method.layerRanks = m.layerRanks
  const t = d.training
  const training: TrainingSpec = {
    microBatchSize: t.microBatchSize,
    sequenceLength: t.sequenceLength,
    gradientAccumulationSteps: t.gradientAccumulationSteps ?? 1,
    precision: t.precision ?? 'bf16-mixed',
    optimizer: t.optimizer ?? 'adamw',
    gradientCheckpointing: t.gradientCheckpointing ?? false,
    attention: t.attention ?? 'flash',
    epochs: t.epochs ?? 1,
  }
  if (t.datasetTokens !== undefined) training.datasetTokens = t.datasetTokens
  if (t.loss !== undefined) training.loss = t.loss
  if (t.activationOffload !== undefined) training.activationOffload = t.activationOffload
  if (t.compile !== undefined) training.compile = t.compile
  const h = d.hardware
  const hardware: HardwareSpec = {
    gpu: h.gpu,
    count: h.count ?? 1,
    sharding: h.sharding ?? 'none',
    offload: h.offload ?? 'none',
  }
  if (h.gpusPerNode !== undefined) hardware.gpusPerNode = h.gpusPerNode
  if (h.networkGBps !== undefined) hardware.networkGBps = h.networkGBps
  const input: EstimateInput = { model: d.model, method, training, hardware }
  if (d.pricing !== undefined) input.pricing = d.pricing
  return input
}
