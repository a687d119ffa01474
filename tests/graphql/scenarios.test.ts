import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ENGINES } from '../helpers/databases.ts'
import { asAdmin, onlyError, startGraphqlApp, type Data, type GraphqlResponse, type GraphqlTestApp } from './graphql-test-app.ts'

const request = (modelId: string, datasetTokens: number) => ({
  modelId,
  method: { type: 'LORA' },
  training: { microBatchSize: 1, sequenceLength: 1024, datasetTokens },
  hardware: { gpuId: 'a100-80gb' },
  pricing: { usdPerGpuHour: 2 },
})

const CREATE = `mutation Create($input: ScenarioInput!, $key: String) {
  createScenario(input: $input, idempotencyKey: $key) {
    replayed
    scenario { id name team owner modelId method pricingModel gpuHours computeCostUsd totalCostUsd version model { id numLayers } result { speed { gpuHours } cost { totalUsd } } request }
  }
}`

describe.each(ENGINES)('scenarios over GraphQL on %s', (engine) => {
  let t: GraphqlTestApp
  let editor: string
  let reader: string
  const create = async (input: Data, key?: string, as = editor) => t.gql(CREATE, { input, key }, as)

  beforeAll(async () => {
    t = await startGraphqlApp(engine)
    editor = (await t.app.auth.issue({ name: 'scenario-editor', role: 'editor' })).key
    reader = (await t.app.auth.issue({ name: 'scenario-reader', role: 'reader' })).key
  })
  afterAll(async () => { await t?.close() })

  test('createScenario stores the estimate; the idempotency key makes a retry return the same scenario', async () => {
    const input = { name: 'support bot', team: 'gql-support', request: request('llama-2-7b', 20_000_000) }
    const first = await create(input, 'gql-retry-1')
    expect(first.errors).toBeUndefined()
    const { scenario, replayed } = first.data.createScenario
    expect(replayed).toBe(false)
    expect(scenario).toMatchObject({ name: 'support bot', team: 'gql-support', owner: 'scenario-editor', modelId: 'llama-2-7b', method: 'LORA', version: 1, model: { id: 'llama-2-7b', numLayers: 32 } })
    // The stored columns are the result's: GPU-hours × the $2 price given.
    expect(scenario.gpuHours).toBe(scenario.result.speed.gpuHours)
    expect(scenario.computeCostUsd).toBeCloseTo(2 * scenario.gpuHours, 9)
    expect(scenario.totalCostUsd).toBeGreaterThanOrEqual(scenario.computeCostUsd)
    // The request is stored as the REST body, whatever door it came through.
    expect(scenario.request).toMatchObject({ model: 'llama-2-7b', method: { type: 'lora' }, hardware: { gpu: 'a100-80gb' } })
    const retry = await create(input, 'gql-retry-1')
    expect(retry.data.createScenario).toMatchObject({ replayed: true, scenario: { id: scenario.id } })
    const reused = await create({ ...input, name: 'another body' }, 'gql-retry-1')
    expect(onlyError(reused).extensions.code).toBe('IDEMPOTENCY_KEY_REUSED')
  })

  test('writes need an editor: a reader gets AUTH_FORBIDDEN, nobody gets AUTH_REQUIRED; bad requests name the GraphQL field', async () => {
    const input = { name: 'denied', request: request('llama-2-7b', 1_000_000) }
    expect(onlyError(await create(input, undefined, reader)).extensions.code).toBe('AUTH_FORBIDDEN')
    expect(onlyError(await t.gql(CREATE, { input })).extensions.code).toBe('AUTH_REQUIRED')
    const unknown = onlyError(await create({ name: 'typo', request: request('llama-7-2b', 1) }))
    expect(unknown.extensions).toMatchObject({ code: 'ESTIMATE_MODEL_NOT_FOUND', field: '/request/modelId' })
  })

  test('scenarios filter by team and method and page newest first; each node resolves its model', async () => {
    const models = ['llama-3.2-1b', 'qwen2.5-0.5b', 'llama-3.1-8b', 'gemma-2-2b', 'mistral-7b-v0.1']
    const modelOf = new Map<string, string>()
    for (const [i, modelId] of models.entries()) {
      const res = await create({ name: `page ${i}`, team: 'gql-paging', project: i % 2 ? 'odd' : 'even', request: request(modelId, 1_000_000 * (i + 1)) })
      modelOf.set(res.data.createScenario.scenario.id, modelId)
    }
    const LIST = `query($after: String, $project: String) {
      scenarios(team: "gql-paging", project: $project, method: LORA, first: 2, after: $after) {
        edges { cursor node { id name model { id } } } pageInfo { hasNextPage endCursor }
      }
    }`
    const seen: Data[] = []
    let after: string | null = null
    do {
      const res: GraphqlResponse = await t.gql(LIST, { after }, reader)
      expect(res.errors).toBeUndefined()
      seen.push(...res.data.scenarios.edges)
      after = res.data.scenarios.pageInfo.hasNextPage ? res.data.scenarios.pageInfo.endCursor : null
    } while (after)
    // The same order REST gives (newest first), every scenario once, each with its own model.
    const rest = (await t.call({ method: 'GET', url: '/v1/scenarios?team=gql-paging&limit=200' })).json().items.map((s: Data) => s.id)
    expect(seen.map((e) => e.node.id)).toEqual(rest)
    expect(new Set(rest)).toEqual(new Set(modelOf.keys()))
    for (const edge of seen) expect(edge.node.model.id).toBe(modelOf.get(edge.node.id))
    // Any edge's cursor resumes right after that edge.
    const resumed = await t.gql(LIST, { after: seen[2].cursor })
    expect(resumed.data.scenarios.edges.map((e: Data) => e.node.id)).toEqual(rest.slice(3, 5))
    const odd = await t.gql(LIST, { project: 'odd' })
    expect(odd.data.scenarios.edges.map((e: Data) => e.node.name).sort()).toEqual(['page 1', 'page 3'])
    expect((await t.gql('{ scenarios(team: "gql-paging", method: FULL) { edges { cursor } } }')).data.scenarios.edges).toEqual([])
  })

  test('updateScenario with expectedVersion (null clears a tag); stale is PRECONDITION_FAILED; delete hides it', async () => {
    const created = (await create({ name: 'to edit', team: 'gql-edit', project: 'p', request: request('llama-3.2-1b', 1_000_000) })).data.createScenario.scenario
    const UPDATE = 'mutation($id: ID!, $v: Int!, $input: ScenarioUpdateInput!) { updateScenario(id: $id, expectedVersion: $v, input: $input) { name project version gpuHours modelId } }'
    const renamed = await t.gql(UPDATE, { id: created.id, v: 1, input: { name: 'edited', project: null } }, editor)
    expect(renamed.data.updateScenario).toMatchObject({ name: 'edited', project: null, version: 2 })
    expect(onlyError(await t.gql(UPDATE, { id: created.id, v: 1, input: { name: 'late' } }, editor)).extensions.code).toBe('PRECONDITION_FAILED')
    // A new request is recomputed: ten times the tokens, ten times the GPU-hours.
    const recomputed = await t.gql(UPDATE, { id: created.id, v: 2, input: { request: request('llama-3.2-1b', 10_000_000) } }, editor)
    expect(recomputed.data.updateScenario.gpuHours).toBeCloseTo(10 * created.gpuHours, 9)
    const deleted = await t.gql('mutation($id: ID!) { deleteScenario(id: $id) { id } }', { id: created.id }, editor)
    expect(deleted.data.deleteScenario).toEqual({ id: created.id })
    const gone = await t.gql('query($id: ID!) { scenario(id: $id) { id } }', { id: created.id })
    expect(onlyError(gone).extensions.code).toBe('SCENARIO_NOT_FOUND')
    expect(onlyError(await t.gql('mutation($id: ID!) { deleteScenario(id: $id) { id } }', { id: created.id }, editor)).extensions.code).toBe('SCENARIO_NOT_FOUND')
  })

  test('repriceScenario prices the stored request with today\'s catalog; compareScenarios picks the cheapest and fastest', async () => {
    const catalogPriced = { modelId: 'llama-3.2-1b', method: { type: 'FULL' }, training: { microBatchSize: 1, sequenceLength: 1024, datasetTokens: 5_000_000 }, hardware: { gpuId: 'a100-80gb' } }
    const stored = (await create({ name: 'reprice me', request: catalogPriced })).data.createScenario.scenario
    // A new price, half the one in effect, from a provider cheaper than every other.
    const now = await t.gql('{ estimate(input: { modelId: "llama-3.2-1b", method: { type: FULL }, training: { microBatchSize: 1, sequenceLength: 1024 }, hardware: { gpuId: "a100-80gb" } }) { cost { usdPerGpuHour } } }')
    const before = now.data.estimate.cost.usdPerGpuHour
    const appended = await t.gql('mutation($input: PriceInput!) { appendPrice(input: $input) { price { id } } }', {
      input: { gpuId: 'a100-80gb', provider: 'gql-cheap', region: 'test-1', pricingModel: 'ON_DEMAND', usdPerGpuHour: before / 2, effectiveFrom: '2026-01-01' },
    }, asAdmin.key)
    expect(appended.errors).toBeUndefined()
    const res = await t.gql(`mutation($id: ID!) { repriceScenario(id: $id) {
      scenarioId before { usdPerGpuHour computeCostUsd } after { usdPerGpuHour computeCostUsd pricesUsed { provider } } delta { computeCostUsd percent } } }`, { id: stored.id })
    expect(res.errors).toBeUndefined()
    const r = res.data.repriceScenario
    expect(r.scenarioId).toBe(stored.id)
    expect(r.before.usdPerGpuHour).toBe(before)
    expect(r.after).toMatchObject({ usdPerGpuHour: before / 2, pricesUsed: [{ provider: 'gql-cheap' }] })
    expect(r.after.computeCostUsd).toBeCloseTo(r.before.computeCostUsd / 2, 9)
    expect(r.delta.computeCostUsd).toBeCloseTo(-r.before.computeCostUsd / 2, 9)

    const small = (await create({ name: 'small', request: request('qwen2.5-0.5b', 1_000_000) })).data.createScenario.scenario
    const big = (await create({ name: 'big', request: request('llama-3.1-8b', 1_000_000) })).data.createScenario.scenario
    const cmp = await t.gql('query($ids: [ID!]!) { compareScenarios(ids: $ids) { items { id method memoryPerGpuBytes totalCostUsd } cheapestId fastestId } }', { ids: [big.id, small.id] })
    expect(cmp.data.compareScenarios.items.map((i: Data) => i.id)).toEqual([big.id, small.id])
    expect(cmp.data.compareScenarios).toMatchObject({ cheapestId: small.id, fastestId: small.id })
    expect(cmp.data.compareScenarios.items[0].memoryPerGpuBytes).toBeGreaterThan(cmp.data.compareScenarios.items[1].memoryPerGpuBytes)
    const missing = onlyError(await t.gql('query($ids: [ID!]!) { compareScenarios(ids: $ids) { cheapestId } }', { ids: [big.id, '00000000-0000-0000-0000-000000000000'] }))
    expect(missing.extensions).toMatchObject({ code: 'SCENARIO_NOT_FOUND', field: '/ids/1' })
  })

  test('costReport by team sums the scenarios of each team, as REST does', async () => {
    const a = (await create({ name: 'r1', team: 'gql-report-a', request: request('llama-3.2-1b', 2_000_000) })).data.createScenario.scenario
    const b = (await create({ name: 'r2', team: 'gql-report-a', request: request('llama-3.2-3b', 3_000_000) })).data.createScenario.scenario
    const res = await t.gql('{ costReport(groupBy: TEAM) { groupBy currency rows { group scenarios gpuHours totalCostUsd periodStart } totals { scenarios totalCostUsd } } }', undefined, reader)
    expect(res.errors).toBeUndefined()
    const report = res.data.costReport
    expect(report).toMatchObject({ groupBy: 'TEAM', currency: 'USD' })
    const row = report.rows.find((r: Data) => r.group === 'gql-report-a')
    expect(row.scenarios).toBe(2)
    expect(row.gpuHours).toBeCloseTo(a.gpuHours + b.gpuHours, 9)
    expect(row.totalCostUsd).toBeCloseTo(a.totalCostUsd + b.totalCostUsd, 9)
    const rest = (await t.call({ method: 'GET', url: '/v1/reports/costs?groupBy=team' })).json()
    expect(report.totals).toEqual({ scenarios: rest.totals.scenarios, totalCostUsd: rest.totals.totalCostUsd })
    const bad = onlyError(await t.gql('{ costReport(groupBy: TEAM, from: "2026-02-01", to: "2026-01-01") { currency } }'))
    expect(bad.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: '/to' })
  })
})
