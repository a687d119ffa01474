// Scenarios and cost reports over the scenario and report services. Scenario.model is a loader:
// listing a page of scenarios with their models costs one catalog read, not one per scenario.
import type { IResolvers, MercuriusLoaders } from 'mercurius'
import type { ReportGrouping } from '../contract/report.schemas.ts'
import type { ScenarioDto, ScenarioFilter, ScenarioUpdate } from '../services/scenario.service.ts'
import { connectionOf, pageRequest, type PageArgs } from './connections.ts'
import { CatalogRefs, plain, type EstimateInputArgs } from './inputs.ts'

interface ScenarioInputArgs {
  name: string
  description?: string | null
  team?: string | null
  project?: string | null
  owner?: string | null
  request: EstimateInputArgs
}

type ScenarioUpdateArgs = Partial<Omit<ScenarioInputArgs, 'request'>> & { request?: EstimateInputArgs | null }

export const scenarioResolvers: IResolvers = {
  Query: {
    async scenarios(_root, { first, after, ...filter }: Nullable<ScenarioFilter> & PageArgs, ctx) {
      const page = await ctx.app.scenarios.list(plain(filter), pageRequest({ first, after }), ctx.service)
      return connectionOf(page, (scenario) => ctx.app.scenarios.cursorOf(scenario))
    },
    scenario: (_root, { id }: { id: string }, ctx) => ctx.app.scenarios.get(id, ctx.service),
    compareScenarios: (_root, { ids }: { ids: string[] }, ctx) => ctx.app.scenarios.compare({ ids }, ctx.service),
    costReport: (_root, args: { groupBy: ReportGrouping; from?: Date | null; to?: Date | null }, ctx) => ctx.app.reports.costs(plain(args), ctx.service),
  },
  Mutation: {
    async createScenario(_root, { input, idempotencyKey }: { input: ScenarioInputArgs; idempotencyKey?: string | null }, ctx) {
      const refs = new CatalogRefs()
      const { request, ...tags } = plain(input)
      const body = { ...tags, request: refs.estimateRequest(request, '/request') }
      return refs.call(() => ctx.app.scenarios.create(body, ctx.service, idempotencyKey ?? undefined))
    },
    async updateScenario(_root, { id, expectedVersion, input }: { id: string; expectedVersion: number; input: ScenarioUpdateArgs }, ctx) {
      // Explicit nulls stay: in an update they clear a field, as in the REST PATCH body.
      const refs = new CatalogRefs()
      const { request, ...fields } = input
      const patch = { ...Object.fromEntries(Object.entries(fields)), ...(request ? { request: refs.estimateRequest(request, '/request') } : {}) } as ScenarioUpdate
      return refs.call(() => ctx.app.scenarios.update(id, patch, expectedVersion, ctx.service))
    },
    async deleteScenario(_root, { id }: { id: string }, ctx) {
      await ctx.app.scenarios.delete(id, ctx.service)
      return { id }
    },
    repriceScenario: (_root, { id }: { id: string }, ctx) => ctx.app.scenarios.reprice(id, ctx.service),
  },
}

export const scenarioLoaders: MercuriusLoaders = {
  Scenario: {
    async model(queries: { obj: ScenarioDto }[], ctx) {
      const ids = queries.map(({ obj }) => obj.modelId)
      const models = await ctx.app.catalogReader.findModelsByIds(ids.filter((id): id is string => id !== null), ctx.service)
      const byId = new Map(models.filter((m) => m !== null).map((m) => [m.id, m]))
      return ids.map((id) => (id === null ? null : (byId.get(id) ?? null)))
    },
  },
}

/** GraphQL arguments: optional ones may also arrive as an explicit null. */
type Nullable<T> = { [K in keyof T]?: T[K] | null }
