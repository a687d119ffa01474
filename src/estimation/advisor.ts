// From goals to ranked training options: search methods × ranks × targets × GPUs × counts ×
// sharding × checkpointing × micro-batch × price offers, keep what fits the hardware, the budget,
// the deadline and the quality floor, return the Pareto frontier over (cost, hours, quality,
// risk) ranked for the goal, with reasons, trade-offs and the decision matrix behind the ranking.
//
// Pruning, so a full search stays well under 100 ms:
// - quality and forgetting depend on the method only: computed once per method variant;
// - per (variant, GPU, count) the memory search stops at the first fitting sharding /
//   checkpointing at micro-batch 1, then doubles the micro-batch only while it still fits;
// - DDP replicates everything, so its per-GPU memory is the same for every count ≥ 2: the fitting
//   (checkpointing, micro-batch) found at 2 GPUs is reused for 4, 8, …;
// - a price only multiplies GPU-hours, so offers never trigger another estimate, and per
//   configuration only its cheapest offer can be on the frontier.

import { describeArchitecture, type Architecture } from './architecture.ts'
import { checkpointBytes, rankOffers, type PriceOffer, type PricingModel } from './cost.ts'
import { estimateCore, type CoreResult as Core } from './estimate.ts'
import { forgettingRisk, specForMethod, type RiskLevel } from './forgetting.ts'
import { ALL_LINEAR_TARGETS, planMethod } from './methods.ts'
import { expectedQuality, type QualityRange } from './quality.ts'
import type {
  Attention, EstimateInput, ForgettingSpec, FreezeStrategy, GpuSpec, LoraTarget, MethodSpec, MethodType,
  ModelSpec, Optimizer, Precision, Sharding,
} from './types.ts'

export type Goal = 'prototype' | 'production' | 'multi-task'

export interface AdvisorGpu {
  /** Matches PriceOffer.gpuId. */
  id: string
  spec: GpuSpec
  /** Most GPUs of this type the team can use at once (default 8, one node). */
  maxCount?: number
  /** Set for GPUs the team owns: the internal price per GPU-hour charged (0 = sunk cost). */
  ownedUsdPerGpuHour?: number
}

export interface AdvisorInput {
  model: ModelSpec
  goal: Goal
  training: {
    sequenceLength: number
    datasetTokens: number
    epochs?: number
    precision?: Precision
    optimizer?: Optimizer
    attention?: Attention
    /** Tokens per optimizer step; sets gradient accumulation. */
    globalBatchTokens?: number
  }
  gpus: AdvisorGpu[]
  offers?: PriceOffer[]
  budgetUsd?: number
  deadlineHours?: number
  /** Least acceptable expected share of full fine-tuning's gain, in [0, 1]. */
  qualityFloor?: number
  /** Highest acceptable forgetting risk, in [0, 1]. */
  maxRisk?: number
  /** Tasks to train (one job each); multiplies cost and artefact storage. Default 1. */
  tasks?: number
  /** Its learningRate is the full fine-tuning LR; adapters are assessed at the same multiple of theirs. */
  forgetting?: ForgettingSpec
  /** Narrow the search space. */
  space?: { methods?: MethodType[]; ranks?: number[]; maxMicroBatch?: number; pricingModels?: PricingModel[] }
  /** Override the goal's criterion weights. */
  weights?: Partial<CriterionWeights>
  /** Ranked options returned (default 10). */
  limit?: number
}

export interface CriterionWeights {
  cost: number
  hours: number
  quality: number
  risk: number
}

export interface AdvisorOption {
  id: string
  method: MethodType
  rank: number | null
  targetModules: LoraTarget[] | null
  freezeStrategy: FreezeStrategy | null
  gpuId: string
  gpuName: string
  gpuCount: number
  sharding: Sharding
  microBatchSize: number
  gradientAccumulationSteps: number
  gradientCheckpointing: boolean
  provider: string
  region: string | null
  pricingModel: PricingModel | 'owned'
  usdPerGpuHour: number
  /** Wall-clock hours of one task's training. */
  trainingHours: number
  gpuHours: number
  /** Compute cost of all tasks. */
  costUsd: number
  costPerTaskUsd: number
  quality: QualityRange
  risk: number
  riskLevel: RiskLevel
  memoryPerGpuBytes: number
  gpuCapacityBytes: number
  /** Bytes to store one trained artefact per task (full copy or adapter). */
  artefactBytesTotal: number
  score: number
  reasons: string[]
  tradeOffs: string[]
}

