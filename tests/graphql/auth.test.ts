import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ENGINES } from '../helpers/databases.ts'
import { asAdmin, onlyError, startGraphqlApp, type Data, type GraphqlTestApp } from './graphql-test-app.ts'

const ESTIMATE = '{ estimate(input: { modelId: "llama-3.2-1b", method: { type: LORA }, training: { microBatchSize: 1, sequenceLength: 128 }, hardware: { gpuId: "a100-80gb" } }) { parameters { total } } }'
const CREATE_KEY = 'mutation($name: String!, $role: Role!) { createApiKey(name: $name, role: $role) { key apiKey { id name prefix role revokedAt } } }'

describe.each(ENGINES)('API keys and roles over GraphQL on %s', (engine) => {
  let t: GraphqlTestApp
  beforeAll(async () => { t = await startGraphqlApp(engine) })
  afterAll(async () => { await t?.close() })

  test('an admin creates a key; its holder is authenticated by the Bearer header and limited to its role', async () => {
    const created = await t.gql(CREATE_KEY, { name: 'gql-reader', role: 'READER' }, asAdmin.key)
    expect(created.errors).toBeUndefined()
    const { key, apiKey } = created.data.createApiKey
    expect(key).toMatch(/^fte_[A-Za-z0-9_-]{43}$/)
    expect(apiKey).toMatchObject({ name: 'gql-reader', role: 'READER', revokedAt: null, prefix: key.slice(0, 12) })
    expect((await t.gql(ESTIMATE, undefined, key)).data.estimate.parameters.total).toBeGreaterThan(1e9)
    const write = await t.gql('mutation { createScenario(input: { name: "x", request: { modelId: "llama-3.2-1b", method: { type: LORA }, training: { microBatchSize: 1, sequenceLength: 8 }, hardware: { gpuId: "a100-80gb" } } }) { replayed } }', undefined, key)
    expect(onlyError(write).extensions.code).toBe('AUTH_FORBIDDEN')
    expect(onlyError(await t.gql(CREATE_KEY, { name: 'escalate', role: 'ADMIN' }, key)).extensions.code).toBe('AUTH_FORBIDDEN')
  })

  test('apiKeys lists keys for admins only', async () => {
    expect(onlyError(await t.gql('{ apiKeys { id } }')).extensions.code).toBe('AUTH_REQUIRED')
    const editor = (await t.gql(CREATE_KEY, { name: 'gql-editor', role: 'EDITOR' }, asAdmin.key)).data.createApiKey.key
    expect(onlyError(await t.gql('{ apiKeys { id } }', undefined, editor)).extensions.code).toBe('AUTH_FORBIDDEN')
    const list = await t.gql('{ apiKeys { name role lastUsedAt } }', undefined, asAdmin.key)
    const entry = list.data.apiKeys.find((k: Data) => k.name === 'gql-editor')
    expect(entry.role).toBe('EDITOR')
    // The failed apiKeys call above authenticated with it, so its last use is recorded.
    expect(entry.lastUsedAt).not.toBeNull()
  })

  test('a revoked key stops working at once; revoking twice is harmless; a key cannot revoke itself', async () => {
    const { key, apiKey } = (await t.gql(CREATE_KEY, { name: 'gql-short-lived', role: 'ADMIN' }, asAdmin.key)).data.createApiKey
    const REVOKE = 'mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }'
    expect(onlyError(await t.gql(REVOKE, { id: apiKey.id }, key)).extensions.code).toBe('AUTH_SELF_REVOKE')
    const revoked = await t.gql(REVOKE, { id: apiKey.id }, asAdmin.key)
    expect(revoked.data.revokeApiKey.revokedAt).not.toBeNull()
    const again = await t.gql(REVOKE, { id: apiKey.id }, asAdmin.key)
    expect(again.data.revokeApiKey.revokedAt).toBe(revoked.data.revokeApiKey.revokedAt)
    const denied = await t.gql(ESTIMATE, undefined, key)
    expect(denied.status).toBe(401)
    expect(onlyError(denied).extensions.code).toBe('AUTH_INVALID_KEY')
    expect(onlyError(await t.gql(REVOKE, { id: '00000000-0000-0000-0000-000000000000' }, asAdmin.key)).extensions.code).toBe('API_KEY_NOT_FOUND')
  })

  test('an Authorization header that is not a Bearer key is refused, never downgraded to anonymous', async () => {
    const res = await t.call({ method: 'POST', url: '/graphql', payload: { query: ESTIMATE }, headers: { authorization: 'Basic dXNlcjpwdw==' } })
    expect(res.statusCode).toBe(401)
    expect(res.json().errors[0].extensions.code).toBe('AUTH_INVALID_KEY')
  })
})

describe('REQUIRE_AUTH=true over GraphQL', () => {
  let t: GraphqlTestApp
  beforeAll(async () => { t = await startGraphqlApp('pglite', { REQUIRE_AUTH: 'true' }) })
  afterAll(async () => { await t?.close() })

  test('estimates, catalog and scenario reads need a key, as on REST', async () => {
    expect(onlyError(await t.gql(ESTIMATE)).extensions.code).toBe('AUTH_REQUIRED')
    expect((await t.call({ method: 'POST', url: '/v1/estimates', payload: { model: 'llama-3.2-1b', method: { type: 'lora' }, training: { microBatchSize: 1, sequenceLength: 128 }, hardware: { gpu: 'a100-80gb' } } })).json().code).toBe('AUTH_REQUIRED')
    expect(onlyError(await t.gql('{ scenarios { edges { cursor } } }')).extensions.code).toBe('AUTH_REQUIRED')
    expect(onlyError(await t.gql('{ models { edges { cursor } } }')).extensions.code).toBe('AUTH_REQUIRED')
    expect((await t.call({ method: 'GET', url: '/v1/models' })).json().code).toBe('AUTH_REQUIRED')
    const reader = (await t.app.auth.issue({ name: 'required-reader', role: 'reader' })).key
    expect((await t.gql(ESTIMATE, undefined, reader)).data.estimate.parameters.total).toBeGreaterThan(1e9)
  })
})
