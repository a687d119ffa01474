// What a fine-tuning job costs: compute (GPU-hours × the price in effect), checkpoint storage,
// data transfer and engineering time, in money and in shares; and which offer is cheapest.
// Price offers arrive as plain data (the service reads them from the catalog); no I/O here.

import type { EstimateInput, EstimateResult, MethodType } from './types.ts'
import { GIB } from './units.ts'

export type PricingModel = 'on-demand' | 'spot' | 'reserved'

/** One row of the price catalog, already resolved to the price in effect at the time asked. */
export interface PriceOffer {
  provider: string
  region: string
  pricingModel: PricingModel
  usdPerGpuHour: number
  gpuId: string
}

/** Rates for everything that is not GPU time; every field may be overridden by a request. */
export interface CostRates {
  storageUsdPerGbMonth: number
  ingressUsdPerGb: number
  egressUsdPerGb: number
  engineeringUsdPerHour: number
}

/**
 * Defaults. These are public list prices and statistics that are NOT in shared/reference (which
 * holds GPU prices only); they are stated here with their origin so a reader can re-check them.
 * Billing "GB" at AWS is 2^30 bytes (S3 pricing page footnote), so storage and transfer are
 * billed per GiB below.
 */
export const DEFAULT_COST_RATES: CostRates = {
  // AWS S3 Standard, first 50 TB/month, us-east-1: $0.023 per GB-month (aws.amazon.com/s3/pricing).
  storageUsdPerGbMonth: 0.023,
  // Inbound data transfer is free at AWS, GCP and Azure; downloading a base model costs time, not money.
  ingressUsdPerGb: 0,
  // AWS data transfer out to the internet, first 10 TB/month: $0.09 per GB (aws.amazon.com/ec2/pricing/on-demand).
  egressUsdPerGb: 0.09,
  // US BLS Occupational Outlook, software developers, median pay 2023: $63.59/hour; wages are ~70 %
  // of employer compensation cost (BLS ECEC, private industry), so the loaded cost is 63.59 / 0.70 ≈ $90.8.
  engineeringUsdPerHour: 90.8,
}

export interface CostInput {
  /** GPU-hours of the whole job (all GPUs together). */
  gpuHours: number
  usdPerGpuHour: number
  /** Bytes of one stored checkpoint, how many are kept, and for how many months. */
  storage?: { checkpointBytes: number; count: number; retentionMonths: number }
  /** Bytes pulled in (base model, dataset) and bytes sent out (the trained artefacts). */
  transfer?: { ingressBytes: number; egressBytes: number }
  engineeringHours?: number
  rates?: Partial<CostRates>
}

export interface CostShares {
  compute: number
  storage: number
  transfer: number
  engineering: number
}

export interface CostBreakdown {
  computeUsd: number
  storageUsd: number
  transferUsd: number
  engineeringUsd: number
  totalUsd: number
  /** Each part over the total (0 when the total is 0); they sum to 1. */
  shares: CostShares
  rates: CostRates
}

/** Sum the four parts of a job's cost. Monotone in every quantity and every rate. */
export function jobCost(input: CostInput): CostBreakdown {
  const rates = { ...DEFAULT_COST_RATES, ...definedOnly(input.rates ?? {}) }
  const computeUsd = input.gpuHours * input.usdPerGpuHour
  const s = input.storage
  const storageUsd = s ? (s.checkpointBytes / GIB) * s.count * s.retentionMonths * rates.storageUsdPerGbMonth : 0
  const t = input.transfer
  const transferUsd = t ? (t.ingressBytes / GIB) * rates.ingressUsdPerGb + (t.egressBytes / GIB) * rates.egressUsdPerGb : 0
  const engineeringUsd = (input.engineeringHours ?? 0) * rates.engineeringUsdPerHour
  const totalUsd = computeUsd + storageUsd + transferUsd + engineeringUsd
  const share = (x: number) => (totalUsd > 0 ? x / totalUsd : 0)
  return {
    computeUsd, storageUsd, transferUsd, engineeringUsd, totalUsd,
    shares: { compute: share(computeUsd), storage: share(storageUsd), transfer: share(transferUsd), engineering: share(engineeringUsd) },
    rates,
  }
}

