// 7. Advisor: goal, budget, deadline and quality floor into POST /v1/recommendations; the
// recommendation with its reasons, and the Pareto frontier drawn as cost against hours with the
// expected quality as colour.
import { calls, type Recommendation } from '../api/calls.ts'
import type { Body } from '../api/client.ts'
import { RULES } from '../api/generated/rules.ts'
import { checkBody } from '../api/rules.ts'
import { useCatalog } from '../catalog.ts'
import { compact, enumOf, listIn, modelIn, ModelFields, numberIn } from '../setup.tsx'
import { useParams, type Params } from '../state.ts'
import { Chart, ticks } from '../ui/chart.tsx'
import { formErrors, Num, ProblemBox, ready, RequestPanel, Stat, useAutoCall } from '../ui/call.tsx'
import { MultiCheck, NumberField, Section, SelectField, type Form } from '../ui/fields.tsx'
import { hours, percent, usd } from '../ui/format.ts'
import { modelAliases } from './estimate.tsx'

const DEFAULTS: Params = {
  modelSource: 'catalog',
  model: 'llama-3.1-8b',
  modelConfig: '',
  goal: 'production',
  'training.sequenceLength': '2048',
  'training.datasetTokens': '100000000',
  'training.epochs': '1',
  budgetUsd: '',
  deadlineHours: '',
  qualityFloor: '',
  maxRisk: '',
  tasks: '',
  gpus: 'a100-80gb,h100-sxm-80gb,l40s,l4',
  limit: '10',
}
const KEYS = Object.keys(DEFAULTS)
/** Quality bands for the frontier's colours. */
const BANDS = [
  { label: 'quality < 90 %', test: (q: number) => q < 0.9, color: '#dc2626' },
  { label: 'quality 90–97 %', test: (q: number) => q >= 0.9 && q < 0.97, color: '#d97706' },
  { label: 'quality ≥ 97 %', test: (q: number) => q >= 0.97, color: '#16a34a' },
]

export function AdvisorScreen() {
  const [params, set] = useParams('advisor', DEFAULTS)
  const catalog = useCatalog()
  const problems: Record<string, string> = {}
  const n = (key: string) => numberIn(params, key, problems)
  const gpus = listIn(params, 'gpus')
  const body = compact({
    model: modelIn(params, problems),
    goal: params.goal,
    training: { sequenceLength: n('training.sequenceLength'), datasetTokens: n('training.datasetTokens'), epochs: n('training.epochs') },
    gpus: gpus.length ? gpus : undefined,
    budgetUsd: n('budgetUsd'),
    deadlineHours: n('deadlineHours'),
    qualityFloor: n('qualityFloor'),
    maxRisk: n('maxRisk'),
    tasks: n('tasks'),
    limit: n('limit'),
  }) as Body<'/v1/recommendations', 'post'>
  const preparation = ready({ ...problems, ...checkBody(RULES.recommendation, body) }, calls.recommend(body))
  const { shown, loading } = useAutoCall(preparation, 400)
  const errors = formErrors(preparation, shown, KEYS, [], modelAliases(params.modelSource))
  const form: Form = { params, set, errors: errors.fields }
  const result = shown?.outcome.ok ? shown.outcome.data : null
  const gpuOptions = (catalog?.gpus ?? []).filter((g) => g.bf16Tflops !== null).map((g) => g.id)
  return (
    <div class="screen">
      <form class="inputs" onSubmit={(e) => e.preventDefault()} aria-label="Advisor inputs">
        <ModelFields form={form} catalog={catalog} />
        <Section title="Goal and limits">
          <SelectField form={form} name="goal" label="Goal" options={enumOf('goal', 'recommendation')} />
          <NumberField form={form} name="budgetUsd" label="Budget, $" />
          <NumberField form={form} name="deadlineHours" label="Deadline, hours" />
          <NumberField form={form} name="qualityFloor" label="Quality floor (0–1)" hint="Share of full fine-tuning's gain." />
          <NumberField form={form} name="maxRisk" label="Highest forgetting risk (0–1)" />
          <NumberField form={form} name="tasks" label="Tasks" />
          <NumberField form={form} name="limit" label="Options listed" />
        </Section>
        <Section title="Training">
          <NumberField form={form} name="training.sequenceLength" label="Sequence length" />
          <NumberField form={form} name="training.datasetTokens" label="Dataset tokens" />
          <NumberField form={form} name="training.epochs" label="Epochs" />
        </Section>
        <Section title="GPUs searched">
          <MultiCheck form={form} name="gpus" label="None ticked: every catalog GPU" options={gpuOptions.length ? gpuOptions : gpus} />
        </Section>
      </form>
      <section class={`results${loading ? ' loading' : ''}`} aria-live="polite" aria-label="Recommendation">
        <ProblemBox messages={errors.general} status={errors.status} />
        {loading && !result && <p class="note">Searching methods, ranks, GPUs, counts and prices…</p>}
        {result && <AdvisorView result={result} />}
        {shown && <RequestPanel call={shown.call} name="recommendation" />}
      </section>
    </div>
  )
}

