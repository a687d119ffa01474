// 2. Compare methods: full, freeze, LoRA and QLoRA side by side for one setup (POST
// /v1/comparisons), and the parameter arithmetic of LoRA: an adapter adds r·(d_in + d_out) per
// matrix, 2dr for a square d×d projection, where full fine-tuning trains all d² of it; shown as
// the trainable share against the rank and against the width (POST /v1/estimates/sweep).
import { calls, type Comparison, type Sweep } from '../api/calls.ts'
import type { Body } from '../api/client.ts'
import { RULES } from '../api/generated/rules.ts'
import { checkBody } from '../api/rules.ts'
import { useCatalog, type Catalog } from '../catalog.ts'
import { compact, enumOf, estimateRequestOf, HardwareFields, listIn, modelFromConfig, ModelFields, numberIn, PricingFields, SETUP_DEFAULTS, TrainingFields } from '../setup.tsx'
import { useParams, type Params } from '../state.ts'
import { bars, Chart, COLORS, decades, gibAxis, overlay, ticks } from '../ui/chart.tsx'
import { formErrors, Num, ProblemBox, ready, RequestPanel, useAutoCall, type Preparation } from '../ui/call.tsx'
import { MultiCheck, NumberField, Section, SelectField, type Form } from '../ui/fields.tsx'
import { count, gib, hours, percent, rate, usd } from '../ui/format.ts'
import { modelAliases } from './estimate.tsx'

const DEFAULTS: Params = {
  ...SETUP_DEFAULTS,
  'lora.rank': '16',
  'lora.targetModules': '',
  'freeze.strategy': '',
  'freeze.trainableLayers': '',
  'qlora.quantization': 'nf4',
}
const KEYS = Object.keys(DEFAULTS)
const RANKS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
const WIDTH_FACTORS = [0.25, 0.5, 1, 2, 4]

function comparisonOf(params: Params): { body: Body<'/v1/comparisons', 'post'>; problems: Record<string, string> } {
  const { body: estimate, problems } = estimateRequestOf(params)
  const n = (key: string) => numberIn(params, key, problems)
  const targets = listIn(params, 'lora.targetModules')
  const body = compact({
    model: estimate.model,
    training: estimate.training,
    hardware: estimate.hardware,
    pricing: estimate.pricing,
    forgetting: estimate.forgetting,
    lora: { rank: n('lora.rank'), targetModules: targets.length ? targets : undefined },
    freeze: { strategy: params['freeze.strategy'] || undefined, trainableLayers: n('freeze.trainableLayers') },
    qlora: { quantization: params['qlora.quantization'] || undefined },
  }) as Body<'/v1/comparisons', 'post'>
  return { body, problems: { ...problems, ...checkBody(RULES.comparison, body) } }
}

/** The model as an inline spec (catalog row or pasted config), whose width a sweep may vary. */
function inlineModel(params: Params, catalog: Catalog | null): Record<string, unknown> | null {
  if (params.modelSource === 'config') {
    try { return modelFromConfig(params.modelConfig ?? '') } catch { return null }
  }
  const m = catalog?.models.find((x) => x.id === params.model)
  if (!m) return null
  return compact({
    name: m.name, hiddenSize: m.hiddenSize, intermediateSize: m.intermediateSize, numLayers: m.numLayers,
    numAttentionHeads: m.numAttentionHeads, numKeyValueHeads: m.numKeyValueHeads, vocabSize: m.vocabSize,
    tieWordEmbeddings: m.tieWordEmbeddings, numExperts: m.numExperts ?? undefined, expertsPerToken: m.expertsPerToken ?? undefined,
    moeIntermediateSize: m.moeIntermediateSize ?? undefined,
  })
}

