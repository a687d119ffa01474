// 9. Scenarios and reports: save the shared setup as a scenario (POST /v1/scenarios, an editor
// key), list, open and re-price stored ones, and the cost report by team, project or month
// (GET /v1/reports/costs) with its CSV.
import { useEffect, useState } from 'preact/hooks'
import { calls, type Report, type Reprice, type Scenario, type ScenarioPage } from '../api/calls.ts'
import { api, apiKey } from '../api/client.ts'
import { RULES } from '../api/generated/rules.ts'
import { checkBody } from '../api/rules.ts'
import { enumOf, estimateRequestOf, SETUP_DEFAULTS, SETUP_KEYS, setupOfRequest } from '../setup.tsx'
import { hashOf, useParams, type Params } from '../state.ts'
import { bars, Chart, COLORS, fromZero, ticks } from '../ui/chart.tsx'
import { formErrors, mapProblem, Num, placeProblems, ProblemBox, ready, RequestPanel, Stat, useAction, useAutoCall, type Mapped } from '../ui/call.tsx'
import { Section, SelectField, TextField, type Form } from '../ui/fields.tsx'
import { plain, usd } from '../ui/format.ts'
import { EstimateView } from './estimate.tsx'

const DEFAULTS: Params = { ...SETUP_DEFAULTS, name: '', team: '', project: '', open: '', groupBy: 'team', from: '', to: '' }
const KEYS = Object.keys(DEFAULTS)
const SAVE_KEYS = ['name', 'team', 'project']

export function ScenariosScreen() {
  const [params, set] = useParams('scenarios', DEFAULTS)
  const built = estimateRequestOf(params)
  const saveBody = { name: params.name ?? '', ...(params.team ? { team: params.team } : {}), ...(params.project ? { project: params.project } : {}), request: built.body }
  const saveProblems = { ...built.problems, ...checkBody(RULES.scenario, saveBody) }
  const [saved, saving, save] = useAction<Scenario>()
  const [list, listing, refresh] = useAction<ScenarioPage>()
  const [opened, , open] = useAction<Scenario>()
  const [repriced, repricing, reprice] = useAction<Reprice>()
  useEffect(() => { void refresh(calls.scenarios()) }, [])
  useEffect(() => { if (params.open) void open(calls.scenario(params.open)) }, [params.open])

  const reportQuery = { groupBy: params.groupBy ?? 'team', ...(params.from ? { from: params.from } : {}), ...(params.to ? { to: params.to } : {}) }
  const reportPrep = ready(checkBody(RULES.report, reportQuery), calls.report(reportQuery))
  const [revision, setRevision] = useState(0)
  const report = useAutoCall(reportPrep, 300, revision)

  // Saving names its own fields; what it says about the setup (not on this screen) reads as a message.
  const [attempted, setAttempted] = useState(false)
  const saveErrors: Mapped & { status?: number } = attempted && Object.keys(saveProblems).length
    ? placeProblems(saveProblems, SAVE_KEYS)
    : saved && !saved.outcome.ok ? { ...mapProblem(saved.outcome.problem, SAVE_KEYS), status: saved.outcome.problem.status } : { fields: {}, general: [] }
  const reportErrors = formErrors(reportPrep, report.shown, KEYS)
  const form: Form = { params, set, errors: { ...reportErrors.fields, ...saveErrors.fields } }

  const onSave = async () => {
    setAttempted(true)
    if (Object.keys(saveProblems).length) return
    const outcome = await save(calls.createScenario(saveBody as Parameters<typeof calls.createScenario>[0]))
    if (outcome.ok) { set({ open: outcome.data.id }); setRevision((r) => r + 1); void refresh(calls.scenarios()) }
  }
  const setup = Object.fromEntries(SETUP_KEYS.map((k) => [k, params[k] ?? '']))
  return (
    <div class="screen">
      <div class="inputs">
        <form onSubmit={(e) => { e.preventDefault(); void onSave() }} aria-label="Save a scenario">
          <Section title="Save the current setup">
            <TextField form={form} name="name" label="Name" placeholder="support-bot LoRA on A100" />
            <TextField form={form} name="team" label="Team" />
            <TextField form={form} name="project" label="Project" />
          </Section>
          <p class="note">Setup: {typeof built.body.model === 'string' ? built.body.model : 'inline model'}, {built.body.method.type}, {built.body.training.microBatchSize} × {built.body.training.sequenceLength} tokens on {built.body.hardware.count ?? 1} × {String(built.body.hardware.gpu)} (<a href={hashOf('estimate', setup, SETUP_DEFAULTS)}>change it on the Estimate screen</a>). Saving needs an editor key {apiKey.get() ? '(set above).' : '(enter it in "API key" above).'}</p>
          <button type="submit" disabled={saving}>Save scenario</button>
        </form>
        <form onSubmit={(e) => e.preventDefault()} aria-label="Cost report">
          <Section title="Cost report">
            <SelectField form={form} name="groupBy" label="Group by" options={enumOf('groupBy', 'report')} />
            <TextField form={form} name="from" label="From (YYYY-MM-DD)" />
            <TextField form={form} name="to" label="To (exclusive)" />
          </Section>
        </form>
      </div>
      <section class="results" aria-live="polite" aria-label="Scenarios and reports">
        <ProblemBox messages={saveErrors.general} status={saveErrors.status} />
        {saved?.outcome.ok && <p class="verdict fits" data-key="saved.id" data-value={saved.outcome.data.id}>Saved “{saved.outcome.data.name}”.</p>}
        {saved && <RequestPanel call={saved.call} name="save" title="Save" />}

        <h2>Scenarios</h2>
        {list && !list.outcome.ok && <ProblemBox messages={[list.outcome.problem.detail ?? `HTTP ${list.outcome.problem.status}`]} status={list.outcome.problem.status} />}
        {list?.outcome.ok && <ScenarioList page={list.outcome.data} openId={params.open ?? ''} onOpen={(id) => set({ open: id })} onReprice={(id) => { set({ open: id }); void reprice(calls.reprice(id)) }} busy={listing || repricing} />}
        {list && <RequestPanel call={list.call} name="scenarios" title="List" />}

        {repriced && repriced.outcome.ok && <RepriceView result={repriced.outcome.data} />}
        {repriced && !repriced.outcome.ok && <ProblemBox messages={[repriced.outcome.problem.detail ?? `HTTP ${repriced.outcome.problem.status}`]} />}
        {repriced && <RequestPanel call={repriced.call} name="reprice" title="Re-price" />}

        {opened?.outcome.ok && params.open && <ScenarioDetail scenario={opened.outcome.data} />}
        {opened && !opened.outcome.ok && <ProblemBox messages={[opened.outcome.problem.detail ?? `HTTP ${opened.outcome.problem.status}`]} status={opened.outcome.problem.status} />}
        {opened && params.open && <RequestPanel call={opened.call} name="scenario" title="Open" />}

        <h2>Cost report by {params.groupBy}</h2>
        <ProblemBox messages={reportErrors.general} status={reportErrors.status} />
        {report.shown?.outcome.ok && <ReportView report={report.shown.outcome.data} query={reportQuery} />}
        {report.shown && <RequestPanel call={report.shown.call} name="report" title="Report" />}
      </section>
    </div>
  )
}

