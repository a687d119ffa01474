// Loads the catalog shipped in prisma/seed-data (the project's research catalog, every figure with
// its source) into the database. Idempotent: missing rows are created, seed-managed rows are refreshed,
// rows an admin changed (managedBy = 'admin') are left alone, prices are append-only.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { PrismaClient } from '../generated/prisma/client.ts'
import type { Prisma } from '../generated/prisma/client.ts'
import type { SqlSession } from './client.ts'

const SEED_DIR = new URL('../../prisma/seed-data/', import.meta.url)

interface CatalogGpu {
  name: string
  vendor: string
  memory_gb: number
  memory_type: string | null
  memory_bandwidth_tbps: number
  bf16_dense_tflops: number | null
  fp16_dense_tflops: number | null
  fp8_dense_tflops: number | null
  interconnect: string | null
  interconnect_bidirectional_gbps: number | null
  tdp_w: number | null
  source: string[] | string
  notes?: string | null
  verification?: string | null
}

interface CatalogPrice {
  provider: string
  instance_type: string
  accelerator: string
  gpus_per_instance: number
  region: string
  price_date: string
  source: string[] | string
  notes?: string | null
  verification?: string | null
  [field: string]: unknown
}

interface CatalogModel {
  name: string
  hf_id: string | null
  arch: string
  hidden_size: number
  intermediate_size: number
  num_hidden_layers: number
  num_attention_heads: number
  num_key_value_heads: number
  head_dim?: number | null
  vocab_size: number
  tie_word_embeddings?: boolean
  max_position_embeddings?: number | null
  num_experts?: number | null
  num_local_experts?: number | null
  num_experts_per_tok?: number | null
  moe_intermediate_size?: number | null
  params_total_computed?: number | null
  source: string[] | string
  notes?: string | null
  [field: string]: unknown
}

export interface Catalog {
  gpus: CatalogGpu[]
  prices: CatalogPrice[]
  models: CatalogModel[]
}

export function loadCatalog(): Catalog {
  return JSON.parse(readFileSync(fileURLToPath(new URL('catalog.json', SEED_DIR)), 'utf8')) as Catalog
}

/** Other repository ids of each catalog model, keyed by its hf_id (prisma/seed-data/model-aliases.json says where they come from). */
function loadAliases(): Record<string, string[]> {
  const file = JSON.parse(readFileSync(fileURLToPath(new URL('model-aliases.json', SEED_DIR)), 'utf8'))
  return (file as { aliases: Record<string, string[]> }).aliases
}

function loadLicenses(): Record<string, string> {
  const file = JSON.parse(readFileSync(fileURLToPath(new URL('model-licenses.json', SEED_DIR)), 'utf8'))
  return (file as { licenses: Record<string, string> }).licenses
}

/** `Llama-3.1-8B` → `llama-3.1-8b`: lowercase, runs of anything but [a-z0-9.] become one dash. */
export function slugify(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-+|-+$/g, '')
}

const VENDOR_WORDS = /\b(nvidia|amd|google|geforce|instinct)\b/gi
const FORM_FACTOR = /\b(sxm\d?|pcie)\b/i

/**
 * GPU ids from catalog names, deterministic: drop vendor words and parentheticals; keep the form
 * factor (`sxm`/`pcie`) only when the catalog holds the same chip in two form factors (H100);
 * keep the memory size only for HBM parts, where one chip ships in several sizes (A100 40/80 GB),
 * and drop it for GDDR boards, which have one size each (RTX 4090 is always 24 GB).
 * `NVIDIA H100 SXM5 80GB` → `h100-sxm-80gb`, `NVIDIA A100 SXM4 80GB` → `a100-80gb`,
 * `NVIDIA GeForce RTX 4090 24GB` → `rtx-4090`.
 */
export function gpuSlugs(gpus: readonly Pick<CatalogGpu, 'name' | 'memory_type'>[]): string[] {
  const parsed = gpus.map((gpu) => {
    const words = gpu.name.replace(/\(.*?\)/g, ' ').replace(VENDOR_WORDS, ' ').trim().split(/\s+/)
    const memory = words.find((word) => /^\d+GB$/i.test(word))
    const formFactor = words.find((word) => FORM_FACTOR.test(word))
    const chip = words.filter((word) => word !== memory && word !== formFactor).join(' ')
    const hbm = (gpu.memory_type ?? '').toUpperCase().startsWith('HBM')
    return { chip, memory: hbm ? memory : undefined, formFactor: formFactor?.replace(/\d$/, '') }
  })
  return parsed.map(({ chip, memory, formFactor }) => {
    const forms = new Set(parsed.filter((other) => other.chip === chip).map((other) => other.formFactor))
    return slugify([chip, forms.size > 1 ? formFactor : undefined, memory].filter(Boolean).join(' '))
  })
}