export interface DecisionRow {
  optionId: string
  values: { costUsd: number; hours: number; quality: number; risk: number }
  /** Each criterion scaled to [0, 1], 1 = best among the frontier (log scale for cost and hours). */
  normalized: CriterionWeights
  score: number
}

export interface AdvisorResult {
  recommended: AdvisorOption | null
  options: AdvisorOption[]
  /** Every non-dominated feasible option (cost ↓, hours ↓, quality ↑, risk ↓). */
  pareto: AdvisorOption[]
  decisionMatrix: { criteria: (keyof CriterionWeights)[]; weights: CriterionWeights; rows: DecisionRow[] }
  searched: { methodVariants: number; configurations: number; estimates: number; fitting: number; priced: number; feasible: number }
  rejected: { noFit: number; noPrice: number; overBudget: number; overDeadline: number; belowQuality: number; tooRisky: number }
  notes: string[]
}

/**
 * The goal's priorities; a policy, not a measurement (override with `weights`). Prototype: cheap
 * and quick. Production: quality and low forgetting first. Multi-task: cost counts N times and
 * forgetting matters because every task shares the base's general abilities.
 */
export const GOAL_WEIGHTS: Record<Goal, CriterionWeights> = {
  prototype: { cost: 0.45, hours: 0.35, quality: 0.1, risk: 0.1 },
  production: { cost: 0.2, hours: 0.1, quality: 0.45, risk: 0.25 },
  'multi-task': { cost: 0.35, hours: 0.15, quality: 0.25, risk: 0.25 },
}

/** Ranks 8–128: the measured range (16–256) around the r = 16–64 sweet spot (§2.6), capped where the fit stops. */
const DEFAULT_RANKS = [8, 16, 32, 64, 128]
/** Named strategies the engine knows (methods.ts). */
const FREEZE_STRATEGIES: FreezeStrategy[] = ['conservative', 'aggressive']
const QV_TARGETS: LoraTarget[] = ['q_proj', 'v_proj']
const DEFAULT_MAX_COUNT = 8
const DEFAULT_MAX_MICRO_BATCH = 16
/** Biderman et al. 2024 math IFT: global batch 768 sequences × 1024 tokens (§1.1 hyper-parameters). */
const DEFAULT_GLOBAL_BATCH_TOKENS = 768 * 1024

interface Variant {
  method: MethodSpec
  quality: QualityRange
  risk: number
  riskLevel: RiskLevel
  artefactBytes: number
}

interface Fitted {
  variant: Variant
  gpu: AdvisorGpu
  input: EstimateInput
  result: Core
}

