// TypeBox schemas of GET /v1/reports/costs.
import { Type } from 'typebox'
import { dateParam } from './scenario.schemas.ts'

/** What a cost report can group stored scenarios by. */
export const REPORT_GROUPINGS = ['team', 'project', 'month', 'provider', 'method', 'model', 'scenario'] as const
export type ReportGrouping = (typeof REPORT_GROUPINGS)[number]

const timestamp = (description: string) => Type.Unsafe<Date>(Type.String({ format: 'date-time', description }))

export const CostReportQuerySchema = Type.Object({
  groupBy: Type.Enum([...REPORT_GROUPINGS], { description: 'What to group the scenarios by.' }),
  from: Type.Optional(dateParam('Scenarios created at or after (YYYY-MM-DD = midnight UTC, or ISO 8601). Default: the first scenario\'s day.')),
  to: Type.Optional(dateParam('Scenarios created before (exclusive). Default: now.')),
  format: Type.Optional(Type.Enum(['json', 'csv'], { description: 'json (default) or csv; `Accept: text/csv` also selects CSV.' })),
})

const figures = {
  scenarios: Type.Integer({ description: 'Scenarios in the group.' }),
  gpuHours: Type.Number({ description: 'Sum of GPU-hours (FOCUS PricingQuantity, unit Hours).' }),
  computeCostUsd: Type.Number({ description: 'Sum of GPU-hours × price used (FOCUS BilledCost/EffectiveCost).' }),
  totalCostUsd: Type.Number({ description: 'Compute plus checkpoint storage and data transfer.' }),
  listCostUsd: Type.Number({ description: 'Sum at on-demand list prices (FOCUS ListCost).' }),
}

export const CostReportSchema = Type.Object({
  groupBy: Type.String(),
  currency: Type.String({ description: 'ISO 4217 currency of every amount (FOCUS BillingCurrency).' }),
  periodStart: timestamp('Inclusive start of the report period.'),
  periodEnd: timestamp('Exclusive end of the report period.'),
  rows: Type.Array(Type.Object({
    group: Type.Union([Type.String(), Type.Null()], { description: 'The group\'s value; null for scenarios without that tag.' }),
    ...figures,
    periodStart: timestamp('FOCUS ChargePeriodStart (inclusive).'),
    periodEnd: timestamp('FOCUS ChargePeriodEnd (exclusive).'),
    scenario: Type.Optional(Type.Object({
      name: Type.Union([Type.String(), Type.Null()]),
      team: Type.Union([Type.String(), Type.Null()]),
      project: Type.Union([Type.String(), Type.Null()]),
      owner: Type.Union([Type.String(), Type.Null()]),
    }, { description: 'groupBy=scenario: the scenario\'s name and tags.' })),
  })),
  totals: Type.Object(figures, { description: 'All groups together (computed by the database as a grand-total grouping set).' }),
}, { description: 'Estimated cost of stored scenarios per group.' })
