// Mutations check the caller's role before Mercurius validates the document or coerces the
// variables: without the role, invalid input gets the same AUTH_REQUIRED / AUTH_FORBIDDEN answer
// a valid one gets (status 200, data null, the error on the mutation's field), and only a caller
// with the role learns that the input is wrong (400 VALIDATION_FAILED).
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { GraphQLField, GraphQLObjectType } from 'graphql'
import { graphql } from '../../src/graphql/graphql-runtime.ts'
import { MUTATION_ACCESS } from '../../src/graphql/mutation-access.ts'
import { loadSchema } from '../../src/graphql/plugin.ts'
import { asAdmin, onlyError, startGraphqlApp, type GraphqlTestApp } from './graphql-test-app.ts'

const mutationType = graphql.buildSchema(loadSchema()).getMutationType() as GraphQLObjectType
const FIELDS = Object.values(mutationType.getFields()) as GraphQLField<unknown, unknown>[]

/** The mutation with every argument a variable of its declared type; sent with no variables, each required one fails coercion. */
function withVariables(field: GraphQLField<unknown, unknown>, alias?: string): string {
  const declared = field.args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ')
  const passed = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ')
  return `mutation Denied(${declared}) { ${alias ? `${alias}: ` : ''}${field.name}(${passed}) { __typename } }`
}

describe('mutation access', () => {
  let t: GraphqlTestApp
  const keys = { reader: '', editor: '', admin: asAdmin.key }
  beforeAll(async () => {
    t = await startGraphqlApp('pglite')
    keys.reader = (await t.app.auth.issue({ name: 'gql-reader', role: 'reader' })).key
    keys.editor = (await t.app.auth.issue({ name: 'gql-editor', role: 'editor' })).key
  })
  afterAll(async () => { await t?.close() })

  test('every mutation of the schema has its access declared', () => {
    expect(Object.keys(MUTATION_ACCESS).sort()).toEqual(FIELDS.map((field) => field.name).sort())
  })

  test.each(FIELDS.map((field) => [field.name, field] as const))('%s: no key, then too low a role, get the auth error before the variables fail', async (name, field) => {
    const needed = MUTATION_ACCESS[name]!
    const document = withVariables(field)
    const callers = needed === 'admin' ? ['reader', 'editor'] as const : needed === 'editor' ? ['reader'] as const : []
    if (needed !== 'read') {
      const anonymous = await t.gql(document, {})
      expect(anonymous.status, JSON.stringify(anonymous.errors)).toBe(200)
      expect(anonymous.data).toBeNull()
      expect(onlyError(anonymous)).toMatchObject({ path: [name], locations: [{ line: 1 }], extensions: { code: 'AUTH_REQUIRED' } })
    }
    for (const role of callers) {
      const refused = await t.gql(document, {}, keys[role])
      expect(onlyError(refused)).toMatchObject({
        message: `This operation needs role ${needed}; the key has role ${role}`, path: [name], extensions: { code: 'AUTH_FORBIDDEN' },
      })
    }
    // With the role (or for an open one, anyone), the same request reaches coercion: 400.
    const allowed = await t.gql(document, {}, needed === 'read' ? undefined : keys[needed])
    expect(allowed.status).toBe(400)
    expect(allowed.errors?.[0]?.extensions.code).toBe('VALIDATION_FAILED')
    expect(allowed.errors?.[0]?.message).toMatch(/^Variable "\$\w+" of required type "[^"]+!" was not provided\.$/)
  })

  test('a document that fails validation (a bad enum literal) is still refused first, even after it was cached as invalid', async () => {
    const document = 'mutation { createApiKey(name: "x", role: WIZARD) { key } }'
    const admin = await t.gql(document, undefined, keys.admin)
    expect(admin.status).toBe(400)
    expect(admin.errors?.[0]?.extensions.code).toBe('VALIDATION_FAILED')
    // Mercurius now answers this source from its cache of invalid documents, without validating it again.
    for (let i = 0; i < 2; i++) {
      const anonymous = await t.gql(document)
      expect(anonymous.status).toBe(200)
      expect(onlyError(anonymous).extensions.code).toBe('AUTH_REQUIRED')
      expect(onlyError(await t.gql(document, undefined, keys.editor)).extensions.code).toBe('AUTH_FORBIDDEN')
    }
  })

  test('aliases, fragments and the named operation are followed to the field that needs the role', async () => {
    const aliased = await t.gql(withVariables(mutationType.getFields().deleteScenario as GraphQLField<unknown, unknown>, 'gone'), {}, keys.reader)
    expect(onlyError(aliased)).toMatchObject({ path: ['gone'], extensions: { code: 'AUTH_FORBIDDEN' } })
    const fragment = await t.gql('mutation { ...Grant } fragment Grant on Mutation { ... on Mutation { createApiKey(name: "x", role: ADMIN) { key } } }', undefined, keys.editor)
    expect(onlyError(fragment)).toMatchObject({ path: ['createApiKey'], extensions: { code: 'AUTH_FORBIDDEN' } })
    const res = await t.call({
      method: 'POST', url: '/graphql', key: keys.editor,
      payload: { query: 'query Read { __typename } mutation Write { revokeApiKey(id: 7) { id } }', operationName: 'Write' },
    })
    expect(res.json().errors[0].extensions.code).toBe('AUTH_FORBIDDEN')
    const read = await t.call({
      method: 'POST', url: '/graphql', key: keys.editor,
      payload: { query: 'query Read { __typename } mutation Write { revokeApiKey(id: 7) { id } }', operationName: 'Read' },
    })
    expect(read.json()).toEqual({ data: { __typename: 'Query' } })
  })

  test('a caller with the role is untouched: an editor creates a scenario', async () => {
    const res = await t.gql('mutation($input: ScenarioInput!) { createScenario(input: $input) { scenario { name } } }', {
      input: { name: 'allowed', request: { modelId: 'llama-2-7b', method: { type: 'LORA' }, training: { microBatchSize: 1, sequenceLength: 512 }, hardware: { gpuId: 'a100-80gb' } } },
    }, keys.editor)
    expect(res.errors).toBeUndefined()
    expect(res.data.createScenario.scenario.name).toBe('allowed')
  })
})

describe('REQUIRE_AUTH=true: open mutations need a key first too', () => {
  let t: GraphqlTestApp
  beforeAll(async () => { t = await startGraphqlApp('pglite', { REQUIRE_AUTH: 'true' }) })
  afterAll(async () => { await t?.close() })

  test('repriceScenario with missing variables: AUTH_REQUIRED without a key, the 400 with one', async () => {
    const document = withVariables(mutationType.getFields().repriceScenario as GraphQLField<unknown, unknown>)
    expect(onlyError(await t.gql(document, {})).extensions.code).toBe('AUTH_REQUIRED')
    const reader = (await t.app.auth.issue({ name: 'r', role: 'reader' })).key
    expect((await t.gql(document, {}, reader)).status).toBe(400)
  })
})
