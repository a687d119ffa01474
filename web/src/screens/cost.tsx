// 6. Cost calculator: a run's whole cost from POST /v1/costs: GPU, provider, pricing model and
// region from the catalog, the hours (given, or the estimate's), and the split into compute,
// checkpoint storage, data transfer and engineering time, with the same GPU-hours at every offer.
import { calls, type Cost } from '../api/calls.ts'
import type { Body } from '../api/client.ts'
import { RULES } from '../api/generated/rules.ts'
import { checkBody } from '../api/rules.ts'
import { useCatalog } from '../catalog.ts'
import { compact, estimateRequestOf, HardwareFields, MethodFields, ModelFields, numberIn, PricingFields, SETUP_DEFAULTS, TrainingFields } from '../setup.tsx'
import { useParams, type Params } from '../state.ts'
import { bars, Chart, COLORS, fromZero, ticks } from '../ui/chart.tsx'
import { formErrors, Num, ProblemBox, ready, RequestPanel, Stat, useAutoCall } from '../ui/call.tsx'
import { CheckField, NumberField, Section, type Form } from '../ui/fields.tsx'
import { gib, hours, percent, plain, usd } from '../ui/format.ts'
import { modelAliases } from './estimate.tsx'

const DEFAULTS: Params = {
  ...SETUP_DEFAULTS,
  hours: '',
  'checkpoints.count': '',
  'checkpoints.retentionMonths': '',
  'checkpoints.resumable': 'false',
  egressBytes: '',
  engineeringHours: '16',
  'rates.storageUsdPerGbMonth': '',
  'rates.egressUsdPerGb': '',
  'rates.engineeringUsdPerHour': '',
}
const KEYS = Object.keys(DEFAULTS)
const PARTS = [['computeUsd', 'compute', 'Compute'], ['storageUsd', 'storage', 'Storage'], ['transferUsd', 'transfer', 'Transfer'], ['engineeringUsd', 'engineering', 'Engineering']] as const

export function CostScreen() {
  const [params, set] = useParams('cost', DEFAULTS)
  const catalog = useCatalog()
  const built = estimateRequestOf(params)
  const problems = { ...built.problems }
  const n = (key: string) => numberIn(params, key, problems)
  const body = compact({
    request: built.body,
    hours: n('hours'),
    checkpoints: { count: n('checkpoints.count'), retentionMonths: n('checkpoints.retentionMonths'), resumable: params['checkpoints.resumable'] === 'true' ? true : undefined },
    egressBytes: n('egressBytes'),
    engineeringHours: n('engineeringHours'),
    rates: { storageUsdPerGbMonth: n('rates.storageUsdPerGbMonth'), egressUsdPerGb: n('rates.egressUsdPerGb'), engineeringUsdPerHour: n('rates.engineeringUsdPerHour') },
  }) as Body<'/v1/costs', 'post'>
  const preparation = ready({ ...problems, ...checkBody(RULES.cost, body) }, calls.cost(body))
  const { shown, loading } = useAutoCall(preparation)
  const errors = formErrors(preparation, shown, KEYS, ['request'], modelAliases(params.modelSource))
  const form: Form = { params, set, errors: errors.fields }
  const result = shown?.outcome.ok ? shown.outcome.data : null
  return (
    <div class="screen">
      <form class="inputs" onSubmit={(e) => e.preventDefault()} aria-label="Cost inputs">
        <HardwareFields form={form} catalog={catalog} />
        <PricingFields form={form} catalog={catalog} />
        <Section title="Time and extras">
          <NumberField form={form} name="hours" label="Hours" hint="Empty: the estimate's training time (needs dataset tokens)." />
          <NumberField form={form} name="engineeringHours" label="Engineering hours" />
          <NumberField form={form} name="rates.engineeringUsdPerHour" label="Engineering $/hour" hint="Empty: 90.8." />
          <NumberField form={form} name="checkpoints.count" label="Checkpoints kept" hint="Empty: one per epoch." />
          <NumberField form={form} name="checkpoints.retentionMonths" label="Kept for months" hint="Empty: 1." />
          <NumberField form={form} name="rates.storageUsdPerGbMonth" label="Storage $/GiB-month" hint="Empty: 0.023." />
          <NumberField form={form} name="egressBytes" label="Egress bytes" hint="Empty: one trained artefact." />
          <NumberField form={form} name="rates.egressUsdPerGb" label="Egress $/GiB" hint="Empty: 0.09." />
          <CheckField form={form} name="checkpoints.resumable" label="Resumable checkpoints (with optimizer state)" />
        </Section>
        <ModelFields form={form} catalog={catalog} />
        <MethodFields form={form} />
        <TrainingFields form={form} />
      </form>
      <section class={`results${loading ? ' loading' : ''}`} aria-live="polite" aria-label="Cost">
        <ProblemBox messages={errors.general} status={errors.status} />
        {result && <CostView result={result} />}
        {shown && <RequestPanel call={shown.call} name="cost" />}
      </section>
    </div>
  )
}

