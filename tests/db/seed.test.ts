import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrate } from '../../src/db/migrator.ts'
import { gpuSlugs, loadCatalog, seedCatalog, seedIfEmpty, slugify, UNDATED_PRICE_EFFECTIVE_FROM } from '../../src/db/seed.ts'
import { openFreshDatabase, type OpenDatabase } from '../helpers/databases.ts'

describe('slugs', () => {
  it('turns model names into the documented ids', () => {
    expect(slugify('Llama-2-7B')).toBe('llama-2-7b')
    expect(slugify('Llama-3.1-8B')).toBe('llama-3.1-8b')
    expect(slugify('Qwen3-30B-A3B')).toBe('qwen3-30b-a3b')
  })

  it('gives every catalog GPU a unique id, the documented ones exactly', () => {
    const ids = gpuSlugs(loadCatalog().gpus)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toEqual(expect.arrayContaining([
      'a100-80gb', 'a100-40gb', 'h100-sxm-80gb', 'h100-pcie-80gb', 'h200-141gb', 'l40s', 'rtx-4090',
    ]))
  })
})

describe('seeding the catalog (PostgreSQL)', () => {
  let open: OpenDatabase
  beforeAll(async () => {
    open = await openFreshDatabase('postgres')
    await migrate(open.db)
  })
  afterAll(async () => { await open.dispose() })
  const prisma = () => open.db.prisma

  it('seeds an empty catalog: every GPU, every model, one price point per figure', async () => {
    const result = await seedIfEmpty(prisma())
    expect(result).toMatchObject({ gpus: { created: 16 }, models: { created: 32 }, prices: { created: 40 } })
    // Price rows for accelerators without a spec in the catalog cannot reference a GPU.
    expect(result!.skippedAccelerators).toEqual(['A100 80GB PCIe', 'GH200 96GB', 'L40 48GB', 'RTX 3090 24GB', 'V100 16GB'])
    expect(await prisma().gpu.count()).toBe(16)
    expect(await prisma().llmModel.count()).toBeGreaterThanOrEqual(30)
  })

  it('maps model fields from the catalog', async () => {
    const llama = await prisma().llmModel.findUniqueOrThrow({ where: { id: 'llama-2-7b' } })
    expect(llama).toMatchObject({
      name: 'Llama-2-7B', hfId: 'meta-llama/Llama-2-7b-hf', family: 'llama', license: 'llama2', hiddenSize: 4096,
      intermediateSize: 11008, numLayers: 32, numAttentionHeads: 32, numKeyValueHeads: 32, headDim: 128, vocabSize: 32000,
      tieWordEmbeddings: false, maxPositionEmbeddings: 4096, numExperts: null, paramsTotal: 6738415616n, managedBy: 'seed',
    })
    expect(llama.sources[0]).toMatch(/^github:Lightning-AI\/litgpt@/)
    const mixtral = await prisma().llmModel.findUniqueOrThrow({ where: { id: 'mixtral-8x7b-v0.1' } })
    expect(mixtral).toMatchObject({ numExperts: 8, expertsPerToken: 2 })
    const qwenMoe = await prisma().llmModel.findUniqueOrThrow({ where: { id: 'qwen3-30b-a3b' } })
    expect(qwenMoe).toMatchObject({ numExperts: 128, expertsPerToken: 8, moeIntermediateSize: 768 })
    const qwen = await prisma().llmModel.findUniqueOrThrow({ where: { id: 'qwen2.5-7b' } })
    expect(qwen.extra).toMatchObject({ qkv_bias: true })
  })

  it('splits a price row into on-demand and spot points under a lowercase provider', async () => {
    const points = await prisma().pricePoint.findMany({
      where: { gpuId: 'h100-sxm-80gb', provider: 'aws', instanceType: 'p5.48xlarge' },
      orderBy: { pricingModel: 'asc' },
    })
    expect(points.map((p) => [p.pricingModel, p.usdPerGpuHour, p.region, p.gpusPerInstance])).toEqual([
      ['on-demand', 12.29, 'us-east-1', 8],
      ['spot', 2.6242, 'us-east-1', 8],
    ])
    // The catalog's price_date is "snapshot undated; ...": the documented fixed start applies.
    expect(points[0]!.effectiveFrom).toEqual(UNDATED_PRICE_EFFECTIVE_FROM)
    expect(points[0]!.effectiveTo).toBeNull()
    expect(points[0]!.sources[0]).toMatch(/skypilot-catalog/)
  })

  it('re-runs without duplicating anything and leaves admin-managed rows alone', async () => {
    await prisma().gpu.update({ where: { id: 'a100-80gb' }, data: { managedBy: 'admin', memoryGiB: 81.5 } })
    await prisma().gpu.update({ where: { id: 'l4' }, data: { notes: 'hand-edited without taking ownership' } })
    const result = await seedCatalog(prisma())
    // Only the hand-edited seed row differs from the seed data; the admin row is skipped.
    expect(result).toMatchObject({ gpus: { created: 0, updated: 1 }, models: { created: 0, updated: 0 }, prices: { created: 0 } })
    expect(await prisma().gpu.count()).toBe(16)
    expect(await prisma().pricePoint.count()).toBe(40)
    expect(await prisma().gpu.findUniqueOrThrow({ where: { id: 'a100-80gb' } })).toMatchObject({ managedBy: 'admin', memoryGiB: 81.5 })
    expect((await prisma().gpu.findUniqueOrThrow({ where: { id: 'l4' } })).notes).not.toBe('hand-edited without taking ownership')
  })

  it('does nothing on start when the catalog already has rows', async () => {
    expect(await seedIfEmpty(prisma())).toBeNull()
  })
})
