// Multi-phase training strategies: staged LoRA → full, gradual unfreezing (ULMFiT), mixed ranks
// by layer and dynamic rank. Each phase is an EstimateInput variant run through the engine; the
// plan reports peak memory (the largest phase), time and cost (the sum) and the forgetting risk
// of the whole schedule.

import { estimateCost } from './cost.ts'
import { estimateCore } from './estimate.ts'
import { phasedForgetting, type RiskLevel } from './forgetting.ts'
import { ALL_LINEAR_TARGETS } from './methods.ts'
import type { EstimateInput, HardwareSpec, MethodSpec, MethodType, TrainingSpec } from './types.ts'

export interface PlanPhase {
  name: string
  method: MethodSpec
  /** Share of the plan's training tokens (datasetTokens × epochs of the base request) this phase sees. */
  tokenShare: number
  training?: Partial<TrainingSpec>
  hardware?: Partial<HardwareSpec>
}

export interface PlanInput {
  /** The request every phase starts from; it must give datasetTokens. */
  base: EstimateInput
  phases: PlanPhase[]
}

export interface PhaseResult {
  name: string
  method: MethodType
  trainingTokens: number
  trainableShare: number
  peakMemoryBytes: number
  fits: boolean
  trainingHours: number
  gpuHours: number
  costUsd: number | null
}

export interface PlanResult {
  phases: PhaseResult[]
  /** The most any phase needs per GPU. */
  peakMemoryBytes: number
  fits: boolean
  trainingHours: number
  gpuHours: number
  costUsd: number | null
  forgetting: { risk: number; level: RiskLevel; expectedDrop: number }
  warnings: string[]
}

export function runPlan(input: PlanInput): PlanResult {
  const base = input.base
  const total = (base.training.datasetTokens ?? 0) * base.training.epochs
  const warnings: string[] = []
  if (base.training.datasetTokens === undefined) warnings.push('the base request gives no datasetTokens: phases have no duration')
  const shareSum = input.phases.reduce((s, p) => s + p.tokenShare, 0)
  if (Math.abs(shareSum - 1) > 1e-9) warnings.push(`token shares sum to ${shareSum.toFixed(3)}, not 1: the plan trains on ${(shareSum * 100).toFixed(1)} % of the data`)
  const phases = input.phases.map((p): PhaseResult => {
    const tokens = total * p.tokenShare
    const e: EstimateInput = {
      ...base,
      method: p.method,
      training: { ...base.training, ...p.training, datasetTokens: tokens, epochs: 1 },
      hardware: { ...base.hardware, ...p.hardware },
    }
    const r = estimateCore(e)
    if (!r.memory.fits) warnings.push(`phase "${p.name}" does not fit: ${r.warnings.find((w) => w.code === 'DOES_NOT_FIT')?.message ?? ''}`)
    return {
      name: p.name,
      method: p.method.type,
      trainingTokens: tokens,
      trainableShare: r.parameters.trainableShare,
      peakMemoryBytes: r.memory.perGpu.totalBytes,
      fits: r.memory.fits,
      trainingHours: r.speed.trainingHours ?? 0,
      gpuHours: r.speed.gpuHours ?? 0,
      costUsd: estimateCost(e, r.speed.gpuHours).totalUsd,
    }
  })
  const f = phasedForgetting(phases.map((p) => ({ method: p.method, trainableShare: p.trainableShare, trainingTokens: p.trainingTokens })), base.forgetting)
  const costs = phases.map((p) => p.costUsd)
  return {
    phases,
    peakMemoryBytes: Math.max(...phases.map((p) => p.peakMemoryBytes)),
    fits: phases.every((p) => p.fits),
    trainingHours: phases.reduce((s, p) => s + p.trainingHours, 0),
    gpuHours: phases.reduce((s, p) => s + p.gpuHours, 0),
    costUsd: costs.every((c) => c !== null) ? (costs as number[]).reduce((s, c) => s + c, 0) : null,
    forgetting: { risk: f.risk, level: f.level, expectedDrop: f.expectedDrop },
    warnings,
  }
}

const ADAPTER: Omit<MethodSpec, 'type'> = { rank: 16, alpha: 32, targetModules: [...ALL_LINEAR_TARGETS], quantization: 'nf4', doubleQuantization: true }

/** LoRA first (cheap, moves the model towards the task), then full fine-tuning for the rest. */
export function stagedLoraThenFull(base: EstimateInput, opts: { loraShare?: number; rank?: number } = {}): PlanInput {
  const share = opts.loraShare ?? 0.5
  const rank = opts.rank ?? 16
  return {
    base,
    phases: [
      { name: `LoRA r=${rank}`, method: { ...ADAPTER, type: 'lora', rank, alpha: 2 * rank }, tokenShare: share },
      { name: 'full fine-tuning', method: { ...ADAPTER, type: 'full' }, tokenShare: 1 - share },
    ],
  }
}

/**
 * ULMFiT gradual unfreezing (Howard & Ruder 2018): start with the top layer group, unfreeze one
 * more group per stage until every layer trains; equal token shares per stage.
 */
export function gradualUnfreezing(base: EstimateInput, opts: { stages?: number } = {}): PlanInput {
  const layers = base.model.numLayers
  const stages = Math.max(1, Math.min(layers, Math.floor(opts.stages ?? 4)))
  return {
    base,
    phases: Array.from({ length: stages }, (_, i) => {
      const k = Math.ceil((layers * (i + 1)) / stages)
      return { name: `top ${k} of ${layers} layers`, method: { ...ADAPTER, type: 'freeze' as const, trainableLayers: k }, tokenShare: 1 / stages }
    }),
  }
}

/** One LoRA phase with a higher rank on the top layers (task-specific features sit high). */
export function mixedRanks(base: EstimateInput, opts: { lowRank?: number; highRank?: number; topFraction?: number } = {}): PlanInput {
  const layers = base.model.numLayers
  const low = opts.lowRank ?? 8
  const high = opts.highRank ?? 64
  const firstHigh = layers - Math.round(layers * (opts.topFraction ?? 0.25))
  const layerRanks = Array.from({ length: layers }, (_, i) => (i >= firstHigh ? high : low))
  return {
    base,
    phases: [{ name: `LoRA r=${low} below layer ${firstHigh}, r=${high} above`, method: { ...ADAPTER, type: 'lora', rank: low, alpha: 2 * low, layerRanks }, tokenShare: 1 }],
  }
}

/** Rank schedule over training (AdaLoRA-style budget pruning, as discrete phases): default 64 → 32 → 16. */
export function dynamicRank(base: EstimateInput, opts: { ranks?: number[] } = {}): PlanInput {
  const ranks = opts.ranks && opts.ranks.length > 0 ? opts.ranks : [64, 32, 16]
  return {
    base,
    phases: ranks.map((rank) => ({ name: `LoRA r=${rank}`, method: { ...ADAPTER, type: 'lora' as const, rank, alpha: 2 * rank }, tokenShare: 1 / ranks.length })),
  }
}
