// 5. Forgetting simulator: the API's forgetting risk against training steps for one method and
// learning rate, and how each prevention technique bends the curve: L2 toward the base weights
// (forgetting.regularization), selective freezing (the top k layers only), a low-rank adapter
// (LoRA r) and replay of original data (forgetting.replayShare), each alone and all together.
// Every curve is one POST /v1/estimates/sweep over training.datasetTokens = steps × tokens per step.
import { calls, type Sweep } from '../api/calls.ts'
import type { Body, EstimateRequest } from '../api/client.ts'
import { RULES } from '../api/generated/rules.ts'
import { checkBody } from '../api/rules.ts'
import { useCatalog } from '../catalog.ts'
import { compact, enumOf, estimateRequestOf, HardwareFields, MethodFields, ModelFields, numberIn, SETUP_DEFAULTS } from '../setup.tsx'
import { useParams, type Params } from '../state.ts'
import { Chart, COLORS, ticks } from '../ui/chart.tsx'
import { formErrors, Num, ProblemBox, ready, RequestPanel, useAutoCall, type Mapped, type Preparation } from '../ui/call.tsx'
import { NumberField, Section, SelectField, type Form } from '../ui/fields.tsx'
import { percent, plain } from '../ui/format.ts'
import { modelAliases } from './estimate.tsx'

const DEFAULTS: Params = {
  ...SETUP_DEFAULTS,
  'method.type': 'full',
  'forgetting.learningRate': '2e-5',
  'forgetting.domain': '',
  'forgetting.regime': '',
  'sim.steps': '3000',
  'sim.l2': '1',
  'sim.freezeLayers': '8',
  'sim.rank': '16',
  'sim.replay': '0.1',
}
const KEYS = Object.keys(DEFAULTS)
const POINTS = 24

interface Curve { id: string; label: string; aliases: Record<string, string>; patch: (r: EstimateRequest) => EstimateRequest }

