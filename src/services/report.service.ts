// Cost reports over stored scenarios (showback): JSON, or CSV whose columns follow FinOps FOCUS
// v1.2 where one fits (https://focus.finops.org). The figures are estimates, not
// charges, so every row says x_IsEstimate=true, and the estimator's own fields carry the x_ prefix
// FOCUS requires of custom columns.
import { ValidationError } from '../contract/errors.ts'
import type { ReportGrouping } from '../contract/report.schemas.ts'
import type { CostAggregate, ReportRepository } from '../db/report.repository.ts'
import type { AccessPolicy } from './auth.service.ts'
import type { ServiceContext } from './context.ts'

export interface CostReportQuery {
  groupBy: ReportGrouping
  /** Scenarios created at or after. */
  from?: Date | undefined
  /** Scenarios created before (exclusive). */
  to?: Date | undefined
}

export interface CostReportRow {
  group: string | null
  scenarios: number
  gpuHours: number
  /** GPU-hours × the price each scenario used: FOCUS BilledCost and EffectiveCost. */
  computeCostUsd: number
  /** Compute plus checkpoint storage and transfer. */
  totalCostUsd: number
  /** GPU-hours at on-demand list prices: FOCUS ListCost. */
  listCostUsd: number
  /** FOCUS ChargePeriodStart (inclusive) and ChargePeriodEnd (exclusive). */
  periodStart: Date
  periodEnd: Date
  /** For groupBy=scenario: the scenario's name and tags. */
  scenario?: { name: string | null; team: string | null; project: string | null; owner: string | null }
}

export interface CostReport {
  groupBy: ReportGrouping
  currency: 'USD'
  periodStart: Date
  periodEnd: Date
  rows: CostReportRow[]
  totals: Omit<CostReportRow, 'group' | 'scenario' | 'periodStart' | 'periodEnd'>
}

const startOfUtcDay = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()))

function monthBounds(key: string): [Date, Date] {
  const [year, month] = key.split('-').map(Number) as [number, number]
  return [new Date(Date.UTC(year, month - 1, 1)), new Date(Date.UTC(year, month, 1))]
}

export class ReportService {
  constructor(
    private readonly repository: ReportRepository,
    private readonly access: AccessPolicy,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Sums per group, computed by the database; the period defaults to [first scenario's day, now). */
  async costs(query: CostReportQuery, ctx: ServiceContext): Promise<CostReport> {
    this.access.read(ctx)
    if (query.from && query.to && query.from >= query.to) throw new ValidationError('/to', 'must be after from')
    const aggregates = await this.repository.costs(query.groupBy, query)
    const total = aggregates.find((a) => a.total)!
    const periodStart = query.from ?? (total.firstCreatedAt ? startOfUtcDay(total.firstCreatedAt) : startOfUtcDay(this.now()))
    const periodEnd = query.to ?? this.now()
    const figures = (a: CostAggregate) => ({
      scenarios: a.scenarios, gpuHours: a.gpuHours, computeCostUsd: a.computeCostUsd, totalCostUsd: a.totalCostUsd, listCostUsd: a.listCostUsd,
    })
    const rows = aggregates.filter((a) => !a.total).map((a): CostReportRow => {
      const [start, end] = query.groupBy === 'month' && a.group ? monthBounds(a.group) : [periodStart, periodEnd]
      return {
        group: a.group,
        ...figures(a),
        // A month row covers its month, clipped to the report's period.
        periodStart: start < periodStart ? periodStart : start,
        periodEnd: end > periodEnd ? periodEnd : end,
        ...(query.groupBy === 'scenario' ? { scenario: { name: a.name, team: a.team, project: a.project, owner: a.owner } } : {}),
      }
    })
    return { groupBy: query.groupBy, currency: 'USD', periodStart, periodEnd, rows, totals: figures(total) }
  }
}

/** FOCUS columns first, in the spec's casing, then the estimator's x_ columns. */
export const FOCUS_CSV_COLUMNS = [
  'BillingCurrency', 'ChargePeriodStart', 'ChargePeriodEnd', 'ChargeCategory', 'ChargeDescription',
  'BilledCost', 'EffectiveCost', 'ListCost', 'PricingQuantity', 'PricingUnit',
  'ServiceCategory', 'ServiceName', 'ProviderName', 'ResourceId', 'ResourceName', 'Tags',
  'x_GroupBy', 'x_Group', 'x_ScenarioCount', 'x_TotalCostUsd', 'x_IsEstimate',
] as const

/** FOCUS dates: UTC, ISO 8601 extended, whole seconds (`YYYY-MM-DDTHH:mm:ssZ`). */
const focusDate = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

/** Money and hours to 6 decimals (micro-dollars), without exponent notation. */
const decimal = (n: number) => n.toFixed(6).replace(/\.?0+$/, '') || '0'

/**
 * One CSV cell per RFC 4180: quoted when it holds a comma, quote or line break, quotes doubled.
 * Text starting with = + - @ or a tab is prefixed with ' so spreadsheets do not run it as a
 * formula (OWASP "CSV injection").
 */
export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return ''
  if (typeof value === 'number') return decimal(value)
  let text = String(value)
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

const TAG_OF: Partial<Record<ReportGrouping, string>> = { team: 'team', project: 'project', method: 'method', model: 'model' }

/** The report as CSV (CRLF line ends, header row first), one line per group. */
export function toFocusCsv(report: CostReport): string {
  const lines = [FOCUS_CSV_COLUMNS.join(',')]
  for (const row of report.rows) {
    const tagKey = TAG_OF[report.groupBy]
    const tags = report.groupBy === 'scenario'
      ? Object.fromEntries(Object.entries(row.scenario ?? {}).filter(([k, v]) => k !== 'name' && v !== null))
      : tagKey && row.group !== null ? { [tagKey]: row.group } : {}
    const label = row.group ?? '(none)'
    const cells: Record<(typeof FOCUS_CSV_COLUMNS)[number], string | number | boolean | null> = {
      BillingCurrency: report.currency,
      ChargePeriodStart: focusDate(row.periodStart),
      ChargePeriodEnd: focusDate(row.periodEnd),
      ChargeCategory: 'Usage',
      ChargeDescription: `Estimated GPU compute for fine-tuning, ${report.groupBy} ${label}, ${row.scenarios} scenario(s)`,
      BilledCost: row.computeCostUsd,
      EffectiveCost: row.computeCostUsd,
      ListCost: row.listCostUsd,
      PricingQuantity: row.gpuHours,
      PricingUnit: 'Hours',
      ServiceCategory: 'AI and Machine Learning',
      ServiceName: 'LLM fine-tuning',
      ProviderName: report.groupBy === 'provider' ? row.group : null,
      ResourceId: report.groupBy === 'scenario' ? row.group : null,
      ResourceName: report.groupBy === 'scenario' ? (row.scenario?.name ?? null) : null,
      Tags: JSON.stringify(tags),
      x_GroupBy: report.groupBy,
      x_Group: row.group,
      x_ScenarioCount: String(row.scenarios),
      x_TotalCostUsd: row.totalCostUsd,
      x_IsEstimate: 'true',
    }
    lines.push(FOCUS_CSV_COLUMNS.map((column) => csvCell(cells[column])).join(','))
  }
  return `${lines.join('\r\n')}\r\n`
}
