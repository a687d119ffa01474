// 1. Estimate: one configuration through POST /v1/estimates: memory per GPU as a stacked bar
// against the GPU's capacity with the low/expected/high band, whether it fits and why, speed,
// time, cost, forgetting risk, the assumptions and the warnings.
import { useEffect } from 'preact/hooks'
import { calls } from '../api/calls.ts'
import type { EstimateResult } from '../api/client.ts'
import { RULES } from '../api/generated/rules.ts'
import { checkBody } from '../api/rules.ts'
import { useCatalog } from '../catalog.ts'
import { estimateRequestOf, ForgettingFields, HardwareFields, MethodFields, ModelFields, PricingFields, SETUP_DEFAULTS, SETUP_KEYS, TrainingFields } from '../setup.tsx'
import { hashOf, useParams } from '../state.ts'
import { bars, Chart, COLORS, gibAxis, overlay } from '../ui/chart.tsx'
import { formErrors, Num, ProblemBox, ready, RequestPanel, Stat, useAutoCall } from '../ui/call.tsx'
import { count, gib, hours, percent, plain, rate, seconds, usd } from '../ui/format.ts'

export const COMPONENTS = [
  ['weightsBytes', 'Weights'],
  ['gradientsBytes', 'Gradients'],
  ['optimizerBytes', 'Optimizer states'],
  ['activationsBytes', 'Activations'],
  ['adaptersBytes', 'Adapters'],
  ['overheadBytes', 'Overhead'],
] as const

/** Aliases: a 400 about the inline model belongs to the pasted config.json. */
export const modelAliases = (source: string | undefined): Record<string, string> => (source === 'config' ? { model: 'modelConfig' } : {})

let firstResultMarked = false

export function EstimateScreen() {
  const [params, set] = useParams('estimate', SETUP_DEFAULTS)
  const built = estimateRequestOf(params)
  const body = built.body
  const preparation = ready({ ...built.problems, ...checkBody(RULES.estimate, body) }, calls.estimate(body))
  const { shown, loading } = useAutoCall(preparation)
  // After the estimate's own request: the first result does not wait behind the catalog's lists.
  const catalog = useCatalog()
  const errors = formErrors(preparation, shown, SETUP_KEYS, [], modelAliases(params.modelSource))
  const form = { params, set, errors: errors.fields }
  const result = shown?.outcome.ok ? shown.outcome.data : null

  useEffect(() => {
    if (result && !firstResultMarked) {
      firstResultMarked = true
      performance.mark('console:first-result')
    }
  }, [result])

  return (
    <div class="screen">
      <form class="inputs" onSubmit={(e) => e.preventDefault()} aria-label="Estimate inputs">
        <ModelFields form={form} catalog={catalog} />
        <MethodFields form={form} />
        <TrainingFields form={form} />
        <HardwareFields form={form} catalog={catalog} />
        <PricingFields form={form} catalog={catalog} />
        <ForgettingFields form={form} />
      </form>
      <section class={`results${loading ? ' loading' : ''}${preparation.problems ? ' stale' : ''}`} aria-live="polite" aria-label="Estimate">
        <ProblemBox messages={errors.general} status={errors.status} />
        {result && shown && <EstimateView result={result} />}
        {shown && <RequestPanel call={shown.call} name="estimate" />}
        {result && <p><a href={hashOf('scenarios', Object.fromEntries(SETUP_KEYS.map((k) => [k, params[k] ?? ''])), SETUP_DEFAULTS)}>Save this setup as a scenario…</a></p>}
      </section>
    </div>
  )
}