function ScenarioList({ page, openId, onOpen, onReprice, busy }: { page: ScenarioPage; openId: string; onOpen: (id: string) => void; onReprice: (id: string) => void; busy: boolean }) {
  if (page.items.length === 0) return <p class="note">No scenarios yet: save one.</p>
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on narrow screens">
      <table>
        <caption>Newest first</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Team / project</th><th scope="col">Setup</th><th scope="col">GPU-hours</th><th scope="col">Total cost</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
          {page.items.map((s) => (
            <tr key={s.id} class={s.id === openId ? 'selected' : ''} data-scenario={s.id}>
              <th scope="row">{s.name}</th>
              <td>{s.team ?? '—'} / {s.project ?? '—'}</td>
              <td>{s.modelName}, {s.method}, {s.gpuCount} × {s.gpuName}</td>
              <td><Num k={`scenarios.${s.id}.gpuHours`} value={s.gpuHours} format={plain} /></td>
              <td><Num k={`scenarios.${s.id}.totalCostUsd`} value={s.totalCostUsd} format={usd} /></td>
              <td class="row">
                <button type="button" class="secondary" onClick={() => onOpen(s.id)} aria-label={`Open ${s.name}`}>Open</button>
                <button type="button" class="secondary" disabled={busy} onClick={() => onReprice(s.id)} aria-label={`Re-price ${s.name}`}>Re-price</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function ScenarioDetail({ scenario }: { scenario: Scenario }) {
  const setup = setupOfRequest(scenario.request)
  return (
    <section aria-label={`Scenario ${scenario.name}`} data-open-scenario={scenario.id}>
      <h2>{scenario.name}</h2>
      <p>{scenario.description ?? ''} Stored {new Date(scenario.createdAt).toISOString().slice(0, 10)}, version {scenario.version}. <a href={hashOf('estimate', setup, SETUP_DEFAULTS)}>Open its setup on the Estimate screen</a> (priced today).</p>
      <dl class="stats">
        <Stat label="Compute cost (stored)"><Num k="scenario.computeCostUsd" value={scenario.computeCostUsd} format={usd} /></Stat>
        <Stat label="Total cost (stored)"><Num k="scenario.totalCostUsd" value={scenario.totalCostUsd} format={usd} /></Stat>
        <Stat label="GPU-hours"><Num k="scenario.gpuHours" value={scenario.gpuHours} format={plain} /></Stat>
      </dl>
      <EstimateView result={scenario.result} />
    </section>
  )
}

function RepriceView({ result }: { result: Reprice }) {
  return (
    <section aria-label="Re-priced" class="reprice">
      <h3>Re-priced against today's catalog</h3>
      <dl class="stats">
        <Stat label="Stored total"><Num k="reprice.before.totalCostUsd" value={result.before.totalCostUsd} format={usd} /></Stat>
        <Stat label="Today"><Num k="reprice.after.totalCostUsd" value={result.after.totalCostUsd} format={usd} /></Stat>
        <Stat label="Change"><Num k="reprice.delta.totalCostUsd" value={result.delta.totalCostUsd} format={usd} /> (<Num k="reprice.delta.percent" value={result.delta.percent} format={(v) => `${v.toFixed(1)} %`} />)</Stat>
      </dl>
    </section>
  )
}

function ReportView({ report, query }: { report: Report; query: Record<string, string> }) {
  const rows = report.rows
  const x = rows.map((_, i) => i)
  const download = async () => {
    const { data } = await api.GET('/v1/reports/costs', { params: { query: { ...query, format: 'csv' } as never }, parseAs: 'text' })
    if (typeof data !== 'string') return
    const link = document.createElement('a')
    link.href = URL.createObjectURL(new Blob([data], { type: 'text/csv' }))
    link.download = `costs-by-${query.groupBy}.csv`
    link.click()
    URL.revokeObjectURL(link.href)
  }
  return (
    <>
      {rows.length > 0 && (
        <Chart name="report" signature={JSON.stringify(rows)} height={240}
          label={`Total cost by ${report.groupBy}: ${rows.map((r) => `${r.group ?? 'untagged'} ${usd(r.totalCostUsd)}`).join(', ')}`}
          data={[x, rows.map((r) => r.totalCostUsd)]}
          options={{
            scales: { x: { time: false, range: [-0.6, rows.length - 0.4] }, y: { range: fromZero(...rows.map((r) => r.totalCostUsd)) } },
            axes: [{ values: (_u, t) => t.map((i) => rows[i]?.group ?? (rows[i] ? 'untagged' : '')), splits: () => x }, { label: 'USD', size: 80, values: ticks(usd) }],
            series: [{ label: report.groupBy }, { label: 'total cost', fill: COLORS[0], stroke: COLORS[0], paths: bars(0.6), points: { show: false } }],
            legend: { show: false },
            cursor: { show: false },
          }} />
      )}
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on narrow screens">
        <table>
          <caption>{report.currency}, {report.periodStart.slice(0, 10)} to {report.periodEnd.slice(0, 10)}</caption>
          <thead><tr><th scope="col">{report.groupBy}</th><th scope="col">Scenarios</th><th scope="col">GPU-hours</th><th scope="col">Compute</th><th scope="col">Total</th><th scope="col">At list prices</th></tr></thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={r.group ?? '∅'}>
                <th scope="row">{r.group ?? 'untagged'}</th>
                <td><Num k={`report.rows.${i}.scenarios`} value={r.scenarios} format={plain} /></td>
                <td><Num k={`report.rows.${i}.gpuHours`} value={r.gpuHours} format={plain} /></td>
                <td><Num k={`report.rows.${i}.computeCostUsd`} value={r.computeCostUsd} format={usd} /></td>
                <td><Num k={`report.rows.${i}.totalCostUsd`} value={r.totalCostUsd} format={usd} /></td>
                <td><Num k={`report.rows.${i}.listCostUsd`} value={r.listCostUsd} format={usd} /></td>
              </tr>
            ))}
            <tr class="total"><th scope="row">All</th>
              <td><Num k="report.totals.scenarios" value={report.totals.scenarios} format={plain} /></td>
              <td><Num k="report.totals.gpuHours" value={report.totals.gpuHours} format={plain} /></td>
              <td><Num k="report.totals.computeCostUsd" value={report.totals.computeCostUsd} format={usd} /></td>
              <td><Num k="report.totals.totalCostUsd" value={report.totals.totalCostUsd} format={usd} /></td>
              <td><Num k="report.totals.listCostUsd" value={report.totals.listCostUsd} format={usd} /></td>
            </tr>
          </tbody>
        </table>
      </div>
      <button type="button" class="secondary" onClick={download}>Download CSV</button>
    </>
  )
}
