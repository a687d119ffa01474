// npm run calibrate — per case: measured, ours, error %, and the peers' formulas; then median and
// p90 absolute percentage error for memory and tokens/s, ours and each peer's.
// `--json` prints the full report instead.

import { loadCases, runCalibration, type CalibrationReport, type Comparison } from '../calibration/run.ts'
import { withStatedSettings } from '../calibration/stated-settings.ts'

const pct = (x: number | null) => (x === null ? '   n/a' : `${(100 * x).toFixed(1).padStart(5)}%`)
const gb = (x: number | null) => (x === null ? '    n/a' : (x / 1e9).toFixed(2).padStart(7))
const tps = (x: number | null) => (x === null ? '    n/a' : x.toFixed(0).padStart(7))

function table(report: CalibrationReport, title: string, pick: 'memory' | 'speed', fmt: (x: number | null) => string) {
  const names = Object.keys(report.summary)
  console.log(`\n${title}`)
  console.log(['case'.padEnd(48), 'measured', ...names.map((n) => `${n.padStart(13)} err`)].join(' '))
  for (const c of report.cases) {
    const row = c[pick] as Record<string, Comparison> | null
    if (!row) continue
    const cells = names.map((n) => `${fmt(row[n]?.predicted ?? null)} ${pct(row[n]?.ape ?? null)}`)
    console.log([c.id.padEnd(48), fmt(row.ours!.measured).padStart(8), ...cells].join(' '))
  }
}

type Summary = CalibrationReport['summary'][string]
const line = (name: string, s: Summary) => {
  const f = (e: Summary['memory']) => (e ? `median ${pct(e.median)}  p90 ${pct(e.p90)}  n=${e.n}` : 'n/a')
  return `${name.padEnd(14)} memory: ${f(s.memory).padEnd(40)} tokens/s: ${f(s.speed)}`
}

function summary(report: CalibrationReport) {
  console.log('\nSummary: absolute percentage error (median / p90, n cases)')
  for (const [name, s] of Object.entries(report.summary)) console.log(line(name, s))
  const stated = runCalibration(withStatedSettings(loadCases())).summary.ours!
  console.log(`\nWith the settings the sources state that the requests cannot carry (calibration/stated-settings.ts):\n${line('ours', stated)}`)
}

const report = runCalibration()
if (process.argv.includes('--json')) {
  process.stdout.write(JSON.stringify(report, null, 2) + '\n')
} else {
  table(report, 'Peak memory per GPU (GB = 1e9 bytes)', 'memory', gb)
  table(report, 'Tokens per second (whole job)', 'speed', tps)
  summary(report)
}
