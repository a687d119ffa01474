// Cost aggregates over stored scenarios, computed by PostgreSQL (GROUP BY with a grand-total
// grouping set), so a report over a million scenarios moves one row per group, not a million.
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts'
import type { ReportGrouping } from '../contract/report.schemas.ts'

/** The grouping expressions, from a fixed list: user input never reaches the SQL text. */
const GROUP_EXPRESSION: Record<ReportGrouping, Prisma.Sql> = {
  team: Prisma.sql`team`,
  project: Prisma.sql`project`,
  month: Prisma.sql`to_char(date_trunc('month', created_at AT TIME ZONE 'UTC'), 'YYYY-MM')`,
  provider: Prisma.sql`provider`,
  method: Prisma.sql`method`,
  model: Prisma.sql`model_name`,
  scenario: Prisma.sql`id`,
}

export interface CostAggregate {
  /** The group's value (null: scenarios without that tag); null with `total` for the grand total. */
  group: string | null
  total: boolean
  scenarios: number
  gpuHours: number
  computeCostUsd: number
  totalCostUsd: number
  /** List (on-demand) cost; scenarios without a known list price count at the price they used. */
  listCostUsd: number
  firstCreatedAt: Date | null
  lastCreatedAt: Date | null
  /** Only meaningful when grouping by scenario: that scenario's name and tags. */
  name: string | null
  team: string | null
  project: string | null
  owner: string | null
}

export interface ReportRepository {
  costs(groupBy: ReportGrouping, range: { from?: Date | undefined; to?: Date | undefined }): Promise<CostAggregate[]>
}

interface Row {
  group_key: string | null
  is_total: number
  scenarios: number
  gpu_hours: number | null
  compute_cost_usd: number | null
  total_cost_usd: number | null
  list_cost_usd: number | null
  first_created_at: Date | null
  last_created_at: Date | null
  name: string | null
  team: string | null
  project: string | null
  owner: string | null
}

export function createReportRepository(prisma: PrismaClient): ReportRepository {
  return {
    async costs(groupBy, range) {
      const key = GROUP_EXPRESSION[groupBy]
      const from = range.from ? Prisma.sql`AND created_at >= ${range.from}` : Prisma.empty
      const to = range.to ? Prisma.sql`AND created_at < ${range.to}` : Prisma.empty
      const rows = await prisma.$queryRaw<Row[]>`
        SELECT ${key} AS group_key,
               GROUPING(${key})::int AS is_total,
               COUNT(*)::int AS scenarios,
               SUM(gpu_hours)::float8 AS gpu_hours,
               SUM(compute_cost_usd)::float8 AS compute_cost_usd,
               SUM(total_cost_usd)::float8 AS total_cost_usd,
               SUM(COALESCE(list_cost_usd, compute_cost_usd))::float8 AS list_cost_usd,
               MIN(created_at) AS first_created_at,
               MAX(created_at) AS last_created_at,
               MAX(name) AS name, MAX(team) AS team, MAX(project) AS project, MAX(owner) AS owner
          FROM scenarios
         WHERE deleted_at IS NULL ${from} ${to}
         GROUP BY GROUPING SETS ((${key}), ())
         ORDER BY is_total, group_key NULLS LAST`
      return rows.map((r) => ({
        group: r.group_key,
        total: r.is_total === 1,
        scenarios: r.scenarios,
        gpuHours: r.gpu_hours ?? 0,
        computeCostUsd: r.compute_cost_usd ?? 0,
        totalCostUsd: r.total_cost_usd ?? 0,
        listCostUsd: r.list_cost_usd ?? 0,
        firstCreatedAt: r.first_created_at,
        lastCreatedAt: r.last_created_at,
        name: r.name,
        team: r.team,
        project: r.project,
        owner: r.owner,
      }))
    },
  }
}
