// The GraphQL query limits against the service's own schema: costs computed by hand from the
// rule (each field 1; a selection under a page counts once per item; an unpaged list as 10 items).
import { describe, expect, it } from 'vitest'
import { graphql } from '../../src/graphql/graphql-runtime.ts'
import { loadSchema } from '../../src/graphql/plugin.ts'
import { aliasLimit, costLimit, graphqlLimits } from '../../src/graphql/query-limits.ts'

// The graphql build Mercurius (and so the rules) use: the ES build's classes would not match.
const { buildSchema, parse, specifiedRules, validate } = graphql
const schema = buildSchema(loadSchema())
const errorsOf = (query: string, rules = graphqlLimits({ GRAPHQL_MAX_DEPTH: 10, GRAPHQL_MAX_ALIASES: 30, GRAPHQL_MAX_COST: 5_000 }).validationRules) =>
  validate(schema, parse(query), [...specifiedRules, ...rules]).map((e) => ({ message: e.message, code: e.extensions.code }))

describe('cost', () => {
  // gpus 1 + 10 × (edges 1 + (node 1 + 3 fields)) = 51
  const page = '{ gpus(first: 10) { edges { node { id name memoryGiB } } } }'

  it('prices a page by its size: 51 passes a limit of 51 and fails one of 50, naming both', () => {
    expect(errorsOf(page, [costLimit(51)])).toEqual([])
    expect(errorsOf(page, [costLimit(50)])).toEqual([{ message: 'The operation may cost 51, more than the limit of 50; ask for fewer items or fields', code: 'QUERY_TOO_COSTLY' }])
  })

  it('takes the schema default page size when none is given (first: Int = 50): 1 + 50 × 3 = 151', () => {
    expect(errorsOf('{ gpus { edges { node { id } } } }', [costLimit(151)])).toEqual([])
    expect(errorsOf('{ gpus { edges { node { id } } } }', [costLimit(150)])).toHaveLength(1)
  })

  it('assumes the 200-item clamp for a page size from a variable: 1 + 200 × 3 = 601', () => {
    const query = 'query Page($n: Int) { gpus(first: $n) { edges { node { id } } } }'
    expect(errorsOf(query, [costLimit(601)])).toEqual([])
    expect(errorsOf(query, [costLimit(600)])[0]!.message).toBe('The operation Page may cost 601, more than the limit of 600; ask for fewer items or fields')
  })

  it('multiplies nested lists, so walking the gpu → prices → gpu cycle is refused under the default limit', () => {
    // prices 1 + 10 × (gpu 1 + (prices 1 + 10 × 1)) = 121; node 122; edges 123; gpus 1 + 50 × 123 = 6151
    const cycle = '{ gpus(first: 50) { edges { node { prices { gpu { prices { id } } } } } } }'
    expect(errorsOf(cycle)).toEqual([{ message: 'The operation may cost 6151, more than the limit of 5000; ask for fewer items or fields', code: 'QUERY_TOO_COSTLY' }])
  })

  it('counts fields reached through fragments, and survives a fragment cycle (reported by the spec rule)', () => {
    const viaFragment = '{ gpus(first: 10) { edges { node { ...G } } } } fragment G on Gpu { id name memoryGiB }'
    expect(errorsOf(viaFragment, [costLimit(50)])[0]!.message).toContain('may cost 51')
    const cyclic = '{ gpu(id: "a") { ...A } } fragment A on Gpu { prices { gpu { ...A } } }'
    expect(errorsOf(cyclic).map((e) => e.message)).toEqual(['Cannot spread fragment "A" within itself.'])
  })
})

describe('aliases', () => {
  const withAliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: gpu(id: "h100") { id }`).join(' ')} }`

  it('accepts 30 aliases and refuses the 31st', () => {
    expect(errorsOf(withAliases(30), [aliasLimit(30)])).toEqual([])
    expect(errorsOf(withAliases(31), [aliasLimit(30)])).toEqual([{ message: 'The document uses more than 30 aliases', code: 'QUERY_TOO_MANY_ALIASES' }])
  })
})

it('hands Mercurius the configured depth', () => {
  expect(graphqlLimits({ GRAPHQL_MAX_DEPTH: 7, GRAPHQL_MAX_ALIASES: 1, GRAPHQL_MAX_COST: 1 }).queryDepth).toBe(7)
})
