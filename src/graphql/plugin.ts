// POST /graphql: the SDL files under ./schema, the resolvers of each area, and loaders for every
// relation, over the same services REST calls. The request's service context (who is calling,
// from the Bearer key the services plugin authenticated) becomes the GraphQL context, so roles
// are enforced by the services exactly as for REST. GraphiQL stays off: it loads from a CDN.
import { readdirSync, readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import mercurius, { type IResolvers, type MercuriusLoaders } from 'mercurius'
import type { Config } from '../config.ts'
import type { ServiceContext } from '../services/context.ts'
import { authResolvers } from './auth.resolvers.ts'
import { catalogLoaders, catalogResolvers } from './catalog.resolvers.ts'
import { configImportResolvers } from './config-import.resolvers.ts'
import { errorFormatter } from './errors.ts'
import { estimateResolvers } from './estimate.resolvers.ts'
import { planningLoaders, planningResolvers } from './planning.resolvers.ts'
import { graphqlLimits } from './query-limits.ts'
import { graphql } from './graphql-runtime.ts'
import { scalarResolvers, withRestEnumValues } from './scalars.ts'
import { checkMutationAccess } from './mutation-access.ts'
import { holdVariables, releaseVariables, withGraphqlJsVariableErrors } from './variables.ts'
import { scenarioLoaders, scenarioResolvers } from './scenario.resolvers.ts'

declare module 'mercurius' {
  interface MercuriusContext {
    service: ServiceContext
  }
}

const SCHEMA_DIR = new URL('./schema/', import.meta.url)

/** Every .graphql file of the schema folder, common.graphql (root types, scalars) first. */
export function loadSchema(): string {
  const files = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.graphql')).sort((a, b) => Number(b === 'common.graphql') - Number(a === 'common.graphql') || a.localeCompare(b))
  return files.map((file) => readFileSync(new URL(file, SCHEMA_DIR), 'utf8')).join('\n')
}

/** Merges per-area resolver maps type by type (each area adds fields to Query and Mutation). */
function mergeResolvers(...maps: IResolvers[]): IResolvers {
  const merged: Record<string, Record<string, unknown>> = {}
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) merged[type] = { ...merged[type], ...(fields as Record<string, unknown>) }
  }
  return merged as IResolvers
}

export const RESOLVERS = mergeResolvers(scalarResolvers as IResolvers, estimateResolvers, configImportResolvers, catalogResolvers, scenarioResolvers, planningResolvers, authResolvers)
export const LOADERS: MercuriusLoaders = { ...catalogLoaders, ...scenarioLoaders, ...planningLoaders }

export async function graphqlPlugin(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  const schema = withRestEnumValues(graphql.buildSchema(loadSchema()))
  holdVariables(app)
  checkMutationAccess(app)
  // Mercurius' response schema types `data` as any object, which fast-json-stringify serialises
  // key by key through its generic path (~4 µs of a GraphQL estimate); the execution result is
  // plain JSON already, so JSON.stringify writes the same bytes, except that error paths keep
  // their list indexes as numbers, as the GraphQL spec has them (the schema made them strings).
  app.addHook('onRoute', (route) => {
    if (route.url === '/graphql') route.serializerCompiler = () => JSON.stringify
  })
  await app.register(mercurius, {
    ...graphqlLimits(config),
    schema,
    resolvers: RESOLVERS,
    loaders: LOADERS,
    graphiql: false,
    // A document run GRAPHQL_JIT times is compiled with graphql-jit between requests; compiled
    // runs skip graphql-js's walk of the schema, about a third of a GraphQL estimate's CPU time
    // (docs/performance.md). Adaptive mode, because then Mercurius still checks every request's
    // variables with graphql-js, so errors read the same compiled or not (the numeric `jit`
    // option skips that check on the request that compiles). eluThreshold 1: compile at the first
    // check that finds any idle time in the loop (a busy server still waits on sockets), not only
    // when it is quiet; a compile is one-off per document.
    jit: config.GRAPHQL_JIT > 0 ? { minCount: config.GRAPHQL_JIT, eluThreshold: 1 } : undefined,
    path: '/graphql',
    context: (request) => ({ service: request.serviceContext }),
    errorFormatter: (execution, ctx) => errorFormatter(withGraphqlJsVariableErrors(schema, execution, ctx), ctx),
  })
  releaseVariables(app)
}