export function advise(input: AdvisorInput): AdvisorResult {
  const weights = { ...GOAL_WEIGHTS[input.goal], ...input.weights }
  const tasks = Math.max(1, Math.floor(input.tasks ?? 1))
  const tokens = input.training.datasetTokens * (input.training.epochs ?? 1)
  const counters = { estimates: 0, configurations: 0 }
  const rejected = { noFit: 0, noPrice: 0, overBudget: 0, overDeadline: 0, belowQuality: 0, tooRisky: 0 }
  const notes: string[] = []
  const run = (e: EstimateInput) => {
    counters.estimates++
    return estimateCore(e)
  }

  const arch = describeArchitecture(input.model)
  const variants = methodVariants(input).map((method) => describeVariant(input, method, tokens, arch))
  const fitted: Fitted[] = []
  for (const variant of variants) {
    if (input.qualityFloor !== undefined && variant.quality.expected < input.qualityFloor) { rejected.belowQuality++; continue }
    if (input.maxRisk !== undefined && variant.risk > input.maxRisk) { rejected.tooRisky++; continue }
    for (const gpu of input.gpus) {
      const found = searchGpu(input, variant.method, gpu, run, counters)
      if (found.length === 0) rejected.noFit++
      fitted.push(...found.map((f) => ({ ...f, variant, gpu })))
    }
  }

  const all: AdvisorOption[] = []
  let priced = 0
  for (const f of fitted) {
    const offer = cheapestOffer(input, f.gpu, f.result.speed.gpuHours ?? 0)
    if (!offer) { rejected.noPrice++; continue }
    priced++
    const o = toOption(f, offer, tasks)
    if (input.budgetUsd !== undefined && o.costUsd > input.budgetUsd) { rejected.overBudget++; continue }
    if (input.deadlineHours !== undefined && o.trainingHours * tasks > input.deadlineHours) { rejected.overDeadline++; continue }
    all.push(o)
  }
  const gpusWithoutPrice = input.gpus.filter((g) => g.ownedUsdPerGpuHour === undefined && !(input.offers ?? []).some((o) => o.gpuId === g.id))
  if (gpusWithoutPrice.length > 0) notes.push(`no price offer for ${gpusWithoutPrice.map((g) => g.id).join(', ')}: not owned and not in the offers, so not priced`)
  if (input.deadlineHours !== undefined && tasks > 1) notes.push(`deadline checked against ${tasks} tasks trained one after another on the chosen GPUs`)

  const pareto = paretoFrontier(all)
  const rows = decisionRows(pareto, weights)
  const byId = new Map(rows.map((r) => [r.optionId, r]))
  for (const o of pareto) o.score = byId.get(o.id)!.score
  pareto.sort((a, b) => b.score - a.score || a.costUsd - b.costUsd || a.id.localeCompare(b.id))
  explain(pareto, input.goal, tasks)
  const limit = input.limit ?? 10
  const options = pareto.slice(0, limit)
  return {
    recommended: options[0] ?? null,
    options,
    pareto,
    decisionMatrix: { criteria: ['cost', 'hours', 'quality', 'risk'], weights, rows: options.map((o) => byId.get(o.id)!) },
    searched: { methodVariants: variants.length, configurations: counters.configurations, estimates: counters.estimates, fitting: fitted.length, priced, feasible: all.length },
    rejected,
    notes,
  }
}

function methodVariants(input: AdvisorInput): MethodSpec[] {
  const methods = input.space?.methods ?? ['full', 'freeze', 'lora', 'qlora']
  const ranks = input.space?.ranks ?? DEFAULT_RANKS
  const base = { rank: 16, alpha: 32, targetModules: QV_TARGETS, quantization: 'nf4' as const, doubleQuantization: true }
  const out: MethodSpec[] = []
  for (const type of methods) {
    if (type === 'full') out.push({ ...base, type })
    if (type === 'freeze') for (const strategy of FREEZE_STRATEGIES) out.push({ ...base, type, strategy })
    if (type === 'lora' || type === 'qlora') {
      for (const rank of ranks) {
        for (const targets of [QV_TARGETS, [...ALL_LINEAR_TARGETS]]) out.push({ ...base, type, rank, alpha: 2 * rank, targetModules: targets })
      }
    }
  }
  return out
}

function baseInput(input: AdvisorInput, method: MethodSpec, gpu: GpuSpec): EstimateInput {
  const t = input.training
  return {
    model: input.model,
    method,
    training: {
      microBatchSize: 1, sequenceLength: t.sequenceLength, gradientAccumulationSteps: 1,
      precision: t.precision ?? 'bf16-mixed', optimizer: t.optimizer ?? 'adamw', gradientCheckpointing: false,
      attention: t.attention ?? 'flash', datasetTokens: t.datasetTokens, epochs: t.epochs ?? 1,
    },
    hardware: { gpu, count: 1, sharding: 'none', offload: 'none' },
  }
}

function describeVariant(input: AdvisorInput, method: MethodSpec, tokens: number, arch: Architecture): Variant {
  // Parameter counts depend on the method only (the same sum estimateCore reports as trainable).
  const plan = planMethod(arch, method)
  const p = { total: arch.total, trainable: plan.trainableBase + plan.adapterParams }
  const adapter = method.type === 'lora' || method.type === 'qlora'
  const quality = expectedQuality({
    method: method.type, trainableParams: p.trainable, totalParams: p.total, trainingTokens: tokens,
    ...(adapter ? { rank: method.rank, targetModules: method.targetModules } : {}),
  }).shareOfFullFineTuning
  const spec = specForMethod(method.type, input.forgetting)
  const f = forgettingRisk({ method: method.type, trainableShare: p.trainable / p.total, trainingTokens: tokens, ...(spec ? { spec } : {}) })
  return { method, quality, risk: f.risk, riskLevel: f.level, artefactBytes: checkpointBytes(method.type, p.total, p.trainable) }
}

