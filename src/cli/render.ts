// The CLI's readable answers: the memory breakdown against the GPU, whether it fits, tokens/s,
// hours and cost, warnings, and how the config was read; methods side by side; the recommendation.
import type { ComparisonAnswer, ConfigImportAnswer, EstimateAnswer, RecommendationAnswer } from './backends.ts'

const GIB = 2 ** 30
const gib = (bytes: number) => `${(bytes / GIB).toFixed(1)} GiB`
const int = (n: number) => Math.round(n).toLocaleString('en-US')
const hours = (h: number | null | undefined) => (h === null || h === undefined ? '—' : h < 10 ? h.toFixed(2) : h.toFixed(1))
const usd = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`)

/** Rows of cells as aligned columns (the first left, the rest right). */
export function table(rows: string[][], header?: string[]): string {
  const all = header ? [header, ...rows] : rows
  const widths = all[0]!.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  const line = (r: string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd()
  const out = all.map(line)
  if (header) out.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '))
  return out.join('\n')
}

export function renderEstimate(e: EstimateAnswer, request: { hardware: { count?: number } ; method: { type: string }; training: { framework?: { name: string } } }): string {
  const m = e.memory.perGpu
  const count = request.hardware.count ?? 1
  const stack = e.assumptions.framework?.name ?? request.training.framework?.name ?? 'custom'
  const lines = [
    `${e.resolved.modelName}, ${request.method.type}, on ${count} × ${e.resolved.gpuName} (${stack}${e.assumptions.framework?.version ? ` ${e.assumptions.framework.version}` : ''})`,
    '',
    table([
      ['weights', gib(m.weightsBytes)],
      ['gradients', gib(m.gradientsBytes)],
      ['optimizer states', gib(m.optimizerBytes)],
      ['activations', gib(m.activationsBytes)],
      ['adapters', gib(m.adaptersBytes)],
      ['overhead (CUDA, NCCL)', gib(m.overheadBytes)],
      ['peak per GPU', gib(m.totalBytes)],
      ['GPU memory', gib(e.memory.gpuCapacityBytes)],
    ], ['memory per GPU', '']),
    '',
    `fits:        ${e.memory.fits ? 'yes' : 'NO'} (${gib(e.memory.band.lowBytes)} – ${gib(e.memory.band.highBytes)} likely${e.memory.loadPeakBytes !== undefined ? `; loading peaks at ${gib(e.memory.loadPeakBytes)}` : ''})`,
    `speed:       ${int(e.speed.tokensPerSecond)} tokens/s, ${e.speed.stepSeconds.toFixed(2)} s per step, MFU ${(e.speed.mfu * 100).toFixed(0)}%`,
    `time:        ${e.speed.trainingHours === null ? '— (no datasetTokens: give --tokens, or max_steps in the config)' : `${hours(e.speed.trainingHours)} h (${hours(e.speed.gpuHours)} GPU-hours)`}`,
    `cost:        ${e.cost.totalUsd === null ? '—' : usd(e.cost.totalUsd)}${e.cost.usdPerGpuHour === null ? ' (no price)' : ` at ${usd(e.cost.usdPerGpuHour)}/GPU-hour${priceSource(e)}`}`,
    `forgetting:  risk ${e.forgetting.risk.toFixed(2)}${e.forgetting.level ? ` (${e.forgetting.level})` : ''}`,
  ]
  if (e.warnings.length > 0) lines.push('', 'warnings:', ...e.warnings.map((w) => `  - ${w.message} [${w.code}]`))
  return lines.join('\n')
}

function priceSource(e: EstimateAnswer): string {
  const p = e.pricesUsed[0]
  if (!p || p.source !== 'catalog') return ''
  return ` (${[p.provider, p.region, p.pricingModel].filter(Boolean).join(' ')})`
}

export function renderImport(a: ConfigImportAnswer): string {
  const lines = [renderEstimate(a.estimate, a.request as never), '', `config: ${a.mapped.length} settings read from ${new Set(a.mapped.map((m) => m.key)).size} keys, ${a.defaults.length} tool defaults, ${a.ignored.length} keys unused (--json shows each)`]
  if (a.caveats.length > 0) lines.push('not modelled:', ...a.caveats.map((c) => `  - ${c.key}${c.line ? ` (line ${c.line})` : ''}: ${c.message}`))
  return lines.join('\n')
}

export function renderComparison(c: ComparisonAnswer): string {
  const rows = c.rows.map((r) => [
    r.label, gib(r.memory.perGpuBytes), r.memory.fits ? 'yes' : 'NO', int(r.speed.tokensPerSecond), hours(r.speed.trainingHours), usd(r.costUsd), r.forgetting.risk.toFixed(2),
  ])
  const best = Object.entries(c.best).filter(([, method]) => method !== null).map(([criterion, method]) => `${criterion}: ${method}`)
  return [
    `${c.resolved.modelName} on ${c.resolved.gpuName}`,
    '',
    table(rows, ['method', 'memory/GPU', 'fits', 'tokens/s', 'hours', 'cost', 'risk']),
    '',
    best.length > 0 ? `best among those that fit: ${best.join(', ')}` : 'no method fits',
  ].join('\n')
}

export function renderRecommendation(r: RecommendationAnswer): string {
  const option = r.recommended
  const lines = [`${r.resolved.modelName}: ${r.searched.configurations} configurations searched, ${r.searched.feasible} feasible`]
  if (!option) {
    lines.push('', 'no configuration fits the constraints', ...r.notes.map((n) => `  - ${n}`))
    return lines.join('\n')
  }
  lines.push(
    '',
    `recommended: ${option.method}${option.rank ? ` r=${option.rank}` : ''} on ${option.gpuCount} × ${option.gpuName} (${option.sharding}), micro-batch ${option.microBatchSize} × ${option.gradientAccumulationSteps}${option.gradientCheckpointing ? ', checkpointing' : ''}`,
    `  ${option.provider} ${option.pricingModel} at ${usd(option.usdPerGpuHour)}/GPU-hour: ${hours(option.trainingHours)} h, ${usd(option.costUsd)}, memory ${gib(option.memoryPerGpuBytes)} of ${gib(option.gpuCapacityBytes)}`,
    ...option.reasons.map((reason) => `  + ${reason}`),
    ...option.tradeOffs.map((t) => `  - ${t}`),
    '',
    table(r.options.slice(0, 8).map((o) => [
      `${o.method}${o.rank ? ` r=${o.rank}` : ''}`, `${o.gpuCount} × ${o.gpuId}`, o.provider, hours(o.trainingHours), usd(o.costUsd), o.risk.toFixed(2), o.score.toFixed(3),
    ]), ['option', 'GPUs', 'provider', 'hours', 'cost', 'risk', 'score']),
  )
  return lines.join('\n')
}
