// GET /v1/reports/costs: cost of stored scenarios per team, project, month, provider, method,
// model or scenario, as JSON or as FOCUS-style CSV.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { toFocusCsv } from '../services/report.service.ts'
import { parseInstant } from '../contract/instant.ts'
import { problemResponses } from '../contract/problem.schema.ts'
import { CostReportQuerySchema, CostReportSchema } from '../contract/report.schemas.ts'

/** CSV when asked by format=csv, or by an Accept header that prefers text/csv over JSON. */
function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  if (format !== undefined) return format === 'csv'
  const types = (accept ?? '').split(',').map((t) => t.split(';')[0]!.trim().toLowerCase())
  const csv = types.indexOf('text/csv')
  const json = types.indexOf('application/json')
  return csv >= 0 && (json < 0 || csv < json)
}

export const reportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/v1/reports/costs', {
    config: { access: 'read' },
    schema: {
      tags: ['reports'],
      summary: 'Cost report',
      description: 'Estimated cost of the stored (not deleted) scenarios created in [from, to), grouped and summed by the database. '
        + 'CSV (`format=csv` or `Accept: text/csv`) names its columns after FinOps FOCUS v1.2 (BilledCost, EffectiveCost, ListCost, '
        + 'BillingCurrency, ChargePeriodStart/End, PricingQuantity, ServiceName, ResourceId, Tags...) followed by x_ columns; '
        + 'every row is marked x_IsEstimate=true. Open unless REQUIRE_AUTH is set.',
      querystring: CostReportQuerySchema,
      produces: ['application/json', 'text/csv'],
      response: { 200: CostReportSchema, ...problemResponses(400, 401, 403) },
    },
  }, async (request, reply) => {
    const { groupBy, from, to, format } = request.query
    const report = await app.reports.costs({
      groupBy,
      from: from === undefined ? undefined : parseInstant('/from', from),
      to: to === undefined ? undefined : parseInstant('/to', to),
    }, request.serviceContext)
    if (!wantsCsv(format, request.headers.accept)) return report
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="costs-by-${groupBy}.csv"`)
      .serializer((payload: unknown) => payload as string)
      .send(toFocusCsv(report) as never)
  })
}