export function CompareScreen() {
  const [params, set] = useParams('compare', DEFAULTS)
  const built = comparisonOf(params)
  const preparation = ready(built.problems, calls.compare(built.body))
  const comparison = useAutoCall(preparation)
  const catalog = useCatalog()

  // The parameter arithmetic: LoRA's trainable parameters against the rank, and LoRA's and full
  // fine-tuning's against the width (headDim left to follow the width: every projection scales).
  const { body: estimate } = estimateRequestOf(params)
  const targets = listIn(params, 'lora.targetModules')
  type Method = Body<'/v1/estimates', 'post'>['method']
  const lora = compact({ type: 'lora', targetModules: targets.length ? targets : undefined }) as Method
  const ranks = useAutoCall(ready(built.problems, calls.sweep({ request: { ...estimate, method: lora }, vary: { field: 'method.rank', values: RANKS } })))
  const model = inlineModel(params, catalog)
  const d = Number(model?.hiddenSize ?? 0)
  const heads = Number(model?.numAttentionHeads ?? 1)
  const widths = [...new Set(WIDTH_FACTORS.map((f) => Math.max(heads, Math.round((d * f) / heads) * heads)))]
  const widthBody = (method: Method) => ({
    request: { ...estimate, model: { ...model, headDim: undefined } as Body<'/v1/estimates', 'post'>['model'], method },
    vary: { field: 'model.hiddenSize', values: widths },
  })
  const widthPrep = (method: Method): Preparation<Sweep> => (model && d > 0
    ? ready(built.problems, calls.sweep(compact(widthBody(method)) as Body<'/v1/estimates/sweep', 'post'>))
    : { problems: { model: 'no architecture yet' } })
  const widthLora = useAutoCall(widthPrep(lora))
  const widthFull = useAutoCall(widthPrep({ type: 'full' }))

  const errors = formErrors(preparation, comparison.shown, KEYS, [], modelAliases(params.modelSource))
  const form: Form = { params, set, errors: errors.fields }
  const result = comparison.shown?.outcome.ok ? comparison.shown.outcome.data : null
  return (
    <div class="screen">
      <form class="inputs" onSubmit={(e) => e.preventDefault()} aria-label="Comparison inputs">
        <ModelFields form={form} catalog={catalog} />
        <Section title="Methods">
          <NumberField form={form} name="lora.rank" label="LoRA / QLoRA rank" />
          <SelectField form={form} name="qlora.quantization" label="QLoRA quantization" options={enumOf('qlora.quantization', 'comparison')} />
          <SelectField form={form} name="freeze.strategy" label="Freeze strategy" options={[['', 'default (conservative)'], ...enumOf('freeze.strategy', 'comparison').map((s): [string, string] => [s, s])]} />
          <NumberField form={form} name="freeze.trainableLayers" label="Or trainable top layers" />
          <MultiCheck form={form} name="lora.targetModules" label="LoRA targets (none ticked: all linear layers)" options={enumOf('lora.targetModules', 'comparison')} />
        </Section>
        <TrainingFields form={form} />
        <HardwareFields form={form} catalog={catalog} />
        <PricingFields form={form} catalog={catalog} />
      </form>
      <section class={`results${comparison.loading ? ' loading' : ''}`} aria-live="polite" aria-label="Comparison">
        <ProblemBox messages={errors.general} status={errors.status} />
        {result && <ComparisonView result={result} />}
        {comparison.shown && <RequestPanel call={comparison.shown.call} name="comparison" title="Methods" />}
        <h2>Parameter arithmetic</h2>
        <p class="note">Full fine-tuning trains every weight of a d×d projection: d². A LoRA adapter of rank r trains B·A, r·(d + d) = 2dr of them, so the trainable share falls as 2r/d: it grows with the rank and shrinks as models widen.</p>
        {ranks.shown?.outcome.ok && <RankChart sweep={ranks.shown.outcome.data} />}
        {ranks.shown && <RequestPanel call={ranks.shown.call} name="rank-sweep" title="Share against rank" />}
        {widthLora.shown?.outcome.ok && widthFull.shown?.outcome.ok && <WidthChart lora={widthLora.shown.outcome.data} full={widthFull.shown.outcome.data} />}
        {widthLora.shown && <RequestPanel call={widthLora.shown.call} name="width-sweep-lora" title="LoRA against width" />}
        {widthFull.shown && <RequestPanel call={widthFull.shown.call} name="width-sweep-full" title="Full against width" />}
      </section>
    </div>
  )
}

