import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { checkpointBytes, costReport, DEFAULT_COST_RATES, jobCost, pickOffer, rankOffers, type PriceOffer } from '../../src/estimation/cost.ts'
import { estimate } from '../../src/estimation/estimate.ts'
import { OFFERS, request } from './fixtures/part2.ts'

const GIB = 2 ** 30

describe('jobCost', () => {
  it('adds compute, storage, transfer and engineering with the default rates', () => {
    // compute 100 GPU-h × $2 = $200
    // storage 10 GiB × 3 checkpoints × 2 months × $0.023 = $1.38
    // transfer 100 GiB in × $0 + 50 GiB out × $0.09 = $4.50
    // engineering 5 h × $90.8 = $454
    const c = jobCost({
      gpuHours: 100, usdPerGpuHour: 2,
      storage: { checkpointBytes: 10 * GIB, count: 3, retentionMonths: 2 },
      transfer: { ingressBytes: 100 * GIB, egressBytes: 50 * GIB },
      engineeringHours: 5,
    })
    expect(c.computeUsd).toBe(200)
    expect(c.storageUsd).toBeCloseTo(1.38, 10)
    expect(c.transferUsd).toBeCloseTo(4.5, 10)
    expect(c.engineeringUsd).toBeCloseTo(454, 10)
    expect(c.totalUsd).toBeCloseTo(659.88, 10)
    expect(c.shares.compute).toBeCloseTo(200 / 659.88, 10)
    expect(c.shares.compute + c.shares.storage + c.shares.transfer + c.shares.engineering).toBeCloseTo(1, 12)
  })

  it('lets a request override a rate and keeps the others', () => {
    const c = jobCost({ gpuHours: 0, usdPerGpuHour: 0, engineeringHours: 2, rates: { engineeringUsdPerHour: 150, egressUsdPerGb: undefined } })
    expect(c.engineeringUsd).toBe(300)
    expect(c.rates.egressUsdPerGb).toBe(DEFAULT_COST_RATES.egressUsdPerGb)
  })

  it('reports zero shares for a free job instead of NaN', () => {
    expect(jobCost({ gpuHours: 0, usdPerGpuHour: 3 }).shares).toEqual({ compute: 0, storage: 0, transfer: 0, engineering: 0 })
  })

  const amount = fc.double({ min: 0, max: 1e6, noNaN: true })
  it('is monotone in hours and price (property)', () => {
    fc.assert(fc.property(amount, amount, amount, amount, (h1, h2, p1, p2) => {
      const [hLo, hHi] = h1 <= h2 ? [h1, h2] : [h2, h1]
      const [pLo, pHi] = p1 <= p2 ? [p1, p2] : [p2, p1]
      const lo = jobCost({ gpuHours: hLo, usdPerGpuHour: pLo, engineeringHours: 1 }).totalUsd
      expect(jobCost({ gpuHours: hHi, usdPerGpuHour: pLo, engineeringHours: 1 }).totalUsd).toBeGreaterThanOrEqual(lo)
      expect(jobCost({ gpuHours: hLo, usdPerGpuHour: pHi, engineeringHours: 1 }).totalUsd).toBeGreaterThanOrEqual(lo)
    }))
  })

  it('computes compute cost as exactly hours × price (property)', () => {
    fc.assert(fc.property(amount, amount, (h, p) => {
      expect(jobCost({ gpuHours: h, usdPerGpuHour: p }).computeUsd).toBe(h * p)
    }))
  })
})

describe('checkpointBytes', () => {
  it('stores a whole 16-bit model for full FT and only the adapter for LoRA', () => {
    // Llama-2-70B: 68,976,648,192 params × 2 B = 137,953,296,384 B (~138 GB, the "~140 GB" full copy)
    expect(checkpointBytes('full', 68_976_648_192, 68_976_648_192)).toBe(137_953_296_384)
    // Llama-3-8B r=16 all linear: 41,943,040 params × 2 B = 83,886,080 B (§4.6: "≈ 84 MB in bf16")
    expect(checkpointBytes('lora', 8_030_261_248, 41_943_040)).toBe(83_886_080)
    // resumable adds 12 B per trainable param: 83,886,080 + 41,943,040 × 12 = 587,202,560
    expect(checkpointBytes('lora', 8_030_261_248, 41_943_040, true)).toBe(587_202_560)
  })
})