/**
 * Price rows name their accelerator in the provider's words; this maps each to a catalog GPU id.
 * Accelerators without a matching spec in the catalog (GH200, L40, RTX 3090, V100 16GB,
 * A100 80GB PCIe) are skipped: pricing them against another card's spec would mislead.
 * AWS p5 and GCP a3-highgpu are H100 SXM machines, hence `H100 80GB` → h100-sxm-80gb.
 */
export const ACCELERATOR_GPU: Readonly<Record<string, string>> = {
  'H100 80GB': 'h100-sxm-80gb',
  'H100 SXM 80GB': 'h100-sxm-80gb',
  'H200 141GB': 'h200-141gb',
  'A100 40GB': 'a100-40gb',
  'A100 80GB': 'a100-80gb',
  'A100 80GB SXM': 'a100-80gb',
  'V100 32GB': 'v100-32gb',
  'A10G 24GB': 'a10g',
  'A10 24GB': 'a10',
  'L4 24GB': 'l4',
  'L40S 48GB': 'l40s',
  'RTX A6000 48GB': 'rtx-a6000',
  B200: 'b200',
  'TPU v5p': 'tpu-v5p',
}

/**
 * Every price row in the catalog is an undated snapshot (`price_date` says so), inferred between
 * 2024-12 and 2025-06 for AWS and 2025-2026 for the others. Undated rows take this fixed start so
 * "the price at date X" has an answer from then on; a dated row (`YYYY-MM-DD…`) uses its date.
 */
export const UNDATED_PRICE_EFFECTIVE_FROM = new Date('2025-01-01T00:00:00.000Z')

const PRICING_MODELS = { on_demand: 'on-demand', spot: 'spot', reserved: 'reserved' } as const

function priceEffectiveFrom(priceDate: string): Date {
  const match = /^(\d{4}-\d{2}-\d{2})\b/.exec(priceDate.trim())
  return match ? new Date(`${match[1]}T00:00:00.000Z`) : UNDATED_PRICE_EFFECTIVE_FROM
}

const asList = (value: string[] | string): string[] => (Array.isArray(value) ? value : [value])

/** Model fields that have their own column; everything else is kept, as given, in `extra`. */
const MODEL_COLUMNS = new Set([
  'name', 'hf_id', 'arch', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads',
  'num_key_value_heads', 'head_dim', 'vocab_size', 'tie_word_embeddings', 'max_position_embeddings',
  'num_experts', 'num_local_experts', 'num_experts_per_tok', 'moe_intermediate_size', 'params_total_computed',
  'source', 'notes',
])

export function modelRows(catalog: Catalog, licenses = loadLicenses(), aliases = loadAliases()): Prisma.LlmModelCreateManyInput[] {
  return catalog.models.map((m) => {
    const extra = Object.fromEntries(Object.entries(m).filter(([key, value]) => !MODEL_COLUMNS.has(key) && value !== null))
    return {
      id: slugify(m.name),
      name: m.name,
      hfId: m.hf_id,
      aliases: (m.hf_id && aliases[m.hf_id]) || [],
      family: m.arch,
      license: (m.hf_id && licenses[m.hf_id]) || null,
      hiddenSize: m.hidden_size,
      intermediateSize: m.intermediate_size,
      numLayers: m.num_hidden_layers,
      numAttentionHeads: m.num_attention_heads,
      numKeyValueHeads: m.num_key_value_heads,
      headDim: m.head_dim ?? null,
      vocabSize: m.vocab_size,
      tieWordEmbeddings: m.tie_word_embeddings ?? false,
      maxPositionEmbeddings: m.max_position_embeddings ?? null,
      numExperts: m.num_experts ?? m.num_local_experts ?? null,
      expertsPerToken: m.num_experts_per_tok ?? null,
      moeIntermediateSize: m.moe_intermediate_size ?? null,
      extra: Object.keys(extra).length > 0 ? (extra as Prisma.InputJsonObject) : undefined,
      paramsTotal: m.params_total_computed == null ? null : BigInt(m.params_total_computed),
      sources: asList(m.source),
      notes: m.notes ?? null,
    }
  })
}

export function gpuRows(catalog: Catalog): Prisma.GpuCreateManyInput[] {
  const ids = gpuSlugs(catalog.gpus)
  return catalog.gpus.map((g, index) => ({
    id: ids[index]!,
    name: g.name,
    vendor: g.vendor,
    // The catalog's "GB" for HBM parts is the binary size nvidia-smi reports (A100 80GB = 81920 MiB).
    memoryGiB: g.memory_gb,
    memoryType: g.memory_type,
    memoryBandwidthTBps: g.memory_bandwidth_tbps,
    bf16Tflops: g.bf16_dense_tflops,
    fp16Tflops: g.fp16_dense_tflops,
    fp8Tflops: g.fp8_dense_tflops,
    interconnect: g.interconnect,
    interconnectGBps: g.interconnect_bidirectional_gbps,
    tdpWatts: g.tdp_w,
    sources: asList(g.source),
    notes: g.notes ?? null,
    verification: g.verification ?? null,
  }))
}