function ComparisonView({ result }: { result: Comparison }) {
  const rows = result.rows
  const capacity = rows[0]?.memory.capacityBytes ?? 0
  const x = rows.map((_, i) => i)
  return (
    <>
      <Chart name="methods-memory" signature={JSON.stringify(rows)} height={280}
        label={`Memory per GPU by method: ${rows.map((r) => `${r.label} ${gib(r.memory.perGpuBytes)}`).join(', ')}; capacity ${gib(capacity)}`}
        data={[x, rows.map((r) => r.memory.perGpuBytes)]}
        options={{
          scales: { x: { time: false, range: [-0.6, rows.length - 0.4] }, y: { range: [0, Math.max(capacity, ...rows.map((r) => r.memory.highBytes)) * 1.1] } },
          axes: [{ values: (_u, t) => t.map((i) => rows[i]?.method ?? ''), splits: () => x, size: 40 }, gibAxis()],
          series: [{ label: 'method' }, { label: 'Memory per GPU', fill: COLORS[0], stroke: COLORS[0], paths: bars(0.6), points: { show: false } }],
          legend: { show: false },
          cursor: { show: false },
          hooks: { draw: [overlay({ rule: { value: capacity, label: `capacity ${gib(capacity)}` }, whiskers: { x, low: rows.map((r) => r.memory.lowBytes), high: rows.map((r) => r.memory.highBytes) } })] },
        }} />
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on narrow screens">
        <table class="comparison">
          <caption>Methods side by side (best on each criterion among those that fit in bold green)</caption>
          <thead><tr><th scope="col">Method</th><th scope="col">Trainable</th><th scope="col">Memory / GPU</th><th scope="col">Fits</th><th scope="col">Tokens/s</th><th scope="col">Time</th><th scope="col">Cost</th><th scope="col">Forgetting</th><th scope="col">Quality</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.method} data-method={r.method}>
                <th scope="row">{r.label}</th>
                <td><Num k={`${r.method}.parameters.trainable`} value={r.parameters.trainable} format={count} /> (<Num k={`${r.method}.parameters.trainableShare`} value={r.parameters.trainableShare} format={percent} />)</td>
                <td class={result.best.memory === r.method ? 'best' : ''}><Num k={`${r.method}.memory.perGpuBytes`} value={r.memory.perGpuBytes} format={gib} /></td>
                <td>{r.memory.fits ? 'yes' : 'no'}</td>
                <td class={result.best.speed === r.method ? 'best' : ''}><Num k={`${r.method}.speed.tokensPerSecond`} value={r.speed.tokensPerSecond} format={rate} /></td>
                <td><Num k={`${r.method}.speed.trainingHours`} value={r.speed.trainingHours} format={hours} /></td>
                <td class={result.best.cost === r.method ? 'best' : ''}><Num k={`${r.method}.costUsd`} value={r.costUsd} format={usd} /></td>
                <td class={result.best.risk === r.method ? 'best' : ''}><Num k={`${r.method}.forgetting.risk`} value={r.forgetting.risk} format={percent} /> {r.forgetting.level}</td>
                <td class={result.best.quality === r.method ? 'best' : ''}><Num k={`${r.method}.quality.expected`} value={r.quality.expected} format={percent} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}

function RankChart({ sweep }: { sweep: Sweep }) {
  const x = sweep.points.map((p) => p.value)
  const share = sweep.points.map((p) => p.trainableShare)
  return (
    <Chart name="rank-share" signature={JSON.stringify(sweep.points)} height={220}
      label={`LoRA trainable share against rank: ${sweep.points.map((p, i) => `r=${p.value}: ${percent(share[i]!)}`).join(', ')}`}
      data={[x, share]}
      options={{
        scales: { x: { time: false, distr: 3, log: 2 }, y: { distr: 3, log: 10 } },
        axes: [{ label: 'LoRA rank r' }, { label: 'trainable share', values: ticks(percent), splits: decades, size: 70 }],
        series: [{ label: 'rank' }, { label: 'LoRA trainable / all parameters', stroke: COLORS[0], width: 2, value: (_u, v) => (v === null ? '—' : percent(v)) }],
      }} />
  )
}

function WidthChart({ lora, full }: { lora: Sweep; full: Sweep }) {
  const x = lora.points.map((p) => p.value)
  return (
    <Chart name="width-params" signature={JSON.stringify([lora.points, full.points])} height={240}
      label={`Trainable parameters against width: ${lora.points.map((p, i) => `d=${p.value}: LoRA ${count(p.trainableParameters)}, full ${count(full.points[i]?.trainableParameters ?? 0)}`).join('; ')}`}
      data={[x, full.points.map((p) => p.trainableParameters), lora.points.map((p) => p.trainableParameters)]}
      options={{
        scales: { x: { time: false, distr: 3, log: 2 }, y: { distr: 3, log: 10 } },
        axes: [{ label: 'width d (hiddenSize)' }, { label: 'trainable parameters', values: ticks(count), splits: decades, size: 70 }],
        series: [{ label: 'd' }, { label: 'full (∝ d²)', stroke: COLORS[1], width: 2, value: (_u, v) => (v === null ? '—' : count(v)) }, { label: 'LoRA (∝ 2dr)', stroke: COLORS[0], width: 2, value: (_u, v) => (v === null ? '—' : count(v)) }],
      }} />
  )
}
