// Prints the "real-world cost comparison" table (Llama-2 7B/13B/70B × full / layer freezing /
// LoRA r=32) computed from first principles by the engine, for a stated dataset.
// Usage: npx tsx scripts/cost-table.ts [--tokens 100000000] [--epochs 3] [--seq 2048] [--json]
// Models, GPU and prices come from prisma/seed-data/catalog.json (the seeded catalog, each figure with its source).

import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { modelSpecFromHfConfig, type HfConfig } from '../src/estimation/architecture.ts'
import { costComparisonTable, type CostTableRow } from '../src/estimation/comparison.ts'

interface CatalogGpu { name: string; memory_gb: number; bf16_dense_tflops: number; memory_bandwidth_tbps: number; interconnect_bidirectional_gbps: number | null }
interface CatalogPrice { provider: string; instance_type: string; accelerator: string; on_demand_usd_per_gpu_hour: number | null }

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const tokens = arg('tokens', 100e6)
const epochs = arg('epochs', 3)
const seq = arg('seq', 2048)

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const catalog = JSON.parse(readFileSync(path.join(root, 'prisma/seed-data/catalog.json'), 'utf8')) as { gpus: CatalogGpu[]; prices: CatalogPrice[]; models: (HfConfig & { name: string })[] }
const models = ['Llama-2-7B', 'Llama-2-13B', 'Llama-2-70B'].map((name) => {
  const m = catalog.models.find((x) => x.name === name)
  if (!m) throw new Error(`${name} missing from the catalog`)
  return modelSpecFromHfConfig(m)
})
const g = catalog.gpus.find((x) => x.name === 'NVIDIA A100 SXM4 80GB')!
const price = (provider: string, instance: string) => catalog.prices.find((p) => p.provider === provider && p.instance_type === instance)!.on_demand_usd_per_gpu_hour!
const prices = [
  { label: 'Lambda 8×A100-80GB on-demand', usdPerGpuHour: price('Lambda', 'gpu_8x_a100_80gb_sxm4') },
  { label: 'AWS p4de.24xlarge on-demand', usdPerGpuHour: price('AWS', 'p4de.24xlarge') },
]

const rows = costComparisonTable({
  models,
  gpu: { id: 'a100-80gb', spec: { name: g.name, memoryGiB: g.memory_gb, bf16Tflops: g.bf16_dense_tflops, memoryBandwidthTBps: g.memory_bandwidth_tbps, ...(g.interconnect_bidirectional_gbps ? { interconnectGBps: g.interconnect_bidirectional_gbps } : {}) }, maxCount: 64 },
  prices,
  datasetTokens: tokens,
  epochs,
  sequenceLength: seq,
})

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ datasetTokens: tokens, epochs, sequenceLength: seq, prices, rows }, null, 2))
} else {
  const usd = (x: number) => (x >= 100 ? `$${Math.round(x).toLocaleString('en-US')}` : `$${x.toFixed(2)}`)
  const line = (r: CostTableRow) => `| ${r.model} | ${r.method} | ${r.gpus}×A100-80GB ${r.sharding}${r.gradientCheckpointing ? ' +ckpt' : ''} mb${r.microBatchSize} | ${r.trainingHours.toFixed(1)} | ${r.gpuHours.toFixed(1)} | ${r.computeUsd.map(usd).join(' | ')} | ${usd(r.storageUsd + r.transferUsd)} |`
  console.log(`Dataset: ${(tokens / 1e6).toFixed(0)}M tokens × ${epochs} epochs = ${((tokens * epochs) / 1e6).toFixed(0)}M tokens, sequence length ${seq}, bf16-mixed AdamW, flash attention.`)
  console.log(`Prices: ${prices.map((p) => `${p.label} $${p.usdPerGpuHour}/GPU-h`).join('; ')} (prisma/seed-data/catalog.json).\n`)
  console.log(`| Model | Method | Hardware (fewest GPU-hours that fit) | Hours | GPU-hours | ${prices.map((p) => p.label).join(' | ')} | Storage + transfer |`)
  console.log(`|---|---|---|---|---|${prices.map(() => '---|').join('')}---|`)
  for (const r of rows) console.log(line(r))
}
