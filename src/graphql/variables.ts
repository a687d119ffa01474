// Mercurius checks a request's variables with graphql-js and then runs the document, which
// coerces them again (graphql-js's execute, or the compiled coercion of a document graphql-jit
// compiled): the first pass was ~8 % of a GraphQL estimate, and redundant. POST bodies' variables
// are kept from that check and handed back through Mercurius' preExecution hook, so each request
// coerces them once. graphql-jit words variable errors its own way (and can name the wrong
// variable), so a run that fails on variables alone gets graphql-js's errors instead: callers
// read the same errors as when Mercurius checked.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ExecutionResult, GraphQLSchema } from 'graphql'
import type { MercuriusContext } from 'mercurius'
import { graphql } from './graphql-runtime.ts'

type Variables = Record<string, unknown>

const held = new WeakMap<FastifyRequest, Variables>()

/** Call before registering Mercurius (the hook must apply to its route). */
export function holdVariables(app: FastifyInstance): void {
  app.addHook('preHandler', (request, _reply, done) => {
    const body = request.body as { variables?: unknown } | null | undefined
    if (request.method === 'POST' && body && typeof body === 'object' && !Array.isArray(body)
      && body.variables && typeof body.variables === 'object' && !Array.isArray(body.variables)) {
      held.set(request, body.variables as Variables)
      body.variables = undefined
    }
    done()
  })
}

/** Call after registering Mercurius. */
export function releaseVariables(app: FastifyInstance): void {
  app.graphql.addHook('preExecution', async (_schema, _document, context) => {
    const variables = held.get(context.reply.request)
    return variables ? { variables } : undefined
  })
}

/** graphql-js's errors for a run that failed on its held variables alone; any other result as it is. */
export function withGraphqlJsVariableErrors(schema: GraphQLSchema, execution: ExecutionResult, ctx: MercuriusContext): ExecutionResult {
  if (execution.data !== undefined || !execution.errors?.length) return execution
  const request = ctx.reply?.request
  const variables = request && held.get(request)
  if (!variables || !execution.errors.every((error) => error.message.startsWith('Variable "$'))) return execution
  const { query, operationName } = request.body as { query?: unknown; operationName?: unknown }
  if (typeof query !== 'string') return execution
  const operation = graphql.getOperationAST(graphql.parse(query), typeof operationName === 'string' ? operationName : undefined)
  if (!operation) return execution
  const { errors } = graphql.getVariableValues(schema, operation.variableDefinitions ?? [], variables)
  return errors && errors.length > 0 ? { ...execution, errors } : execution
}
