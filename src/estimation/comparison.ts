// Full fine-tuning, layer freezing, LoRA and QLoRA side by side for one model on one hardware
// setup: memory, trainable share, speed, cost, forgetting risk and expected quality.

import { fittingConfigurations, type AdvisorGpu } from './advisor.ts'
import { costReport, estimateCost } from './cost.ts'
import { estimateCore } from './estimate.ts'
import { forgettingRisk, specForMethod, type RiskLevel } from './forgetting.ts'
import { ALL_LINEAR_TARGETS } from './methods.ts'
import { expectedQuality, type QualityRange } from './quality.ts'
import type {
  EstimateInput, ForgettingSpec, FreezeStrategy, HardwareSpec, LoraTarget, MethodSpec, MethodType, ModelSpec, PricingSpec, TrainingSpec,
} from './types.ts'

export interface ComparisonInput {
  model: ModelSpec
  training: TrainingSpec
  hardware: HardwareSpec
  pricing?: PricingSpec
  /** Its learningRate is the full fine-tuning LR; adapters are assessed at the same multiple of theirs. */
  forgetting?: ForgettingSpec
  /** LoRA and QLoRA adapter (default r = 16 on all linear layers, the §2.6 recommendation). */
  lora?: { rank?: number; targetModules?: LoraTarget[] }
  /** Layer freezing (default the "conservative" strategy: the upper half trains). */
  freeze?: { strategy?: FreezeStrategy; trainableLayers?: number }
  qlora?: { quantization?: 'nf4' | 'int8'; doubleQuantization?: boolean }
}

export interface ComparisonRow {
  method: MethodType
  label: string
  parameters: { total: number; trainable: number; trainableShare: number }
  memory: { perGpuBytes: number; lowBytes: number; highBytes: number; capacityBytes: number; fits: boolean }
  speed: { tokensPerSecond: number; stepSeconds: number; trainingHours: number | null; gpuHours: number | null }
  costUsd: number | null
  forgetting: { risk: number; level: RiskLevel }
  quality: QualityRange
  warnings: string[]
}

export interface ComparisonResult {
  rows: ComparisonRow[]
  /** Method with the least memory, the fastest, the cheapest and the lowest risk among those that fit. */
  best: { memory: MethodType | null; speed: MethodType | null; cost: MethodType | null; risk: MethodType | null; quality: MethodType | null }
}

/**
 * Without datasetTokens the quality and forgetting models still need an exposure; this is one
 * epoch of MetaMathQA (≈ 103M tokens), the near-domain reference of the forgetting fit (§1.6).
 */
const REFERENCE_TOKENS = 103e6

export function compareMethods(input: ComparisonInput): ComparisonResult {
  const rank = input.lora?.rank ?? 16
  const targets = input.lora?.targetModules ?? [...ALL_LINEAR_TARGETS]
  const base: Omit<MethodSpec, 'type'> = { rank, alpha: 2 * rank, targetModules: targets, quantization: 'nf4', doubleQuantization: true }
  const freeze: MethodSpec = { ...base, type: 'freeze' }
  if (input.freeze?.trainableLayers !== undefined) freeze.trainableLayers = input.freeze.trainableLayers
  else freeze.strategy = input.freeze?.strategy ?? 'conservative'
  const methods: [MethodSpec, string][] = [
    [{ ...base, type: 'full' }, 'full fine-tuning'],
    [freeze, freeze.strategy ? `freeze (${freeze.strategy})` : `freeze (top ${freeze.trainableLayers} layers)`],
    [{ ...base, type: 'lora' }, `LoRA r=${rank} on ${targets.join(',')}`],
    [{ ...base, type: 'qlora', quantization: input.qlora?.quantization ?? 'nf4', doubleQuantization: input.qlora?.doubleQuantization ?? true },
      `QLoRA ${input.qlora?.quantization ?? 'nf4'} r=${rank}`],
  ]
  const t = input.training
  const tokens = t.datasetTokens !== undefined ? t.datasetTokens * t.epochs : REFERENCE_TOKENS
  const rows = methods.map(([method, label]): ComparisonRow => {
    const e: EstimateInput = { model: input.model, method, training: input.training, hardware: input.hardware, ...(input.pricing ? { pricing: input.pricing } : {}) }
    const r = estimateCore(e)
    const p = r.parameters
    const adapter = method.type === 'lora' || method.type === 'qlora'
    const spec = specForMethod(method.type, input.forgetting)
    const f = forgettingRisk({ method: method.type, trainableShare: p.trainableShare, trainingTokens: tokens, ...(spec ? { spec } : {}) })
    const q = expectedQuality({
      method: method.type, trainableParams: p.trainable, totalParams: p.total, trainingTokens: tokens,
      ...(adapter ? { rank, targetModules: targets } : {}),
    })
    return {
      method: method.type,
      label,
      parameters: { total: p.total, trainable: p.trainable, trainableShare: p.trainableShare },
      memory: { perGpuBytes: r.memory.perGpu.totalBytes, lowBytes: r.memory.band.lowBytes, highBytes: r.memory.band.highBytes, capacityBytes: r.memory.gpuCapacityBytes, fits: r.memory.fits },
      speed: { tokensPerSecond: r.speed.tokensPerSecond, stepSeconds: r.speed.stepSeconds, trainingHours: r.speed.trainingHours, gpuHours: r.speed.gpuHours },
      costUsd: estimateCost(e, r.speed.gpuHours).totalUsd,
      forgetting: { risk: f.risk, level: f.level },
      quality: q.shareOfFullFineTuning,
      warnings: r.warnings.map((w) => w.code),
    }
  })
  const fitting = rows.filter((r) => r.memory.fits)
  const argBest = (key: (r: ComparisonRow) => number | null, higher = false): MethodType | null => {
    let best: ComparisonRow | null = null
    for (const r of fitting) {
      const v = key(r)
      if (v === null) continue
      const b = best ? key(best) : null
      if (b === null || (higher ? v > b : v < b)) best = r
    }
    return best?.method ?? null
  }
  return {
    rows,
    best: {
      memory: argBest((r) => r.memory.perGpuBytes),
      speed: argBest((r) => r.speed.tokensPerSecond, true),
      cost: argBest((r) => r.costUsd),
      risk: argBest((r) => r.forgetting.risk),
      quality: argBest((r) => r.quality.expected, true),
    },
  }
}

