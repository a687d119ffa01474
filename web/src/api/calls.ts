// Every request the console makes, once: the REST call through the typed client, and the same
// question as a GraphQL operation for "copy as GraphQL". Screens only choose the bodies.
import { api, outcome, type Answer, type Body } from './client.ts'
import { toGraphqlInput, type Call } from './requests.ts'
import type { Prepared } from '../ui/call.tsx'

export type Estimate = Answer<'/v1/estimates', 'post'>
export type Sweep = Answer<'/v1/estimates/sweep', 'post'>
export type Comparison = Answer<'/v1/comparisons', 'post'>
export type Recommendation = Answer<'/v1/recommendations', 'post'>
export type Serving = Answer<'/v1/serving', 'post'>
export type Plan = Answer<'/v1/plans', 'post'>
export type Cost = Answer<'/v1/costs', 'post'>
export type ScenarioPage = Answer<'/v1/scenarios', 'get'>
export type Scenario = Answer<'/v1/scenarios/{id}', 'get'>
export type Reprice = Answer<'/v1/scenarios/{id}/reprice', 'post'>
export type Report = Answer<'/v1/reports/costs', 'get'>

const ESTIMATE = `{ parameters { total trainable active trainableShare }
    memory { perGpu { weightsBytes gradientsBytes optimizerBytes activationsBytes adaptersBytes overheadBytes totalBytes }
      band { lowBytes expectedBytes highBytes } gpuCapacityBytes fits cpuOffloadBytes loadPeakBytes }
    speed { tokensPerSecond stepSeconds trainingHours gpuHours mfu } cost { totalUsd usdPerGpuHour }
    forgetting { risk level expectedDrop } warnings { code message } resolved { modelName gpuName } }`

const operation = (name: string, field: string, input: string, selection: string) =>
  `query ${name}($input: ${input}!) {\n  ${field}(input: $input) ${selection}\n}`

function post<T>(url: string, body: unknown, graphql: Call['graphql'], run: () => Promise<{ data?: T; error?: unknown; response: Response }>): Prepared<T> {
  return { call: { method: 'POST', url, body, ...(graphql ? { graphql } : {}) }, run: () => outcome(run()) }
}