export function ForgettingScreen() {
  const [params, set] = useParams('forgetting', DEFAULTS)
  const catalog = useCatalog()
  const built = estimateRequestOf(params)
  const problems = { ...built.problems }
  const n = (key: string) => numberIn(params, key, problems)
  const steps = n('sim.steps') ?? 0
  const base = built.body
  const t = base.training
  const tokensPerStep = t.microBatchSize * t.sequenceLength * (t.gradientAccumulationSteps ?? 1) * (base.hardware.count ?? 1)
  const forgetting = compact({ ...base.forgetting, domain: params['forgetting.domain'] || undefined, regime: params['forgetting.regime'] || undefined }) as EstimateRequest['forgetting']
  const request: EstimateRequest = { ...base, training: { ...t, epochs: 1 }, forgetting }
  const l2 = n('sim.l2')
  const freezeLayers = n('sim.freezeLayers')
  const rank = n('sim.rank')
  const replay = n('sim.replay')
  const withForgetting = (r: EstimateRequest, extra: Record<string, unknown>) => ({ ...r, forgetting: { ...r.forgetting, ...extra } })
  const curves: Curve[] = [{ id: 'baseline', label: 'as set', aliases: {}, patch: (r) => r }]
  if (l2 !== undefined) curves.push({ id: 'l2', label: `L2 toward the base, λ = ${plain(l2)}`, aliases: { 'forgetting.regularization': 'sim.l2' }, patch: (r) => withForgetting(r, { regularization: { kind: 'l2-sp', lambda: l2 } }) })
  if (freezeLayers !== undefined) curves.push({ id: 'freeze', label: `selective freezing, top ${plain(freezeLayers)} layers`, aliases: { 'method.trainableLayers': 'sim.freezeLayers' }, patch: (r) => ({ ...r, method: { type: 'freeze', trainableLayers: freezeLayers } }) })
  if (rank !== undefined) curves.push({ id: 'rank', label: `low rank, LoRA r = ${plain(rank)}`, aliases: { 'method.rank': 'sim.rank' }, patch: (r) => ({ ...r, method: { type: 'lora', rank } }) })
  if (replay !== undefined) curves.push({ id: 'replay', label: `replay, ${percent(replay)} original data`, aliases: { 'forgetting.replayShare': 'sim.replay' }, patch: (r) => withForgetting(r, { replayShare: replay }) })
  if (curves.length > 2) {
    curves.push({
      id: 'all', label: 'all of them', aliases: { 'forgetting.regularization': 'sim.l2', 'forgetting.replayShare': 'sim.replay', 'method.rank': 'sim.rank', 'method.trainableLayers': 'sim.freezeLayers' },
      patch: (r) => {
        let out = r
        if (l2 !== undefined) out = withForgetting(out, { regularization: { kind: 'l2-sp', lambda: l2 } })
        if (replay !== undefined) out = withForgetting(out, { replayShare: replay })
        if (rank !== undefined) out = { ...out, method: { type: 'lora', rank } }
        else if (freezeLayers !== undefined) out = { ...out, method: { type: 'freeze', trainableLayers: freezeLayers } }
        return out
      },
    })
  }
  const values = Array.from({ length: POINTS }, (_, i) => Math.max(1, Math.round((steps * (i + 1)) / POINTS)) * tokensPerStep)
  if (!(steps >= 1)) problems['sim.steps'] = 'must be >= 1'

  // One sweep per curve; hooks in a fixed order (five slots), empty where a technique is off.
  const slots = ['baseline', 'l2', 'freeze', 'rank', 'replay', 'all'].map((id) => curves.find((c) => c.id === id))
  const runs = slots.map((curve) => {
    if (!curve) return { curve, preparation: { problems: { off: 'off' } } as Preparation<Sweep> }
    const body = { request: curve.patch(request), vary: { field: 'training.datasetTokens', values } } as Body<'/v1/estimates/sweep', 'post'>
    const own = { ...problems, ...checkBody(RULES.sweep, body) }
    return { curve, preparation: ready(own, calls.sweep(body)) }
  })
  const results = runs.map((r) => useAutoCall(r.preparation))
  const fields: Mapped = { fields: {}, general: [] }
  runs.forEach((r, i) => {
    if (!r.curve) return
    const e = formErrors(r.preparation, results[i]!.shown, KEYS, ['request'], { ...modelAliases(params.modelSource), ...r.curve.aliases })
    for (const [k, v] of Object.entries(e.fields)) fields.fields[k] ??= v
    for (const m of e.general) if (!fields.general.includes(m)) fields.general.push(m)
  })
  const form: Form = { params, set, errors: fields.fields }
  const done = runs.map((r, i) => ({ curve: r.curve, sweep: results[i]!.shown?.outcome.ok ? results[i]!.shown!.outcome.data : null, shown: results[i]!.shown }))
    .filter((d): d is { curve: Curve; sweep: Sweep; shown: NonNullable<typeof d.shown> } => d.curve !== undefined && d.sweep !== null)
  const stepsAxis = values.map((v) => v / tokensPerStep)
  return (
    <div class="screen">
      <form class="inputs" onSubmit={(e) => e.preventDefault()} aria-label="Forgetting inputs">
        <Section title="Run">
          <NumberField form={form} name="forgetting.learningRate" label="Learning rate" />
          <NumberField form={form} name="sim.steps" label="Optimizer steps" hint={`${plain(tokensPerStep)} tokens per step (micro-batch × sequence × accumulation × GPUs).`} />
          <SelectField form={form} name="forgetting.domain" label="Data" options={[['', 'default'], ...enumOf('forgetting.domain').map((s): [string, string] => [s, s === 'far' ? 'far (code-like)' : 'near (chat, math, prose)'])]} />
          <SelectField form={form} name="forgetting.regime" label="Regime" options={[['', 'default'], ...enumOf('forgetting.regime').map((s): [string, string] => [s, s])]} />
          <NumberField form={form} name="training.microBatchSize" label="Micro-batch size" />
          <NumberField form={form} name="training.sequenceLength" label="Sequence length" />
          <NumberField form={form} name="training.gradientAccumulationSteps" label="Gradient accumulation" />
        </Section>
        <Section title="Prevention (empty = off)">
          <NumberField form={form} name="sim.l2" label="L2 toward the base, λ" />
          <NumberField form={form} name="sim.freezeLayers" label="Selective freezing: top layers" />
          <NumberField form={form} name="sim.rank" label="Low rank: LoRA r" />
          <NumberField form={form} name="sim.replay" label="Replay share (0–1)" />
        </Section>
        <ModelFields form={form} catalog={catalog} />
        <MethodFields form={form} />
        <HardwareFields form={form} catalog={catalog} />
      </form>
      <section class="results" aria-live="polite" aria-label="Forgetting">
        <ProblemBox messages={fields.general} />
        {done.length > 0 && (
          <>
            <Chart name="forgetting-curves" signature={JSON.stringify(done.map((d) => [d.curve.label, d.sweep.points]))} height={300}
              label={`Forgetting risk against optimizer steps: ${done.map((d) => `${d.curve.label} ${percent(d.sweep.points.at(-1)!.forgettingRisk)} at ${plain(steps)} steps`).join('; ')}`}
              data={[stepsAxis, ...done.map((d) => d.sweep.points.map((p) => p.forgettingRisk))]}
              options={{
                scales: { x: { time: false }, y: { range: [0, 1] } },
                axes: [{ label: 'optimizer steps' }, { label: 'forgetting risk', values: ticks(percent), size: 60 }],
                series: [{ label: 'steps' }, ...done.map((d, i) => ({ label: d.curve.label, stroke: COLORS[i % COLORS.length], width: d.curve.id === 'baseline' ? 3 : 2, value: (_u: unknown, v: number | null) => (v === null ? '—' : percent(v)) }))],
              }} />
            <table>
              <caption>Risk at {plain(steps)} steps</caption>
              <thead><tr><th scope="col">Curve</th><th scope="col">Risk</th><th scope="col">Trainable parameters</th></tr></thead>
              <tbody>
                {done.map((d) => (
                  <tr key={d.curve.id} data-curve={d.curve.id}>
                    <th scope="row">{d.curve.label}</th>
                    <td><Num k={`${d.curve.id}.forgettingRisk`} value={d.sweep.points.at(-1)!.forgettingRisk} format={percent} /></td>
                    <td><Num k={`${d.curve.id}.trainableParameters`} value={d.sweep.points.at(-1)!.trainableParameters} format={plain} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p class="note">The risk is the API's model of catastrophic forgetting (exposure = tokens × learning rate, the share of weights trained, replay, regularisation), fitted to published Llama-2-7B measurements: a guide to direction and size, not a measurement of your run.</p>
          </>
        )}
        {runs.map((r, i) => r.curve && results[i]!.shown && <RequestPanel key={r.curve.id} call={results[i]!.shown!.call} name={`forgetting-${r.curve.id}`} title={r.curve.label} />)}
      </section>
    </div>
  )
}