function withHardware(e: EstimateInput, count: number, sharding: Sharding, checkpointing: boolean, micro: number, batchTokens: number): EstimateInput {
  const ga = Math.max(1, Math.round(batchTokens / (micro * e.training.sequenceLength * count)))
  return {
    ...e,
    training: { ...e.training, microBatchSize: micro, gradientCheckpointing: checkpointing, gradientAccumulationSteps: ga },
    hardware: { ...e.hardware, count, sharding },
  }
}

/** Counts 1, 2, 4, … up to the GPU's limit. */
function counts(limit: number): number[] {
  const max = Math.max(1, Math.floor(limit))
  const out: number[] = []
  for (let c = 1; c <= max; c *= 2) out.push(c)
  if (out[out.length - 1] !== max) out.push(max)
  return out
}

export interface FittedConfiguration {
  input: EstimateInput
  result: Core
}

/**
 * For each GPU count (1, 2, 4, … up to maxCount) the fastest configuration of `method` that fits:
 * the first fitting sharding and checkpointing at micro-batch 1, then the largest micro-batch that
 * still fits. Counts where nothing fits are left out.
 */
export function fittingConfigurations(
  model: ModelSpec, method: MethodSpec, gpu: AdvisorGpu, training: AdvisorInput['training'], maxMicroBatch?: number,
): FittedConfiguration[] {
  const input: AdvisorInput = { model, goal: 'prototype', training, gpus: [gpu], ...(maxMicroBatch ? { space: { maxMicroBatch } } : {}) }
  return searchGpu(input, method, gpu, estimateCore, { configurations: 0 })
}

function searchGpu(input: AdvisorInput, method: MethodSpec, gpu: AdvisorGpu, run: (e: EstimateInput) => Core, counters: { configurations: number }): FittedConfiguration[] {
  const base = baseInput(input, method, gpu.spec)
  const batchTokens = input.training.globalBatchTokens ?? DEFAULT_GLOBAL_BATCH_TOKENS
  const maxMicro = input.space?.maxMicroBatch ?? DEFAULT_MAX_MICRO_BATCH
  const out: FittedConfiguration[] = []
  // DDP memory per GPU is the same for any count ≥ 2: remember what fitted.
  let ddpFit: { checkpointing: boolean; micro: number } | null | undefined
  for (const count of counts(gpu.maxCount ?? DEFAULT_MAX_COUNT)) {
    counters.configurations++
    const shardings: Sharding[] = count === 1 ? ['none'] : ['ddp', 'zero2', 'zero3']
    let best: FittedConfiguration | null = null
    for (const sharding of shardings) {
      if (sharding === 'ddp' && ddpFit === null) continue
      let fit = sharding === 'ddp' ? ddpFit : undefined
      if (fit === undefined) {
        fit = null
        for (const checkpointing of [false, true]) {
          if (run(withHardware(base, count, sharding, checkpointing, 1, batchTokens)).memory.fits) { fit = { checkpointing, micro: 1 }; break }
        }
        if (fit) {
          // Memory grows with the micro-batch: double while even the high end of the memory band
          // fits, so a larger micro-batch never trades speed for a run on the edge of OOM.
          while (fit.micro * 2 <= maxMicro && fitsSafely(run(withHardware(base, count, sharding, fit.checkpointing, fit.micro * 2, batchTokens)))) fit.micro *= 2
        }
        if (sharding === 'ddp') ddpFit = fit
      }
      if (!fit) continue
      const e = withHardware(base, count, sharding, fit.checkpointing, fit.micro, batchTokens)
      const result = run(e)
      if (!best || (result.speed.tokensPerSecond > best.result.speed.tokensPerSecond)) best = { input: e, result }
      // The first sharding that fits is the least communication; a later one only helps if it lets
      // the micro-batch grow or drops checkpointing, which the comparison above keeps.
      if (fit.micro >= maxMicro && !fit.checkpointing) break
    }
    if (best) out.push(best)
  }
  return out
}

function fitsSafely(r: Core): boolean {
  return r.memory.band.highBytes <= r.memory.gpuCapacityBytes
}

interface ChosenOffer {
  provider: string
  region: string | null
  pricingModel: PricingModel | 'owned'
  usdPerGpuHour: number
}

/**
 * Production runs default to capacity that is not pre-empted mid-run; prototypes and multi-task
 * sweeps may use spot. A request's `space.pricingModels` overrides this.
 */