export const calls = {
  estimate: (body: Body<'/v1/estimates', 'post'>) => post<Estimate>('/v1/estimates', body,
    { document: operation('Estimate', 'estimate', 'EstimateInput', ESTIMATE), variables: { input: toGraphqlInput('estimate', body) } },
    () => api.POST('/v1/estimates', { body })),

  sweep: (body: Body<'/v1/estimates/sweep', 'post'>) => post<Sweep>('/v1/estimates/sweep', body,
    {
      document: operation('Sweep', 'estimateSweep', 'SweepInput', `{ field largestFitting
    points { value totalBytes lowBytes highBytes capacityBytes fits tokensPerSecond stepSeconds trainingHours gpuHours costUsd trainableParameters trainableShare forgettingRisk } }`),
      variables: { input: toGraphqlInput('sweep', body) },
    },
    () => api.POST('/v1/estimates/sweep', { body })),

  compare: (body: Body<'/v1/comparisons', 'post'>) => post<Comparison>('/v1/comparisons', body,
    {
      document: operation('Compare', 'compareMethods', 'ComparisonInput', `{
    rows { method label parameters { total trainable trainableShare } memory { perGpuBytes lowBytes highBytes capacityBytes fits }
      speed { tokensPerSecond stepSeconds trainingHours gpuHours } costUsd forgetting { risk level } quality { low expected high } warnings }
    best { memory speed cost risk quality } }`),
      variables: { input: toGraphqlInput('comparison', body) },
    },
    () => api.POST('/v1/comparisons', { body })),

  recommend: (body: Body<'/v1/recommendations', 'post'>) => post<Recommendation>('/v1/recommendations', body,
    {
      document: operation('Recommend', 'recommend', 'RecommendationInput', `{
    recommended { id method rank gpuName gpuCount sharding provider pricingModel costUsd trainingHours quality { expected } risk reasons tradeOffs }
    options { id method rank gpuName gpuCount provider pricingModel costUsd trainingHours quality { expected } risk score }
    pareto { id method rank gpuName gpuCount provider pricingModel costUsd trainingHours quality { low expected high } risk }
    searched { configurations feasible } rejected { noFit noPrice overBudget overDeadline belowQuality tooRisky } notes }`),
      variables: { input: toGraphqlInput('recommendation', body) },
    },
    () => api.POST('/v1/recommendations', { body })),

  serving: (body: Body<'/v1/serving', 'post'>) => post<Serving>('/v1/serving', body,
    {
      document: operation('Serving', 'servingPlan', 'ServingInput', `{ baseParams adapterParams baseBytes adapterBytes
    storage { adaptersBytes fullCopiesBytes savingFactor adaptersUsdPerMonth fullCopiesUsdPerMonth }
    modes { mode gpuMemoryPerGpuBytes gpus switchSeconds { low high } relativeThroughput { low high } tasksPerReplica residentAdapters storageBytes notes } }`),
      variables: { input: toGraphqlInput('serving', body) },
    },
    () => api.POST('/v1/serving', { body })),

  plan: (body: Body<'/v1/plans', 'post'>) => post<Plan>('/v1/plans', body,
    {
      document: operation('Plan', 'trainingPlan', 'TrainingPlanInput', `{
    phases { name method trainingTokens trainableShare peakMemoryBytes fits trainingHours gpuHours costUsd }
    peakMemoryBytes fits trainingHours gpuHours costUsd forgetting { risk level expectedDrop } warnings }`),
      variables: { input: toGraphqlInput('plan', body) },
    },
    () => api.POST('/v1/plans', { body })),

  cost: (body: Body<'/v1/costs', 'post'>) => post<Cost>('/v1/costs', body,
    {
      document: operation('RunCost', 'runCost', 'CostInput', `{ hours gpuHours checkpointBytes
    breakdown { computeUsd storageUsd transferUsd engineeringUsd totalUsd shares { compute storage transfer engineering } }
    offers { provider region pricingModel usdPerGpuHour computeUsd } assumptions }`),
      variables: { input: toGraphqlInput('cost', body) },
    },
    () => api.POST('/v1/costs', { body })),

  createScenario: (body: Body<'/v1/scenarios', 'post'>) => post<Scenario>('/v1/scenarios', body,
    {
      document: `mutation Save($input: ScenarioInput!) {\n  createScenario(input: $input) { replayed scenario { id name totalCostUsd gpuHours } }\n}`,
      variables: { input: toGraphqlInput('scenario', body) },
    },
    () => api.POST('/v1/scenarios', { body })),

  scenarios: (): Prepared<ScenarioPage> => ({
    call: {
      method: 'GET', url: '/v1/scenarios?limit=50',
      graphql: { document: 'query Scenarios {\n  scenarios(first: 50) { edges { node { id name team project owner modelName method gpuName gpuCount gpuHours totalCostUsd createdAt } } }\n}', variables: {} },
    },
    run: () => outcome(api.GET('/v1/scenarios', { params: { query: { limit: 50 } } })),
  }),

  scenario: (id: string): Prepared<Scenario> => ({
    call: {
      method: 'GET', url: `/v1/scenarios/${encodeURIComponent(id)}`,
      graphql: { document: `query Scenario($id: ID!) {\n  scenario(id: $id) { id name team project modelName method gpuName gpuCount gpuHours computeCostUsd totalCostUsd request result ${ESTIMATE} }\n}`, variables: { id } },
    },
    run: () => outcome(api.GET('/v1/scenarios/{id}', { params: { path: { id } } })),
  }),

  reprice: (id: string): Prepared<Reprice> => ({
    call: {
      method: 'POST', url: `/v1/scenarios/${encodeURIComponent(id)}/reprice`,
      graphql: { document: 'mutation Reprice($id: ID!) {\n  repriceScenario(id: $id) { scenarioId pricedAt before { usdPerGpuHour totalCostUsd } after { usdPerGpuHour totalCostUsd } delta { totalCostUsd percent } }\n}', variables: { id } },
    },
    run: () => outcome(api.POST('/v1/scenarios/{id}/reprice', { params: { path: { id } } })),
  }),

  report: (query: { groupBy: string; from?: string; to?: string }): Prepared<Report> => {
    const search = new URLSearchParams(Object.entries(query).filter(([, v]) => v) as [string, string][])
    const variables: Record<string, unknown> = { groupBy: query.groupBy.toUpperCase() }
    if (query.from) variables.from = query.from
    if (query.to) variables.to = query.to
    return {
      call: {
        method: 'GET', url: `/v1/reports/costs?${search}`,
        graphql: { document: 'query Report($groupBy: ReportGrouping!, $from: DateTime, $to: DateTime) {\n  costReport(groupBy: $groupBy, from: $from, to: $to) { groupBy currency periodStart periodEnd rows { group scenarios gpuHours computeCostUsd totalCostUsd listCostUsd } totals { scenarios gpuHours computeCostUsd totalCostUsd listCostUsd } }\n}', variables },
      },
      run: () => outcome(api.GET('/v1/reports/costs', { params: { query: query as never } })),
    }
  },
}
