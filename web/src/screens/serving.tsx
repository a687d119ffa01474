// 8. Serving and plans: serving N fine-tuned tasks as hot-swapped, merged, batched or ensembled
// LoRA adapters (POST /v1/serving), and multi-phase training plans, staged LoRA → full and
// gradual unfreezing among them (POST /v1/plans), for the shared setup.
import { calls, type Plan, type Serving } from '../api/calls.ts'
import type { Body } from '../api/client.ts'
import { RULES } from '../api/generated/rules.ts'
import { checkBody } from '../api/rules.ts'
import { useCatalog } from '../catalog.ts'
import { compact, enumOf, estimateRequestOf, HardwareFields, listIn, MethodFields, modelIn, ModelFields, numberIn, PricingFields, SETUP_DEFAULTS, TrainingFields } from '../setup.tsx'
import { useParams, type Params } from '../state.ts'
import { bars, Chart, COLORS, fromZero, gibAxis } from '../ui/chart.tsx'
import { formErrors, Num, ProblemBox, ready, RequestPanel, Stat, useAutoCall } from '../ui/call.tsx'
import { MultiCheck, NumberField, Section, SelectField, type Form } from '../ui/fields.tsx'
import { count, gib, hours, percent, plain, seconds, usd } from '../ui/format.ts'
import { modelAliases } from './estimate.tsx'

const DEFAULTS: Params = {
  ...SETUP_DEFAULTS,
  'adapter.rank': '16',
  'adapter.targetModules': '',
  tasks: '20',
  residentAdapters: '',
  ensembleSize: '',
  strategy: 'staged-lora-full',
  'options.loraShare': '',
  'options.rank': '',
  'options.stages': '',
  'options.lowRank': '',
  'options.highRank': '',
}
const KEYS = Object.keys(DEFAULTS)

export function ServingScreen() {
  const [params, set] = useParams('serving', DEFAULTS)
  const catalog = useCatalog()

  const servingProblems: Record<string, string> = {}
  const n = (key: string, into: Record<string, string>) => numberIn(params, key, into)
  const targets = listIn(params, 'adapter.targetModules')
  const servingBody = compact({
    model: modelIn(params, servingProblems),
    adapter: { rank: n('adapter.rank', servingProblems), targetModules: targets.length ? targets : undefined },
    tasks: n('tasks', servingProblems),
    gpu: params['hardware.gpu'],
    residentAdapters: n('residentAdapters', servingProblems),
    ensembleSize: n('ensembleSize', servingProblems),
  }) as Body<'/v1/serving', 'post'>
  const servingPrep = ready({ ...servingProblems, ...checkBody(RULES.serving, servingBody) }, calls.serving(servingBody))
  const serving = useAutoCall(servingPrep)

  const built = estimateRequestOf(params)
  const planProblems = { ...built.problems }
  const planBody = compact({
    request: built.body,
    strategy: params.strategy,
    options: {
      loraShare: n('options.loraShare', planProblems), rank: n('options.rank', planProblems), stages: n('options.stages', planProblems),
      lowRank: n('options.lowRank', planProblems), highRank: n('options.highRank', planProblems),
    },
  }) as Body<'/v1/plans', 'post'>
  const planPrep = ready({ ...planProblems, ...checkBody(RULES.plan, planBody) }, calls.plan(planBody))
  const plan = useAutoCall(planPrep)

  const aliases = modelAliases(params.modelSource)
  const servingErrors = formErrors(servingPrep, serving.shown, KEYS, [], { ...aliases, gpu: 'hardware.gpu' })
  const planErrors = formErrors(planPrep, plan.shown, KEYS, ['request'], aliases)
  const form: Form = { params, set, errors: { ...planErrors.fields, ...servingErrors.fields } }
  const strategy = params.strategy
  return (
    <div class="screen">
      <form class="inputs" onSubmit={(e) => e.preventDefault()} aria-label="Serving and plan inputs">
        <ModelFields form={form} catalog={catalog} />
        <Section title="Serving">
          <NumberField form={form} name="tasks" label="Tasks (one adapter each)" />
          <NumberField form={form} name="adapter.rank" label="Adapter rank" />
          <NumberField form={form} name="residentAdapters" label="Adapters kept on a GPU (hot-swap)" hint="Empty: 1." />
          <NumberField form={form} name="ensembleSize" label="Adapters per request (ensemble)" hint="Empty: 3." />
          <MultiCheck form={form} name="adapter.targetModules" label="Adapter targets (none ticked: q_proj, v_proj)" options={enumOf('adapter.targetModules', 'serving')} />
        </Section>
        <Section title="Plan">
          <SelectField form={form} name="strategy" label="Strategy" options={enumOf('strategy', 'plan').filter((s) => s !== 'custom')} />
          {strategy === 'staged-lora-full' && <NumberField form={form} name="options.loraShare" label="Share of tokens in the LoRA phase" hint="Empty: 0.5." />}
          {strategy === 'staged-lora-full' && <NumberField form={form} name="options.rank" label="LoRA rank" hint="Empty: 16." />}
          {strategy === 'gradual-unfreezing' && <NumberField form={form} name="options.stages" label="Stages" hint="Empty: 4." />}
          {strategy === 'mixed-ranks' && <NumberField form={form} name="options.lowRank" label="Lower layers' rank" hint="Empty: 8." />}
          {strategy === 'mixed-ranks' && <NumberField form={form} name="options.highRank" label="Top layers' rank" hint="Empty: 64." />}
        </Section>
        <MethodFields form={form} />
        <TrainingFields form={form} />
        <HardwareFields form={form} catalog={catalog} />
        <PricingFields form={form} catalog={catalog} />
      </form>
      <section class="results" aria-live="polite" aria-label="Serving and plans">
        <h2>Serving {params.tasks} tasks</h2>
        <ProblemBox messages={servingErrors.general} status={servingErrors.status} />
        {serving.shown?.outcome.ok && <ServingView result={serving.shown.outcome.data} />}
        {serving.shown && <RequestPanel call={serving.shown.call} name="serving" title="Serving" />}
        <h2>Plan: {strategy}</h2>
        <ProblemBox messages={planErrors.general} status={planErrors.status} />
        {plan.shown?.outcome.ok && <PlanView result={plan.shown.outcome.data} />}
        {plan.shown && <RequestPanel call={plan.shown.call} name="plan" title="Plan" />}
      </section>
    </div>
  )
}

