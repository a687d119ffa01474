// npm run calibrate — per case: measured, ours, error %, and the peers' formulas; then the errors
// per stack group and per source, in-sample and leave-one-source-out (the fitted constants refitted
// without the source scored). `--json` prints the full report instead; `--cases` adds the per-case tables.

import { leaveOneSourceOut, loadCases, runCalibration, type CalibrationReport, type Comparison, type ErrorSummary } from '../calibration/run.ts'

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '   n/a' : `${(100 * x).toFixed(1).padStart(6)}%`)
const gb = (x: number | null) => (x === null ? '    n/a' : (x / 1e9).toFixed(2).padStart(7))
const tps = (x: number | null) => (x === null ? '    n/a' : x.toFixed(0).padStart(7))

function table(report: CalibrationReport, title: string, pick: 'memory' | 'speed', fmt: (x: number | null) => string) {
  const names = Object.keys(report.summary)
  console.log(`\n${title}`)
  console.log(['case'.padEnd(58), 'measured', ...names.map((n) => `${n.padStart(13)} err`)].join(' '))
  for (const c of report.cases) {
    const row = c[pick] as Record<string, Comparison> | null
    if (!row) continue
    const cells = names.map((n) => `${fmt(row[n]?.predicted ?? null)} ${pct(row[n]?.signed)}`)
    console.log([c.id.slice(0, 58).padEnd(58), fmt(row.ours!.measured).padStart(8), ...cells].join(' '))
  }
}

const f = (e: ErrorSummary | null) => (e ? `n=${String(e.n).padStart(3)}  median ${pct(e.median)}  p90 ${pct(e.p90)}  signed ${pct(e.medianSigned)}` : 'n/a')

function rows(title: string, entries: Record<string, { memory: ErrorSummary | null; speed: ErrorSummary | null }>) {
  console.log(`\n${title}`)
  for (const [name, s] of Object.entries(entries)) console.log(`${name.slice(0, 34).padEnd(34)} memory: ${f(s.memory).padEnd(58)} tokens/s: ${f(s.speed)}`)
}

const cases = loadCases()
const report = runCalibration(cases)
if (process.argv.includes('--json')) {
  process.stdout.write(JSON.stringify({ report, loso: leaveOneSourceOut(cases) }, null, 2) + '\n')
} else {
  if (process.argv.includes('--cases')) {
    table(report, 'Peak memory per GPU (GB = 1e9 bytes; error signed)', 'memory', gb)
    table(report, 'Tokens per second (whole job)', 'speed', tps)
  }
  rows(`All ${cases.length} cases, in-sample (APE median / p90, median signed error)`, report.summary)
  rows('Ours per stack group, in-sample', report.groups)
  rows('Ours per source, in-sample', report.sources)
  const loso = leaveOneSourceOut(cases)
  rows('Leave one source out: each source scored with the constants fitted on all the others', Object.fromEntries(Object.entries(loso.perSource).map(([k, v]) => [k, v])))
  rows('Leave one source out, per stack group', loso.groups)
  rows('Leave one source out, pooled', { ours: loso.pooled })
}