export function EstimateView({ result }: { result: EstimateResult }) {
  const m = result.memory
  const capacity = m.gpuCapacityBytes
  const total = m.perGpu.totalBytes
  // Running totals, tallest first: each bar hides the part of the one before it that lies below.
  const parts = COMPONENTS.map(([key]) => m.perGpu[key])
  const running = parts.map((_, i) => parts.slice(0, i + 1).reduce((a, b) => a + b, 0))
  const series = COMPONENTS.map(([, label], i) => ({ label, fill: COLORS[i], stroke: COLORS[i], paths: bars(0.5), points: { show: false }, value: (_u: unknown, v: number | null) => (v === null ? '—' : gib(parts[i]!)) })).reverse()
  const data = [[0], ...running.map((v) => [v]).reverse()] as [number[], ...number[][]]
  const top = Math.max(capacity, m.band.highBytes) * 1.08
  const loadPeak = m.loadPeakBytes ?? 0
  return (
    <>
      <p class={`verdict ${m.fits ? 'fits' : 'no-fit'}`} data-key="memory.fits" data-value={String(m.fits)}>
        {m.fits ? 'Fits' : 'Does not fit'}: {gib(total)} expected of {gib(capacity)} per GPU ({percent(total / capacity)}), band {gib(m.band.lowBytes)}–{gib(m.band.highBytes)}
        {!m.fits && total <= capacity && loadPeak > capacity && `; loading the model peaks at ${gib(loadPeak)}`}
        {m.fits && m.band.highBytes > capacity && '; the high end of the band does not'}
      </p>
      <Chart name="memory" signature={JSON.stringify(m)} height={300}
        label={`Memory per GPU: ${COMPONENTS.map(([key, label]) => `${label} ${gib(m.perGpu[key])}`).join(', ')}; total ${gib(total)} against a capacity of ${gib(capacity)}`}
        data={data}
        options={{
          scales: { x: { time: false, range: [-0.6, 0.6] }, y: { range: [0, top] } },
          axes: [{ show: false }, gibAxis()],
          series: [{ label: 'configuration' }, ...series],
          legend: { live: false },
          cursor: { show: false },
          hooks: { draw: [overlay({ rule: { value: capacity, label: `capacity ${gib(capacity)}` }, whiskers: { x: [0], low: [m.band.lowBytes], high: [m.band.highBytes] } })] },
        }} />
      <dl class="stats">
        <Stat label="Tokens per second"><Num k="speed.tokensPerSecond" value={result.speed.tokensPerSecond} format={rate} /></Stat>
        <Stat label="Step time"><Num k="speed.stepSeconds" value={result.speed.stepSeconds} format={seconds} /></Stat>
        <Stat label="Training time"><Num k="speed.trainingHours" value={result.speed.trainingHours} format={hours} /></Stat>
        <Stat label="GPU-hours"><Num k="speed.gpuHours" value={result.speed.gpuHours} format={plain} /></Stat>
        <Stat label="Cost (compute)"><Num k="cost.totalUsd" value={result.cost.totalUsd} format={usd} /></Stat>
        <Stat label="Price per GPU-hour"><Num k="cost.usdPerGpuHour" value={result.cost.usdPerGpuHour} format={usd} /></Stat>
        <Stat label="Forgetting risk"><Num k="forgetting.risk" value={result.forgetting.risk} format={percent} /> {result.forgetting.level && <span class={`level ${result.forgetting.level}`}>{result.forgetting.level}</span>}</Stat>
        <Stat label="Trainable parameters"><Num k="parameters.trainable" value={result.parameters.trainable} format={count} /> of <Num k="parameters.total" value={result.parameters.total} format={count} /></Stat>
        <Stat label="Trainable share"><Num k="parameters.trainableShare" value={result.parameters.trainableShare} format={percent} /></Stat>
        <Stat label="Model FLOPs utilisation"><Num k="speed.mfu" value={result.speed.mfu} format={percent} /></Stat>
      </dl>
      <table class="breakdown">
        <caption>Memory per GPU</caption>
        <thead><tr><th scope="col">Part</th><th scope="col">Bytes</th></tr></thead>
        <tbody>
          {COMPONENTS.map(([key, label]) => <tr key={key}><th scope="row">{label}</th><td><Num k={`memory.perGpu.${key}`} value={m.perGpu[key]} format={gib} /></td></tr>)}
          <tr class="total"><th scope="row">Total (expected)</th><td><Num k="memory.perGpu.totalBytes" value={total} format={gib} /></td></tr>
          <tr><th scope="row">Low / high</th><td><Num k="memory.band.lowBytes" value={m.band.lowBytes} format={gib} /> – <Num k="memory.band.highBytes" value={m.band.highBytes} format={gib} /></td></tr>
          <tr><th scope="row">Capacity</th><td><Num k="memory.gpuCapacityBytes" value={capacity} format={gib} /></td></tr>
          {m.loadPeakBytes !== undefined && <tr><th scope="row">Load peak</th><td><Num k="memory.loadPeakBytes" value={m.loadPeakBytes} format={gib} /></td></tr>}
          {m.cpuOffloadBytes > 0 && <tr><th scope="row">Host memory (offload)</th><td><Num k="memory.cpuOffloadBytes" value={m.cpuOffloadBytes} format={gib} /></td></tr>}
        </tbody>
      </table>
      {result.warnings.length > 0 && (
        <section class="warnings" aria-label="Warnings">
          <h3>Warnings</h3>
          <ul>{result.warnings.map((w) => <li key={w.code} data-warning={w.code}>{w.message}</li>)}</ul>
        </section>
      )}
      <details class="assumptions">
        <summary>Assumptions</summary>
        <p>{result.resolved.modelName} on {result.resolved.gpuName}{result.assumptions.framework ? `, ${result.assumptions.framework.name}${result.assumptions.framework.version ? ` ${result.assumptions.framework.version}` : ''}` : ''}
          {result.assumptions.precision ? `, ${result.assumptions.precision}` : ''}{result.assumptions.loss ? `, loss ${result.assumptions.loss}` : ''}</p>
        {result.assumptions.defaults && result.assumptions.defaults.length > 0 && (
          <table>
            <caption>Defaults used</caption>
            <thead><tr><th scope="col">Field</th><th scope="col">Value</th><th scope="col">Source</th></tr></thead>
            <tbody>{result.assumptions.defaults.map((d) => <tr key={d.field}><td>{d.field}</td><td>{JSON.stringify(d.value)}</td><td>{d.source}</td></tr>)}</tbody>
          </table>
        )}
        <ul>{result.assumptions.notes.map((n) => <li key={n}>{n}</li>)}</ul>
      </details>
    </>
  )
}
