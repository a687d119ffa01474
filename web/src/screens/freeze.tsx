// 3. Layer freezing explorer: the model's decoder layers as a stack, the named strategies
// (conservative: the upper half and the head; attention-only: attention and norms of every layer;
// aggressive: the top quarter) and a custom pick: clicking a layer trains it and every layer above
// it, which is what the API's method.trainableLayers says (the top k layers). Trainable parameters,
// memory, the memory saved against full fine-tuning and the forgetting risk come from
// POST /v1/estimates (this pick, and full fine-tuning), and the curve over every k from a sweep.
import { calls, type Estimate, type Sweep } from '../api/calls.ts'
import type { Body } from '../api/client.ts'
import { RULES } from '../api/generated/rules.ts'
import { checkBody } from '../api/rules.ts'
import { useCatalog } from '../catalog.ts'
import { estimateRequestOf, HardwareFields, modelFromConfig, ModelFields, SETUP_DEFAULTS, TrainingFields } from '../setup.tsx'
import { useParams, type Params } from '../state.ts'
import { Chart, COLORS, gibAxis, overlay, ticks } from '../ui/chart.tsx'
import { formErrors, Num, ProblemBox, ready, RequestPanel, Stat, useAutoCall } from '../ui/call.tsx'
import { NumberField, Section, SelectField, type Form } from '../ui/fields.tsx'
import { count, gib, percent } from '../ui/format.ts'
import { modelAliases } from './estimate.tsx'

const DEFAULTS: Params = { ...SETUP_DEFAULTS, 'method.type': 'freeze', 'method.strategy': 'conservative', 'method.trainableLayers': '' }
const KEYS = Object.keys(DEFAULTS)

/** Which parts train under a pick, for drawing: the same rules the API documents for each strategy. */
function trained(params: Params, layers: number): { first: number; attentionOnly: boolean; head: boolean } {
  const k = Number(params['method.trainableLayers'])
  if (params['method.trainableLayers'] && Number.isInteger(k)) return { first: Math.max(0, layers - k), attentionOnly: false, head: false }
  switch (params['method.strategy']) {
    case 'attention-only': return { first: 0, attentionOnly: true, head: false }
    case 'aggressive': return { first: layers - Math.ceil(layers * 0.25), attentionOnly: false, head: false }
    case 'conservative': return { first: layers - Math.ceil(layers / 2), attentionOnly: false, head: true }
    // Neither a strategy nor a count: the API trains the last two layers (LLaMA-Factory's default).
    default: return { first: Math.max(0, layers - 2), attentionOnly: false, head: false }
  }
}

export function FreezeScreen() {
  const [params, set] = useParams('freeze', DEFAULTS)
  const catalog = useCatalog()
  const built = estimateRequestOf({ ...params, 'method.type': 'freeze' })
  const body = built.body
  const problems = { ...built.problems, ...checkBody(RULES.estimate, body) }
  const preparation = ready(problems, calls.estimate(body))
  const pick = useAutoCall(preparation)
  const full = useAutoCall(ready(problems, calls.estimate({ ...body, method: { type: 'full' } })))

  const layers = params.modelSource === 'config'
    ? (() => { try { return Number(modelFromConfig(params.modelConfig ?? '').numLayers) || 0 } catch { return 0 } })()
    : catalog?.models.find((m) => m.id === params.model)?.numLayers ?? 0
  const sweepBody = { request: { ...body, method: { type: 'freeze' as const, trainableLayers: 1 } }, vary: { field: 'method.trainableLayers', values: Array.from({ length: layers }, (_, i) => i + 1) } } as Body<'/v1/estimates/sweep', 'post'>
  const curve = useAutoCall(layers > 0 ? ready(problems, calls.sweep(sweepBody)) : { problems: { model: 'no layer count yet' } })

  const errors = formErrors(preparation, pick.shown, KEYS, [], modelAliases(params.modelSource))
  const form: Form = { params, set, errors: errors.fields }
  const result = pick.shown?.outcome.ok ? pick.shown.outcome.data : null
  const baseline = full.shown?.outcome.ok ? full.shown.outcome.data : null
  const shape = trained(params, layers)
  const k = params['method.trainableLayers'] ? Number(params['method.trainableLayers']) : shape.attentionOnly ? null : layers - shape.first

  const pickLayer = (index: number) => set({ 'method.trainableLayers': String(layers - index), 'method.strategy': '' })
  return (
    <div class="screen">
      <form class="inputs" onSubmit={(e) => e.preventDefault()} aria-label="Freezing inputs">
        <ModelFields form={form} catalog={catalog} />
        <Section title="What trains">
          <SelectField form={form} name="method.strategy" label="Strategy" options={[['', 'custom (top layers)'], ['conservative', 'conservative: upper half + head'], ['attention-only', 'attention-only: every layer\'s attention'], ['aggressive', 'aggressive: top quarter']]} />
          <NumberField form={form} name="method.trainableLayers" label="Trainable top layers" hint="Or click a layer in the stack." />
        </Section>
        <TrainingFields form={form} data={false} />
        <HardwareFields form={form} catalog={catalog} />
      </form>
      <section class={`results${pick.loading ? ' loading' : ''}`} aria-live="polite" aria-label="Freezing">
        <ProblemBox messages={errors.general} status={errors.status} />
        {result && <FreezeFigures result={result} baseline={baseline} />}
        <div class="freeze-layout">
          {layers > 0 && <LayerStack layers={layers} shape={shape} onPick={pickLayer} onAttention={() => set({ 'method.strategy': 'attention-only', 'method.trainableLayers': '' })} />}
          {curve.shown?.outcome.ok && <FreezeCurve sweep={curve.shown.outcome.data} k={k} />}
        </div>
        {pick.shown && <RequestPanel call={pick.shown.call} name="freeze" title="This pick" />}
        {full.shown && <RequestPanel call={full.shown.call} name="full" title="Full fine-tuning" />}
        {curve.shown && <RequestPanel call={curve.shown.call} name="freeze-sweep" title="Every k" />}
      </section>
    </div>
  )
}