export interface PriceRows {
  rows: Prisma.PricePointCreateManyInput[]
  /** Accelerators with no GPU spec in the catalog, so not seeded. */
  skipped: string[]
}

export function priceRows(catalog: Catalog): PriceRows {
  const rows: Prisma.PricePointCreateManyInput[] = []
  const skipped = new Set<string>()
  for (const p of catalog.prices) {
    const gpuId = ACCELERATOR_GPU[p.accelerator]
    if (!gpuId) {
      skipped.add(p.accelerator)
      continue
    }
    for (const [field, pricingModel] of Object.entries(PRICING_MODELS)) {
      const usd = p[`${field}_usd_per_gpu_hour`]
      if (typeof usd !== 'number') continue
      const details = [p.notes, `price_date: ${p.price_date}`, p.verification && `verification: ${p.verification}`]
      rows.push({
        gpuId,
        provider: p.provider.toLowerCase(),
        region: p.region,
        pricingModel,
        usdPerGpuHour: usd,
        instanceType: p.instance_type,
        gpusPerInstance: p.gpus_per_instance,
        effectiveFrom: priceEffectiveFrom(p.price_date),
        sources: asList(p.source),
        notes: details.filter(Boolean).join(' | '),
      })
    }
  }
  return { rows, skipped: [...skipped].sort() }
}

export interface SeedResult {
  gpus: { created: number; updated: number }
  models: { created: number; updated: number }
  prices: { created: number }
  skippedAccelerators: string[]
}

export async function seedCatalog(prisma: PrismaClient, catalog = loadCatalog()): Promise<SeedResult> {
  const gpus = gpuRows(catalog)
  const models = modelRows(catalog)
  const prices = priceRows(catalog)
  const createdGpus = await prisma.gpu.createMany({ data: gpus, skipDuplicates: true })
  const createdModels = await prisma.llmModel.createMany({ data: models, skipDuplicates: true })
  const createdPrices = await prisma.pricePoint.createMany({ data: prices.rows, skipDuplicates: true })
  // Refresh rows the seed still owns where the seed data changed; the ones just created are current.
  let updatedGpus = 0
  let updatedModels = 0
  if (createdGpus.count < gpus.length) {
    const current = new Map((await prisma.gpu.findMany({ where: { managedBy: 'seed' } })).map((row) => [row.id, row]))
    for (const { id, ...data } of gpus) {
      if (!differs(data, current.get(id))) continue
      updatedGpus += (await prisma.gpu.updateMany({ where: { id, managedBy: 'seed' }, data })).count
    }
  }
  if (createdModels.count < models.length) {
    const current = new Map((await prisma.llmModel.findMany({ where: { managedBy: 'seed' } })).map((row) => [row.id, row]))
    for (const { id, ...data } of models) {
      if (!differs(data, current.get(id))) continue
      updatedModels += (await prisma.llmModel.updateMany({ where: { id, managedBy: 'seed' }, data })).count
    }
  }
  return {
    gpus: { created: createdGpus.count, updated: updatedGpus },
    models: { created: createdModels.count, updated: updatedModels },
    prices: { created: createdPrices.count },
    skippedAccelerators: prices.skipped,
  }
}

/** JSON with sorted keys and bigints as strings: jsonb does not keep key order. */
const canonical = (value: unknown) =>
  JSON.stringify(value ?? null, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString()
    if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) {
      return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
    }
    return v
  })

/** True when a seed-managed row exists and any seeded field differs from the seed data. */
function differs(data: object, row: object | undefined): boolean {
  if (!row) return false
  return Object.entries(data).some(([key, value]) => canonical(value) !== canonical((row as Record<string, unknown>)[key]))
}

/** Seeds only an empty catalog, so restarts cost one count query. Returns null when nothing was done. */
export async function seedIfEmpty(prisma: PrismaClient): Promise<SeedResult | null> {
  const [gpus, models] = await Promise.all([prisma.gpu.count(), prisma.llmModel.count()])
  return gpus === 0 && models === 0 ? seedCatalog(prisma) : null
}

/**
 * seedIfEmpty's question in plain SQL, for the start: Prisma's first query loads and initialises
 * its query compiler (~0.3-0.4 s of CPU on the dev machine), which a start that finds its catalog
 * in place can leave to after the server listens.
 */
export async function catalogIsEmpty(session: SqlSession): Promise<boolean> {
  const [row] = await session.query<{ empty: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM gpus) AND NOT EXISTS (SELECT 1 FROM models) AS empty')
  return row?.empty === true
}