const GOAL_PRICING: Record<Goal, PricingModel[] | undefined> = {
  prototype: undefined,
  production: ['on-demand', 'reserved'],
  'multi-task': undefined,
}

function cheapestOffer(input: AdvisorInput, gpu: AdvisorGpu, gpuHours: number): ChosenOffer | null {
  const allowed = input.space?.pricingModels ?? GOAL_PRICING[input.goal]
  const rented = rankOffers(gpuHours, gpu.id, input.offers ?? []).find((o) => !allowed || allowed.includes(o.pricingModel))
  const owned = gpu.ownedUsdPerGpuHour
  if (owned !== undefined && (!rented || owned <= rented.usdPerGpuHour)) return { provider: 'owned', region: null, pricingModel: 'owned', usdPerGpuHour: owned }
  return rented ? { provider: rented.provider, region: rented.region, pricingModel: rented.pricingModel, usdPerGpuHour: rented.usdPerGpuHour } : null
}

function toOption(f: Fitted, offer: ChosenOffer, tasks: number): AdvisorOption {
  const m = f.input.method
  const adapter = m.type === 'lora' || m.type === 'qlora'
  const hours = f.result.speed.trainingHours ?? 0
  const gpuHours = f.result.speed.gpuHours ?? 0
  const hw = f.input.hardware
  const t = f.input.training
  const label = [m.type, adapter ? `r${m.rank}-${m.targetModules.length === 2 ? 'qv' : 'all'}` : m.strategy ?? '', f.gpu.id, `x${hw.count}`, hw.sharding, `mb${t.microBatchSize}`, t.gradientCheckpointing ? 'ckpt' : 'nockpt', offer.provider, offer.pricingModel]
  return {
    id: label.filter(Boolean).join(':'),
    method: m.type,
    rank: adapter ? m.rank : null,
    targetModules: adapter ? m.targetModules : null,
    freezeStrategy: m.type === 'freeze' ? m.strategy ?? null : null,
    gpuId: f.gpu.id,
    gpuName: f.gpu.spec.name,
    gpuCount: hw.count,
    sharding: hw.sharding,
    microBatchSize: t.microBatchSize,
    gradientAccumulationSteps: t.gradientAccumulationSteps,
    gradientCheckpointing: t.gradientCheckpointing,
    provider: offer.provider,
    region: offer.region,
    pricingModel: offer.pricingModel,
    usdPerGpuHour: offer.usdPerGpuHour,
    trainingHours: hours,
    gpuHours,
    costUsd: gpuHours * offer.usdPerGpuHour * tasks,
    costPerTaskUsd: gpuHours * offer.usdPerGpuHour,
    quality: f.variant.quality,
    risk: f.variant.risk,
    riskLevel: f.variant.riskLevel,
    memoryPerGpuBytes: f.result.memory.perGpu.totalBytes,
    gpuCapacityBytes: f.result.memory.gpuCapacityBytes,
    artefactBytesTotal: f.variant.artefactBytes * tasks,
    score: 0,
    reasons: [],
    tradeOffs: [],
  }
}

/** a dominates b: no worse on every criterion and better on at least one. */
export function dominates(a: AdvisorOption, b: AdvisorOption): boolean {
  const noWorse = a.costUsd <= b.costUsd && a.trainingHours <= b.trainingHours && a.quality.expected >= b.quality.expected && a.risk <= b.risk
  const better = a.costUsd < b.costUsd || a.trainingHours < b.trainingHours || a.quality.expected > b.quality.expected || a.risk < b.risk
  return noWorse && better
}

/** Sorted by cost, an option can only be dominated by one before it (or by an equal-cost one). */
export function paretoFrontier(options: AdvisorOption[]): AdvisorOption[] {
  const sorted = [...options].sort((a, b) => a.costUsd - b.costUsd || a.trainingHours - b.trainingHours || b.quality.expected - a.quality.expected || a.risk - b.risk)
  const front: AdvisorOption[] = []
  for (const o of sorted) {
    if (front.some((f) => dominates(f, o) || sameOutcome(f, o))) continue
    front.push(o)
  }
  return front
}

function sameOutcome(a: AdvisorOption, b: AdvisorOption): boolean {
  return a.costUsd === b.costUsd && a.trainingHours === b.trainingHours && a.quality.expected === b.quality.expected && a.risk === b.risk
}