function FreezeFigures({ result, baseline }: { result: Estimate; baseline: Estimate | null }) {
  const total = result.memory.perGpu.totalBytes
  return (
    <dl class="stats">
      <Stat label="Trainable parameters"><Num k="parameters.trainable" value={result.parameters.trainable} format={count} /> (<Num k="parameters.trainableShare" value={result.parameters.trainableShare} format={percent} />)</Stat>
      <Stat label="Memory per GPU"><Num k="memory.perGpu.totalBytes" value={total} format={gib} /> {result.memory.fits ? 'fits' : 'does not fit'}</Stat>
      {baseline && <Stat label="Full fine-tuning needs"><Num k="full.memory.perGpu.totalBytes" value={baseline.memory.perGpu.totalBytes} format={gib} /></Stat>}
      {baseline && <Stat label="Saved against full (full − this)"><Num k="memorySavedBytes" value={baseline.memory.perGpu.totalBytes - total} format={gib} /></Stat>}
      <Stat label="Forgetting risk"><Num k="forgetting.risk" value={result.forgetting.risk} format={percent} /> {result.forgetting.level}</Stat>
      {baseline && <Stat label="Full fine-tuning's risk"><Num k="full.forgetting.risk" value={baseline.forgetting.risk} format={percent} /></Stat>}
    </dl>
  )
}

function LayerStack({ layers, shape, onPick, onAttention }: { layers: number; shape: ReturnType<typeof trained>; onPick: (i: number) => void; onAttention: () => void }) {
  const rows = Array.from({ length: layers }, (_, i) => i)
  return (
    <figure class="layer-stack" aria-label={`${layers} decoder layers; pressed parts train`}>
      <figcaption>Decoder layers (top = last). Click a layer to train it and every layer above; <button type="button" class="secondary" onClick={onAttention}>attention only</button></figcaption>
      <div class="layers">
        <div class="layer embed"><span>embed</span><span class="part">embeddings: frozen</span></div>
        {rows.map((i) => {
          const layerTrains = i >= shape.first
          return (
            <div class="layer" key={i} data-layer={i}>
              <span>{i}</span>
              <button type="button" aria-pressed={layerTrains} aria-label={`attn, layer ${i} attention`} onClick={() => onPick(i)}>attn</button>
              <button type="button" aria-pressed={layerTrains && !shape.attentionOnly} aria-label={`mlp, layer ${i} MLP`} onClick={() => onPick(i)}>mlp</button>
            </div>
          )
        })}
        <div class="layer head"><span>head</span><span class={`part${shape.head ? ' trains' : ''}`}>lm_head: {shape.head ? 'trains' : 'frozen'}</span></div>
      </div>
    </figure>
  )
}

function FreezeCurve({ sweep, k }: { sweep: Sweep; k: number | null }) {
  const x = sweep.points.map((p) => p.value)
  const capacity = sweep.points[0]?.capacityBytes ?? 0
  return (
    <Chart name="freeze-curve" signature={JSON.stringify(sweep.points) + k} height={300}
      label={`Memory per GPU and forgetting risk against the number of trained top layers, 1 to ${x.length}`}
      data={[x, sweep.points.map((p) => p.totalBytes), sweep.points.map((p) => p.forgettingRisk)]}
      options={{
        scales: { x: { time: false }, y: { range: [0, Math.max(capacity, ...sweep.points.map((p) => p.totalBytes)) * 1.1] }, risk: { range: [0, 1] } },
        axes: [{ label: 'trained top layers k' }, gibAxis(), { scale: 'risk', side: 1, label: 'forgetting risk', values: ticks(percent), grid: { show: false }, size: 60 }],
        series: [{ label: 'k' }, { label: 'memory per GPU', stroke: COLORS[0], width: 2, value: (_u, v) => (v === null ? '—' : gib(v)) }, { label: 'forgetting risk', scale: 'risk', stroke: COLORS[1], width: 2, value: (_u, v) => (v === null ? '—' : percent(v)) }],
        hooks: { draw: [overlay({ rule: { value: capacity, label: `capacity ${gib(capacity)}` }, ...(k !== null ? { marker: { x: k, label: `k = ${k}` } } : {}) })] },
      }} />
  )
}