describe('offers', () => {
  const offers: PriceOffer[] = [
    { provider: 'aws', region: 'us-east-1', pricingModel: 'on-demand', usdPerGpuHour: 5.1207, gpuId: 'a100-80gb' },
    { provider: 'aws', region: 'us-east-1', pricingModel: 'spot', usdPerGpuHour: 0.7299, gpuId: 'a100-80gb' },
    { provider: 'lambda', region: 'us-east-1', pricingModel: 'on-demand', usdPerGpuHour: 1.79, gpuId: 'a100-80gb' },
    { provider: 'lambda', region: 'us-east-1', pricingModel: 'on-demand', usdPerGpuHour: 2.99, gpuId: 'h100-sxm' },
  ]
  it('ranks the same job at every offer for its GPU, cheapest first', () => {
    // catalog-data.md §2 per-GPU prices; 10 GPU-h × $0.7299 = $7.299, × $1.79 = $17.9, × $5.1207 = $51.207
    const r = rankOffers(10, 'a100-80gb', offers)
    expect(r.map((o) => [o.provider, o.pricingModel])).toEqual([['aws', 'spot'], ['lambda', 'on-demand'], ['aws', 'on-demand']])
    expect(r[0]!.computeUsd).toBeCloseTo(7.299, 10)
    expect(r[2]!.computeUsd).toBeCloseTo(51.207, 10)
  })
  it('picks the cheapest offer matching the request preferences', () => {
    expect(pickOffer('a100-80gb', offers, { pricingModel: 'on-demand' })?.provider).toBe('lambda')
    expect(pickOffer('a100-80gb', offers, { provider: 'aws', pricingModel: 'on-demand' })?.usdPerGpuHour).toBe(5.1207)
    expect(pickOffer('b200', offers)).toBeNull()
  })
})

describe('costReport and the estimate cost block', () => {
  it('prices a job at its offers and builds the breakdown with documented defaults', () => {
    // Llama-2-7B LoRA r=16 q,v: 8,388,608 trainable; 10 GPU-h
    // lambda on-demand $1.79 → compute $17.90
    // storage: 2 epochs → 2 adapters × 16,777,216 B = 2 × 0.015625 GiB × 1 month × $0.023 = $0.00071875
    // transfer: ingress 13.48 GB free; egress one adapter 0.015625 GiB × $0.09 = $0.00140625
    const r = costReport({ method: 'lora', totalParams: 6_738_415_616, trainableParams: 8_388_608, gpuHours: 10, gpuId: 'a100-80gb', offers: OFFERS, pricing: { pricingModel: 'on-demand' }, epochs: 2 })
    expect(r.price).toMatchObject({ usdPerGpuHour: 1.79, source: 'offer' })
    expect(r.breakdown.computeUsd).toBeCloseTo(17.9, 10)
    expect(r.breakdown.storageUsd).toBeCloseTo(0.00071875, 12)
    expect(r.breakdown.transferUsd).toBeCloseTo(0.00140625, 12)
    expect(r.breakdown.engineeringUsd).toBe(0)
    expect(r.cheapest).toMatchObject({ provider: 'aws', pricingModel: 'spot' })
    expect(r.offers).toHaveLength(3)
  })
  it('lets storage and engineering dominate a small LoRA job, and compute dominate a large full fine-tune', () => {
    const lora = costReport({ method: 'lora', totalParams: 6_738_415_616, trainableParams: 8_388_608, gpuHours: 2, usdPerGpuHour: 1.79, engineeringHours: 8 })
    expect(lora.breakdown.shares.engineering).toBeGreaterThan(0.9)
    // full: 2000 GPU-h × $1.79 = $3580; 3 full checkpoints with optimizer state: (2 + 12) B × 6.74e9 = 87.86 GiB each
    const full = costReport({ method: 'full', totalParams: 6_738_415_616, trainableParams: 6_738_415_616, gpuHours: 2000, usdPerGpuHour: 1.79, engineeringHours: 8, checkpoints: { count: 3, resumable: true } })
    expect(full.checkpointBytes).toBe(6_738_415_616 * 14)
    expect(full.breakdown.shares.compute).toBeGreaterThan(0.8)
  })
  it('fills the contract cost block as gpuHours × the request price', () => {
    const e = estimate(request({ pricing: { usdPerGpuHour: 2 } }))
    expect(e.cost.usdPerGpuHour).toBe(2)
    expect(e.cost.totalUsd).toBeCloseTo(e.speed.gpuHours! * 2, 10)
    expect(estimate(request()).cost).toEqual({ totalUsd: null, usdPerGpuHour: null })
  })
})