function decisionRows(options: AdvisorOption[], w: CriterionWeights): DecisionRow[] {
  const scale = (values: number[], log: boolean, higherIsBetter: boolean) => {
    const v = values.map((x) => (log ? Math.log(Math.max(x, 1e-9)) : x))
    const lo = Math.min(...v)
    const hi = Math.max(...v)
    return v.map((x) => (hi === lo ? 1 : higherIsBetter ? (x - lo) / (hi - lo) : (hi - x) / (hi - lo)))
  }
  const cost = scale(options.map((o) => o.costUsd), true, false)
  const hours = scale(options.map((o) => o.trainingHours), true, false)
  const quality = scale(options.map((o) => o.quality.expected), false, true)
  const risk = scale(options.map((o) => o.risk), false, false)
  const total = w.cost + w.hours + w.quality + w.risk || 1
  return options.map((o, i) => {
    const normalized = { cost: cost[i]!, hours: hours[i]!, quality: quality[i]!, risk: risk[i]! }
    const score = (w.cost * normalized.cost + w.hours * normalized.hours + w.quality * normalized.quality + w.risk * normalized.risk) / total
    return { optionId: o.id, values: { costUsd: o.costUsd, hours: o.trainingHours, quality: o.quality.expected, risk: o.risk }, normalized, score }
  })
}

function explain(ranked: AdvisorOption[], goal: Goal, tasks: number): void {
  const top = ranked[0]
  if (!top) return
  const extreme = (pick: (o: AdvisorOption) => number, best: 'min' | 'max') =>
    ranked.reduce((a, b) => ((best === 'min' ? pick(b) < pick(a) : pick(b) > pick(a)) ? b : a))
  const cheapest = extreme((o) => o.costUsd, 'min')
  const fastest = extreme((o) => o.trainingHours, 'min')
  const bestQuality = extreme((o) => o.quality.expected, 'max')
  const safest = extreme((o) => o.risk, 'min')
  const pct = (x: number) => `${(x * 100).toFixed(0)} %`
  for (const o of ranked) {
    if (o === top) o.reasons.push(`best weighted score for a ${goal} goal`)
    if (o === cheapest) o.reasons.push('cheapest feasible option')
    if (o === fastest) o.reasons.push('fastest feasible option')
    if (o === bestQuality) o.reasons.push('highest expected quality')
    if (o === safest) o.reasons.push('lowest forgetting risk')
    if (o.reasons.length === 0) o.reasons.push('not dominated: no other option is cheaper, faster, better and safer at once')
    if (o !== top) {
      const dCost = o.costUsd - top.costUsd
      const dHours = o.trainingHours - top.trainingHours
      o.tradeOffs.push(`vs recommended: ${dCost >= 0 ? '+' : '−'}$${Math.abs(dCost).toFixed(2)}, ${dHours >= 0 ? '+' : '−'}${Math.abs(dHours).toFixed(2)} h, quality ${pct(o.quality.expected)} vs ${pct(top.quality.expected)}, risk ${o.risk.toFixed(2)} vs ${top.risk.toFixed(2)}`)
    }
    if (o.pricingModel === 'spot') o.tradeOffs.push('spot capacity can be pre-empted: checkpoint often and expect restarts')
    if (o.method === 'qlora') o.tradeOffs.push('QLoRA: least memory, but dequantisation slows each step and 4-bit weights cost ~1 quality point')
    if ((o.method === 'full' || o.method === 'freeze') && tasks > 1) o.tradeOffs.push(`${tasks} tasks mean ${tasks} full model copies to store and serve; adapters share one base`)
    if (o.memoryPerGpuBytes > 0.9 * o.gpuCapacityBytes) o.tradeOffs.push(`uses ${pct(o.memoryPerGpuBytes / o.gpuCapacityBytes)} of GPU memory${o.microBatchSize === 1 ? ' even at micro-batch 1' : ''}: little headroom for longer sequences`)
    if (o.gradientCheckpointing) o.tradeOffs.push('gradient checkpointing needed to fit: one extra forward pass per step')
    if (o.gpuCount > 1 && o.sharding !== 'ddp') o.tradeOffs.push(`${o.sharding} sharding: weights or states split across ${o.gpuCount} GPUs, more communication per step`)
  }
}
