// 4. Sweeps: memory and tokens/s against sequence length, micro-batch, rank or GPU count, with the
// GPU's capacity and the largest value that fits marked, from one POST /v1/estimates/sweep.
import { calls, type Sweep } from '../api/calls.ts'
import type { Body } from '../api/client.ts'
import { RULES } from '../api/generated/rules.ts'
import { checkBody } from '../api/rules.ts'
import { useCatalog } from '../catalog.ts'
import { estimateRequestOf, HardwareFields, MethodFields, ModelFields, numberIn, PricingFields, SETUP_DEFAULTS, TrainingFields } from '../setup.tsx'
import { useParams, type Params } from '../state.ts'
import { Chart, COLORS, gibAxis, overlay } from '../ui/chart.tsx'
import { formErrors, Num, ProblemBox, ready, RequestPanel, useAutoCall } from '../ui/call.tsx'
import { NumberField, Section, SelectField, type Form } from '../ui/fields.tsx'
import { gib, plain, rate, seconds, usd } from '../ui/format.ts'
import { modelAliases } from './estimate.tsx'

/** What the sweep can vary, and a range that shows each well. */
const FIELDS: Record<string, { label: string; range: Params }> = {
  'training.sequenceLength': { label: 'Sequence length', range: { 'vary.range.from': '512', 'vary.range.to': '32768', 'vary.range.steps': '7', 'vary.range.scale': 'log' } },
  'training.microBatchSize': { label: 'Micro-batch size', range: { 'vary.range.from': '1', 'vary.range.to': '64', 'vary.range.steps': '7', 'vary.range.scale': 'log' } },
  'method.rank': { label: 'LoRA rank', range: { 'vary.range.from': '4', 'vary.range.to': '512', 'vary.range.steps': '8', 'vary.range.scale': 'log' } },
  'hardware.count': { label: 'GPU count', range: { 'vary.range.from': '1', 'vary.range.to': '64', 'vary.range.steps': '7', 'vary.range.scale': 'log' } },
  'training.gradientAccumulationSteps': { label: 'Gradient accumulation', range: { 'vary.range.from': '1', 'vary.range.to': '64', 'vary.range.steps': '7', 'vary.range.scale': 'log' } },
}

const DEFAULTS: Params = { ...SETUP_DEFAULTS, 'vary.field': 'training.sequenceLength', ...FIELDS['training.sequenceLength']!.range }
const KEYS = Object.keys(DEFAULTS)

export function SweepsScreen() {
  const [params, set] = useParams('sweeps', DEFAULTS)
  const catalog = useCatalog()
  const built = estimateRequestOf(params)
  const problems = { ...built.problems }
  const n = (key: string) => numberIn(params, key, problems)
  const body = {
    request: built.body,
    vary: { field: params['vary.field'] ?? '', range: { from: n('vary.range.from'), to: n('vary.range.to'), steps: n('vary.range.steps'), scale: params['vary.range.scale'] || undefined } },
  } as Body<'/v1/estimates/sweep', 'post'>
  Object.assign(problems, checkBody(RULES.sweep, body))
  const preparation = ready(problems, calls.sweep(body))
  const { shown, loading } = useAutoCall(preparation)
  const errors = formErrors(preparation, shown, KEYS, ['request'], modelAliases(params.modelSource))
  const form: Form = { params, set, errors: errors.fields }
  const result = shown?.outcome.ok ? shown.outcome.data : null
  const field = FIELDS[params['vary.field'] ?? '']
  return (
    <div class="screen">
      <form class="inputs" onSubmit={(e) => e.preventDefault()} aria-label="Sweep inputs">
        <Section title="Vary">
          <div class="field">
            <label for="f-vary-field">Field</label>
            <select id="f-vary-field" name="vary.field" value={params['vary.field']} onChange={(e) => { const v = (e.target as HTMLSelectElement).value; set({ 'vary.field': v, ...FIELDS[v]?.range }) }}
              aria-invalid={errors.fields['vary.field'] ? true : undefined} aria-describedby={errors.fields['vary.field'] ? 'f-vary-field-error' : undefined}>
              {Object.entries(FIELDS).map(([value, f]) => <option key={value} value={value}>{f.label} ({value})</option>)}
            </select>
            {errors.fields['vary.field'] && <p class="field-error" id="f-vary-field-error" data-error-for="vary.field" role="alert">{errors.fields['vary.field']}</p>}
          </div>
          <NumberField form={form} name="vary.range.from" label="From" />
          <NumberField form={form} name="vary.range.to" label="To" />
          <NumberField form={form} name="vary.range.steps" label="Points" />
          <SelectField form={form} name="vary.range.scale" label="Spacing" options={[['log', 'log (equal ratios)'], ['linear', 'linear (equal steps)']]} />
        </Section>
        <ModelFields form={form} catalog={catalog} />
        <MethodFields form={form} />
        <TrainingFields form={form} />
        <HardwareFields form={form} catalog={catalog} />
        <PricingFields form={form} catalog={catalog} />
      </form>
      <section class={`results${loading ? ' loading' : ''}`} aria-live="polite" aria-label="Sweep">
        <ProblemBox messages={errors.general} status={errors.status} />
        {result && <SweepView sweep={result} label={field?.label ?? result.field} log={params['vary.range.scale'] === 'log'} />}
        {shown && <RequestPanel call={shown.call} name="sweep" />}
      </section>
    </div>
  )
}