function AdvisorView({ result }: { result: Recommendation }) {
  const r = result.recommended
  const pareto = [...result.pareto].sort((a, b) => a.costUsd - b.costUsd)
  const x = pareto.map((o) => o.costUsd)
  return (
    <>
      {r ? (
        <section class="recommended" aria-label="Recommended">
          <p class="verdict fits" data-key="recommended.id" data-value={r.id}>
            Recommended: {r.method}{r.rank ? ` r=${r.rank}` : ''} on {r.gpuCount} × {r.gpuName} ({r.sharding}), {r.provider} {r.pricingModel}
          </p>
          <dl class="stats">
            <Stat label="Cost"><Num k="recommended.costUsd" value={r.costUsd} format={usd} /></Stat>
            <Stat label="Time"><Num k="recommended.trainingHours" value={r.trainingHours} format={hours} /></Stat>
            <Stat label="Expected quality"><Num k="recommended.quality.expected" value={r.quality.expected} format={percent} /></Stat>
            <Stat label="Forgetting risk"><Num k="recommended.risk" value={r.risk} format={percent} /></Stat>
          </dl>
          <h3>Why</h3>
          <ul>{r.reasons.map((reason) => <li key={reason}>{reason}</li>)}</ul>
          {r.tradeOffs.length > 0 && <><h3>Trade-offs</h3><ul>{r.tradeOffs.map((t) => <li key={t}>{t}</li>)}</ul></>}
        </section>
      ) : <p class="verdict no-fit">Nothing meets the limits: {Object.entries(result.rejected).filter(([, v]) => v > 0).map(([k, v]) => `${v} ${k}`).join(', ')}</p>}
      {pareto.length > 0 && (
        <Chart name="pareto" signature={JSON.stringify(pareto.map((o) => o.id))} height={300}
          label={`Pareto frontier, cost against hours: ${pareto.map((o) => `${o.method} on ${o.gpuCount}× ${o.gpuName}: ${usd(o.costUsd)}, ${hours(o.trainingHours)}, quality ${percent(o.quality.expected)}`).join('; ')}`}
          data={[x, ...BANDS.map((band) => pareto.map((o) => (band.test(o.quality.expected) ? o.trainingHours : null)))]}
          options={{
            scales: { x: { time: false }, y: { range: (_u, min, max) => [0, max * 1.1 || 1] } },
            axes: [{ label: 'cost, USD', values: ticks(usd) }, { label: 'hours', size: 60 }],
            series: [{ label: 'cost' }, ...BANDS.map((band) => ({ label: band.label, stroke: band.color, fill: band.color, paths: () => null, points: { show: true, size: 10, fill: band.color, stroke: band.color }, value: (_u: unknown, v: number | null) => (v === null ? '—' : hours(v)) }))],
          }} />
      )}
      <p class="note">Searched {result.searched.configurations} configurations, {result.searched.feasible} feasible; the frontier holds {result.pareto.length}. {result.notes.join(' ')}</p>
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on narrow screens">
        <table>
          <caption>Ranked options</caption>
          <thead><tr><th scope="col">Option</th><th scope="col">Cost</th><th scope="col">Hours</th><th scope="col">Quality</th><th scope="col">Risk</th><th scope="col">Score</th></tr></thead>
          <tbody>
            {result.options.map((o, i) => (
              <tr key={o.id} class={o.id === r?.id ? 'best' : ''}>
                <th scope="row">{o.method}{o.rank ? ` r=${o.rank}` : ''}, {o.gpuCount}× {o.gpuName}, {o.provider} {o.pricingModel}</th>
                <td><Num k={`options.${i}.costUsd`} value={o.costUsd} format={usd} /></td>
                <td><Num k={`options.${i}.trainingHours`} value={o.trainingHours} format={hours} /></td>
                <td><Num k={`options.${i}.quality.expected`} value={o.quality.expected} format={percent} /></td>
                <td><Num k={`options.${i}.risk`} value={o.risk} format={percent} /></td>
                <td><Num k={`options.${i}.score`} value={o.score} format={(v) => v.toFixed(3)} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}