export interface CostTableInput {
  /** Models with their names (the row labels). */
  models: ModelSpec[]
  gpu: AdvisorGpu
  /** Price columns, e.g. a neocloud and a hyperscaler on-demand price for the same GPU. */
  prices: { label: string; usdPerGpuHour: number }[]
  datasetTokens: number
  epochs: number
  sequenceLength: number
  /** LoRA rank (default 32) on all linear layers. */
  loraRank?: number
  /** Layer-freezing strategy (default "aggressive": the top quarter of the layers trains). */
  freezeStrategy?: FreezeStrategy
  engineeringHours?: number
}

export interface CostTableRow {
  model: string
  method: string
  gpus: number
  sharding: string
  microBatchSize: number
  gradientCheckpointing: boolean
  trainingHours: number
  gpuHours: number
  /** Compute cost at each price column, in the order given. */
  computeUsd: number[]
  /** Storage (one checkpoint per epoch for a month) and transfer (one artefact out), at any price. */
  storageUsd: number
  transferUsd: number
  /** All parts at the first price column. */
  totalUsd: number
  computeShare: number
}

/**
 * A "real-world cost comparison" table from first principles: for each model × (full, layer
 * freezing, LoRA) the configuration with the fewest GPU-hours that fits the GPU (any count up
 * to gpu.maxCount), priced at each column; rows where nothing fits are left out.
 */
export function costComparisonTable(input: CostTableInput): CostTableRow[] {
  const rank = input.loraRank ?? 32
  const strategy = input.freezeStrategy ?? 'aggressive'
  const base: Omit<MethodSpec, 'type'> = { rank, alpha: 2 * rank, targetModules: [...ALL_LINEAR_TARGETS], quantization: 'nf4', doubleQuantization: true }
  const methods: [MethodSpec, string][] = [
    [{ ...base, type: 'full' }, 'full fine-tuning'],
    [{ ...base, type: 'freeze', strategy }, `layer freezing (${strategy})`],
    [{ ...base, type: 'lora' }, `LoRA r=${rank}`],
  ]
  const training = { sequenceLength: input.sequenceLength, datasetTokens: input.datasetTokens, epochs: input.epochs }
  const rows: CostTableRow[] = []
  for (const model of input.models) {
    for (const [method, label] of methods) {
      const configs = fittingConfigurations(model, method, input.gpu, training)
      if (configs.length === 0) continue
      const best = configs.reduce((a, b) => ((b.result.speed.gpuHours ?? Infinity) < (a.result.speed.gpuHours ?? Infinity) ? b : a))
      const gpuHours = best.result.speed.gpuHours ?? 0
      const p = best.result.parameters
      const report = costReport({
        method: method.type, totalParams: p.total, trainableParams: p.trainable, gpuHours, epochs: input.epochs,
        usdPerGpuHour: input.prices[0]?.usdPerGpuHour ?? 0,
        ...(input.engineeringHours !== undefined ? { engineeringHours: input.engineeringHours } : {}),
      })
      rows.push({
        model: model.name ?? 'model',
        method: label,
        gpus: best.input.hardware.count,
        sharding: best.input.hardware.sharding,
        microBatchSize: best.input.training.microBatchSize,
        gradientCheckpointing: best.input.training.gradientCheckpointing,
        trainingHours: best.result.speed.trainingHours ?? 0,
        gpuHours,
        computeUsd: input.prices.map((x) => gpuHours * x.usdPerGpuHour),
        storageUsd: report.breakdown.storageUsd,
        transferUsd: report.breakdown.transferUsd,
        totalUsd: report.breakdown.totalUsd,
        computeShare: report.breakdown.shares.compute,
      })
    }
  }
  return rows
}