function SweepView({ sweep, label, log }: { sweep: Sweep; label: string; log: boolean }) {
  const x = sweep.points.map((p) => p.value)
  const capacity = sweep.points[0]?.capacityBytes ?? 0
  const xScale = log && x.length > 1 && x[0]! > 0 ? { time: false, distr: 3 as const, log: 2 as const } : { time: false }
  const marker = sweep.largestFitting !== null ? { x: sweep.largestFitting, label: `largest that fits: ${plain(sweep.largestFitting)}` } : undefined
  return (
    <>
      <p class={`verdict ${sweep.largestFitting !== null ? 'fits' : 'no-fit'}`} data-key="largestFitting" data-value={String(sweep.largestFitting)}>
        {sweep.largestFitting !== null ? `Largest ${label.toLowerCase()} that fits: ${plain(sweep.largestFitting)}` : `No ${label.toLowerCase()} in this range fits`}
      </p>
      <Chart name="sweep-memory" signature={JSON.stringify(sweep)} height={280}
        label={`Memory per GPU against ${label}: ${sweep.points.map((p) => `${plain(p.value)}: ${gib(p.totalBytes)}`).join(', ')}; capacity ${gib(capacity)}`}
        data={[x, sweep.points.map((p) => p.highBytes), sweep.points.map((p) => p.totalBytes), sweep.points.map((p) => p.lowBytes)]}
        options={{
          scales: { x: xScale, y: { range: [0, Math.max(capacity, ...sweep.points.map((p) => p.highBytes)) * 1.08] } },
          axes: [{ label }, gibAxis()],
          series: [
            { label },
            { label: 'high', stroke: '#93c5fd', width: 1, value: (_u, v) => (v === null ? '—' : gib(v)) },
            { label: 'expected', stroke: COLORS[0], width: 2, value: (_u, v) => (v === null ? '—' : gib(v)) },
            { label: 'low', stroke: '#93c5fd', width: 1, value: (_u, v) => (v === null ? '—' : gib(v)) },
          ],
          bands: [{ series: [1, 3], fill: 'rgba(37, 99, 235, 0.12)' }],
          hooks: { draw: [overlay({ rule: { value: capacity, label: `capacity ${gib(capacity)}` }, ...(marker ? { marker } : {}) })] },
        }} />
      <Chart name="sweep-speed" signature={JSON.stringify(sweep.points)} height={220}
        label={`Tokens per second against ${label}: ${sweep.points.map((p) => `${plain(p.value)}: ${rate(p.tokensPerSecond)}`).join(', ')}`}
        data={[x, sweep.points.map((p) => p.tokensPerSecond)]}
        options={{
          scales: { x: xScale },
          axes: [{ label }, { label: 'tokens/s', size: 60 }],
          series: [{ label }, { label: 'tokens/s', stroke: COLORS[2], width: 2 }],
          ...(marker ? { hooks: { draw: [overlay({ marker })] } } : {}),
        }} />
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on narrow screens">
        <table>
          <caption>Points</caption>
          <thead><tr><th scope="col">{label}</th><th scope="col">Memory / GPU</th><th scope="col">Fits</th><th scope="col">Tokens/s</th><th scope="col">Step</th><th scope="col">Cost</th></tr></thead>
          <tbody>
            {sweep.points.map((p, i) => (
              <tr key={p.value} class={p.value === sweep.largestFitting ? 'best' : ''}>
                <th scope="row"><Num k={`points.${i}.value`} value={p.value} format={plain} /></th>
                <td><Num k={`points.${i}.totalBytes`} value={p.totalBytes} format={gib} /></td>
                <td>{p.fits ? 'yes' : 'no'}</td>
                <td><Num k={`points.${i}.tokensPerSecond`} value={p.tokensPerSecond} format={rate} /></td>
                <td><Num k={`points.${i}.stepSeconds`} value={p.stepSeconds} format={seconds} /></td>
                <td><Num k={`points.${i}.costUsd`} value={p.costUsd} format={usd} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}