/** Bytes per stored value of a 16-bit checkpoint (bf16/fp16 safetensors). */
const CHECKPOINT_BYTES_PER_PARAM = 2
/**
 * fp32 master weights + AdamW first and second moments: 4 + 4 + 4 bytes per trainable parameter
 * (EleutherAI cookbook `opt_multiplier = 12`, shared/reference/estimation-formulas.md §1.1);
 * kept only when a checkpoint must be resumable.
 */
const RESUMABLE_OPTIMIZER_BYTES_PER_PARAM = 12

/**
 * What one saved checkpoint weighs. Full fine-tuning and layer freezing change base weights, so a
 * deployable checkpoint is a whole model copy; LoRA/QLoRA save only the adapter (16-bit).
 */
export function checkpointBytes(method: MethodType, totalParams: number, trainableParams: number, resumable = false): number {
  const weights = method === 'full' || method === 'freeze' ? totalParams : trainableParams
  return weights * CHECKPOINT_BYTES_PER_PARAM + (resumable ? trainableParams * RESUMABLE_OPTIMIZER_BYTES_PER_PARAM : 0)
}

export interface OfferCost extends PriceOffer {
  computeUsd: number
}

/**
 * Price the same job at every offer for its GPU, cheapest first (ties broken by provider, region
 * and pricing model so the order is stable). Spot offers can be pre-empted: the caller should
 * show the pricing model next to the price rather than treat spot as a drop-in.
 */
export function rankOffers(gpuHours: number, gpuId: string, offers: readonly PriceOffer[]): OfferCost[] {
  return offers
    .filter((o) => o.gpuId === gpuId && Number.isFinite(o.usdPerGpuHour) && o.usdPerGpuHour >= 0)
    .map((o) => ({ ...o, computeUsd: gpuHours * o.usdPerGpuHour }))
    .sort((a, b) => a.computeUsd - b.computeUsd
      || a.provider.localeCompare(b.provider) || a.region.localeCompare(b.region) || a.pricingModel.localeCompare(b.pricingModel))
}

/** The offer in effect for a request's pricing preferences: its explicit price wins, else the cheapest match. */
export function pickOffer(
  gpuId: string,
  offers: readonly PriceOffer[],
  prefs: { provider?: string; region?: string; pricingModel?: PricingModel } = {},
): PriceOffer | null {
  const matching = rankOffers(1, gpuId, offers).filter((o) =>
    (!prefs.provider || o.provider === prefs.provider)
    && (!prefs.region || o.region === prefs.region)
    && (!prefs.pricingModel || o.pricingModel === prefs.pricingModel))
  const best = matching[0]
  if (!best) return null
  const { computeUsd: _unused, ...offer } = best
  return offer
}

