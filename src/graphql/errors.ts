// The one place GraphQL turns errors into responses. Domain errors keep the code REST gives them
// (extensions.code, plus the failing field), through REST's own mapping, so a 503 or a hidden
// 500 reads the same on both doors. Errors GraphQL itself raises before executing (syntax,
// unknown fields, bad argument or variable types) are VALIDATION_FAILED.
import type { ExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql'
import type { MercuriusContext } from 'mercurius'
import { toProblem } from '../http/error-handler.ts'

interface Mapped {
  formatted: GraphQLFormattedError
  status: number
}

/**
 * By name, not instanceof: Mercurius may load graphql's CommonJS build while this module gets
 * the ES one (the dual-package hazard), and their GraphQLError classes differ.
 */
const isGraphqlError = (value: unknown): value is GraphQLError => (value as Error | undefined)?.name === 'GraphQLError'

/** Mercurius wraps request-level failures (validation) in one error listing the real ones. */
function expand(error: GraphQLError): GraphQLError[] {
  const nested = (error.originalError as { errors?: unknown } | undefined)?.errors
  return Array.isArray(nested) && nested.length > 0 && nested.every(isGraphqlError) ? nested : [error]
}

function mapError(error: GraphQLError, log: MercuriusContext['app']['log']): Mapped {
  const original = error.originalError
  const raisedByGraphql = original === undefined || isGraphqlError(original)
  // No path: it failed before any resolver ran, so the request itself is malformed.
  if (raisedByGraphql && (error.path === undefined || (original as GraphQLError | undefined)?.extensions?.code === 'VALIDATION_FAILED')) {
    return {
      status: 400,
      formatted: { ...error.toJSON(), extensions: { ...error.extensions, code: 'VALIDATION_FAILED' } },
    }
  }
  const problem = toProblem(original ?? error, '/graphql')
  if (problem.status >= 500) log.error({ err: original ?? error, path: error.path }, 'graphql resolver failed')
  else log.info({ code: problem.code, detail: problem.detail, path: error.path }, 'graphql request rejected')
  const field = problem.errors[0]?.field
  return {
    status: problem.status,
    formatted: {
      message: problem.detail,
      ...(error.locations ? { locations: error.locations } : {}),
      ...(error.path ? { path: error.path } : {}),
      extensions: { code: problem.code, ...(field ? { field } : {}), ...(problem.errors.length > 0 ? { errors: problem.errors } : {}) },
    },
  }
}

/**
 * Status 200 whenever the operation executed (the body carries `data`, per GraphQL over HTTP);
 * a request that never ran (malformed query, rejected API key) gets the status of its error.
 */
export function errorFormatter(execution: ExecutionResult & { statusCode?: number }, ctx: MercuriusContext) {
  const log = ctx.reply?.log ?? ctx.app.log
  const mapped = (execution.errors ?? []).flatMap(expand).map((error) => mapError(error, log))
  const executed = execution.data !== undefined
  return {
    statusCode: executed ? 200 : (mapped[0]?.status ?? 400),
    response: { data: execution.data ?? null, errors: mapped.map((m) => m.formatted) },
  }
}