function CostView({ result }: { result: Cost }) {
  const b = result.breakdown
  const price = result.pricesUsed[0]
  return (
    <>
      <dl class="stats">
        <Stat label="Total"><Num k="breakdown.totalUsd" value={b.totalUsd} format={usd} /></Stat>
        {PARTS.map(([key, share, label]) => (
          <Stat key={key} label={label}><Num k={`breakdown.${key}`} value={b[key]} format={usd} /> (<Num k={`breakdown.shares.${share}`} value={b.shares[share]} format={percent} />)</Stat>
        ))}
        <Stat label="Hours"><Num k="hours" value={result.hours} format={hours} /></Stat>
        <Stat label="GPU-hours"><Num k="gpuHours" value={result.gpuHours} format={plain} /></Stat>
        <Stat label="One checkpoint"><Num k="checkpointBytes" value={result.checkpointBytes} format={gib} /></Stat>
        <Stat label="Price"><Num k="pricesUsed.0.usdPerGpuHour" value={price?.usdPerGpuHour ?? null} format={usd} /> {price ? `${price.provider ?? 'given'} ${price.region ?? ''} ${price.pricingModel ?? ''}` : 'unpriced'}</Stat>
      </dl>
      <Chart name="cost-split" signature={JSON.stringify(b)} height={240}
        label={`Cost split: ${PARTS.map(([key, , label]) => `${label} ${usd(b[key])}`).join(', ')}; total ${usd(b.totalUsd)}`}
        data={[PARTS.map((_, i) => i), PARTS.map(([key]) => b[key])]}
        options={{
          scales: { x: { time: false, range: [-0.6, PARTS.length - 0.4] }, y: { range: fromZero(...PARTS.map(([key]) => b[key])) } },
          axes: [{ values: (_u, t) => t.map((i) => PARTS[i]?.[2] ?? ''), splits: () => PARTS.map((_, i) => i) }, { label: 'USD', size: 80, values: ticks(usd) }],
          series: [{ label: 'part' }, { label: 'USD', fill: COLORS[3], stroke: COLORS[3], paths: bars(0.6), points: { show: false } }],
          legend: { show: false },
          cursor: { show: false },
        }} />
      {result.offers.length > 0 && (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on narrow screens">
          <table>
            <caption>The same GPU-hours at every catalog offer (cheapest first)</caption>
            <thead><tr><th scope="col">Provider</th><th scope="col">Region</th><th scope="col">Pricing</th><th scope="col">$/GPU-hour</th><th scope="col">Compute</th></tr></thead>
            <tbody>
              {result.offers.map((o, i) => {
                const chosen = price && o.provider === price.provider && o.region === price.region && o.pricingModel === price.pricingModel && o.usdPerGpuHour === price.usdPerGpuHour
                return (
                  <tr key={`${o.provider}-${o.region}-${o.pricingModel}`} class={chosen ? 'selected' : ''}>
                    <th scope="row">{o.provider}</th><td>{o.region}</td><td>{o.pricingModel}</td>
                    <td><Num k={`offers.${i}.usdPerGpuHour`} value={o.usdPerGpuHour} format={usd} /></td>
                    <td><Num k={`offers.${i}.computeUsd`} value={o.computeUsd} format={usd} /></td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
      <ul class="note">{result.assumptions.map((a) => <li key={a}>{a}</li>)}</ul>
    </>
  )
}