function definedOnly<T extends object>(o: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

/** The contract's `cost` block: compute only, gpuHours × the request's price (null when either is missing). */
export function estimateCost(input: EstimateInput, gpuHours: number | null): EstimateResult['cost'] {
  const price = input.pricing?.usdPerGpuHour ?? null
  return { totalUsd: price !== null && gpuHours !== null ? gpuHours * price : null, usdPerGpuHour: price }
}

export interface CostReportInput {
  method: MethodType
  totalParams: number
  trainableParams: number
  /** GPU-hours of one run (EstimateResult.speed.gpuHours). */
  gpuHours: number
  /** Catalog id of the GPU, to price it at every offer. */
  gpuId?: string
  offers?: PriceOffer[]
  /** Explicit price; wins over the offers. */
  usdPerGpuHour?: number
  pricing?: { provider?: string; region?: string; pricingModel?: PricingModel }
  /** Checkpoints kept (default: one per epoch, HF Trainer `save_strategy="epoch"`). */
  checkpoints?: { count?: number; retentionMonths?: number; resumable?: boolean }
  epochs?: number
  /** Bytes sent out of the cloud; default one final artefact. */
  egressBytes?: number
  engineeringHours?: number
  rates?: Partial<CostRates>
}

export interface CostReport {
  breakdown: CostBreakdown
  /** The price the breakdown used and where it came from. */
  price: { usdPerGpuHour: number; source: 'request' | 'offer'; offer: PriceOffer | null } | null
  /** The same job at every offer for this GPU, cheapest first. */
  offers: OfferCost[]
  cheapest: OfferCost | null
  checkpointBytes: number
  assumptions: string[]
}

/**
 * The full cost picture of one job, from an estimate's parameters and GPU-hours. Storage keeps
 * one checkpoint per epoch for one month (S3 bills per GB-month) unless told otherwise; the base
 * model is downloaded once (free ingress); one final artefact leaves the cloud; engineering time
 * is counted only when given, because it depends on the team, not on the job.
 */
export function costReport(input: CostReportInput): CostReport {
  const ranked = input.gpuId ? rankOffers(input.gpuHours, input.gpuId, input.offers ?? []) : []
  const offer = input.gpuId ? pickOffer(input.gpuId, input.offers ?? [], input.pricing ?? {}) : null
  const price = input.usdPerGpuHour !== undefined
    ? { usdPerGpuHour: input.usdPerGpuHour, source: 'request' as const, offer: null }
    : offer ? { usdPerGpuHour: offer.usdPerGpuHour, source: 'offer' as const, offer } : null
  const ck = input.checkpoints ?? {}
  const oneCheckpoint = checkpointBytes(input.method, input.totalParams, input.trainableParams, ck.resumable ?? false)
  const artefact = checkpointBytes(input.method, input.totalParams, input.trainableParams)
  const count = ck.count ?? Math.max(1, Math.ceil(input.epochs ?? 1))
  const retentionMonths = ck.retentionMonths ?? 1
  const breakdown = jobCost({
    gpuHours: input.gpuHours,
    usdPerGpuHour: price?.usdPerGpuHour ?? 0,
    storage: { checkpointBytes: oneCheckpoint, count, retentionMonths },
    transfer: { ingressBytes: input.totalParams * CHECKPOINT_BYTES_PER_PARAM, egressBytes: input.egressBytes ?? artefact },
    ...(input.engineeringHours !== undefined ? { engineeringHours: input.engineeringHours } : {}),
    ...(input.rates ? { rates: input.rates } : {}),
  })
  const assumptions = [
    price ? `compute at $${price.usdPerGpuHour}/GPU-hour (${price.source === 'request' ? 'given in the request' : `${price.offer!.provider} ${price.offer!.region} ${price.offer!.pricingModel}`})` : 'no price given or offered: compute is not priced',
    `${count} checkpoint(s) of ${(oneCheckpoint / GIB).toFixed(2)} GiB kept ${retentionMonths} month(s)`,
    `base model downloaded once (${((input.totalParams * CHECKPOINT_BYTES_PER_PARAM) / GIB).toFixed(1)} GiB, ingress $${breakdown.rates.ingressUsdPerGb}/GiB)`,
    `${((input.egressBytes ?? artefact) / GIB).toFixed(2)} GiB egress at $${breakdown.rates.egressUsdPerGb}/GiB`,
    input.engineeringHours !== undefined ? `${input.engineeringHours} engineering hours at $${breakdown.rates.engineeringUsdPerHour}/h` : 'engineering time not counted (give engineeringHours)',
  ]
  return { breakdown, price, offers: ranked, cheapest: ranked[0] ?? null, checkpointBytes: oneCheckpoint, assumptions }
}