function ServingView({ result }: { result: Serving }) {
  const modes = result.modes
  const x = modes.map((_, i) => i)
  return (
    <>
      <dl class="stats">
        <Stat label="Base model"><Num k="serving.baseBytes" value={result.baseBytes} format={gib} /></Stat>
        <Stat label="One adapter"><Num k="serving.adapterBytes" value={result.adapterBytes} format={gib} /> (<Num k="serving.adapterParams" value={result.adapterParams} format={count} /> parameters)</Stat>
        <Stat label="Storage: base + adapters"><Num k="serving.storage.adaptersBytes" value={result.storage.adaptersBytes} format={gib} /></Stat>
        <Stat label="Storage: merged copies"><Num k="serving.storage.fullCopiesBytes" value={result.storage.fullCopiesBytes} format={gib} /></Stat>
        <Stat label="Saving factor"><Num k="serving.storage.savingFactor" value={result.storage.savingFactor} format={(v) => `${v.toFixed(1)}×`} /></Stat>
      </dl>
      <Chart name="serving-gpus" signature={JSON.stringify(modes)} height={240}
        label={`GPU memory per GPU by serving mode: ${modes.map((m) => `${m.mode} ${gib(m.gpuMemoryPerGpuBytes)} on ${m.gpus} GPUs`).join(', ')}`}
        data={[x, modes.map((m) => m.gpuMemoryPerGpuBytes)]}
        options={{
          scales: { x: { time: false, range: [-0.6, modes.length - 0.4] }, y: { range: fromZero(...modes.map((m) => m.gpuMemoryPerGpuBytes)) } },
          axes: [{ values: (_u, ticks) => ticks.map((t) => modes[t]?.mode ?? ''), splits: () => x }, gibAxis('GiB per GPU')],
          series: [{ label: 'mode' }, { label: 'memory per GPU', fill: COLORS[4], stroke: COLORS[4], paths: bars(0.6), points: { show: false } }],
          legend: { show: false },
          cursor: { show: false },
        }} />
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on narrow screens">
        <table>
          <caption>Deployment modes</caption>
          <thead><tr><th scope="col">Mode</th><th scope="col">GPUs</th><th scope="col">Memory / GPU</th><th scope="col">Switch</th><th scope="col">Throughput</th><th scope="col">Storage</th></tr></thead>
          <tbody>
            {modes.map((m) => (
              <tr key={m.mode} data-mode={m.mode}>
                <th scope="row">{m.mode}</th>
                <td><Num k={`serving.${m.mode}.gpus`} value={m.gpus} format={plain} /></td>
                <td><Num k={`serving.${m.mode}.gpuMemoryPerGpuBytes`} value={m.gpuMemoryPerGpuBytes} format={gib} /></td>
                <td>{seconds(m.switchSeconds.low)}–{seconds(m.switchSeconds.high)}</td>
                <td>{percent(m.relativeThroughput.low)}–{percent(m.relativeThroughput.high)}</td>
                <td><Num k={`serving.${m.mode}.storageBytes`} value={m.storageBytes} format={gib} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}

function PlanView({ result }: { result: Plan }) {
  const phases = result.phases
  const x = phases.map((_, i) => i)
  return (
    <>
      <dl class="stats">
        <Stat label="Peak memory / GPU"><Num k="plan.peakMemoryBytes" value={result.peakMemoryBytes} format={gib} /> {result.fits ? 'fits' : 'does not fit'}</Stat>
        <Stat label="Training time"><Num k="plan.trainingHours" value={result.trainingHours} format={hours} /></Stat>
        <Stat label="GPU-hours"><Num k="plan.gpuHours" value={result.gpuHours} format={plain} /></Stat>
        <Stat label="Cost"><Num k="plan.costUsd" value={result.costUsd} format={usd} /></Stat>
        <Stat label="Forgetting risk"><Num k="plan.forgetting.risk" value={result.forgetting.risk} format={percent} /> {result.forgetting.level}</Stat>
      </dl>
      <Chart name="plan-phases" signature={JSON.stringify(phases)} height={240}
        label={`Peak memory per GPU by phase: ${phases.map((p) => `${p.name} ${gib(p.peakMemoryBytes)}, ${hours(p.trainingHours)}`).join('; ')}`}
        data={[x, phases.map((p) => p.peakMemoryBytes)]}
        options={{
          scales: { x: { time: false, range: [-0.6, phases.length - 0.4] }, y: { range: fromZero(...phases.map((p) => p.peakMemoryBytes)) } },
          axes: [{ values: (_u, ticks) => ticks.map((t) => phases[t]?.name ?? ''), splits: () => x }, gibAxis()],
          series: [{ label: 'phase' }, { label: 'peak memory per GPU', fill: COLORS[5], stroke: COLORS[5], paths: bars(0.6), points: { show: false } }],
          legend: { show: false },
          cursor: { show: false },
        }} />
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on narrow screens">
        <table>
          <caption>Phases</caption>
          <thead><tr><th scope="col">Phase</th><th scope="col">Method</th><th scope="col">Tokens</th><th scope="col">Trainable</th><th scope="col">Peak / GPU</th><th scope="col">Time</th><th scope="col">Cost</th></tr></thead>
          <tbody>
            {phases.map((p, i) => (
              <tr key={p.name}>
                <th scope="row">{p.name}</th><td>{p.method}</td>
                <td><Num k={`plan.phases.${i}.trainingTokens`} value={p.trainingTokens} format={count} /></td>
                <td><Num k={`plan.phases.${i}.trainableShare`} value={p.trainableShare} format={percent} /></td>
                <td><Num k={`plan.phases.${i}.peakMemoryBytes`} value={p.peakMemoryBytes} format={gib} /></td>
                <td><Num k={`plan.phases.${i}.trainingHours`} value={p.trainingHours} format={hours} /></td>
                <td><Num k={`plan.phases.${i}.costUsd`} value={p.costUsd} format={usd} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {result.warnings.length > 0 && <ul class="warnings">{result.warnings.map((w) => <li key={w}>{w}</li>)}</ul>}
    </>
  )
}
