// The one place GraphQL turns errors into responses. Domain errors keep the code REST gives them
// (extensions.code, plus the failing field), through REST's own mapping, so a 503 or a hidden
// 500 reads the same on both doors. Errors raised before any resolver ran (syntax, unknown
// fields, bad argument or variable types, query limits) are request errors: VALIDATION_FAILED
// unless the rule that raised them gave a more precise code.
import type { ExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql'
import type { MercuriusContext } from 'mercurius'
import { toProblem } from '../transport/problem.ts'
import { InvalidInputError } from './scalars.ts'

interface Mapped {
  formatted: GraphQLFormattedError
  status: number
}

/** Mercurius's own request errors, by their code; any other MER_ERR_GQL_* is a plain VALIDATION_FAILED. */
const MERCURIUS_CODES: Record<string, string> = { MER_ERR_GQL_QUERY_DEPTH: 'QUERY_TOO_DEEP' }

/**
 * By name, not instanceof: Mercurius may load graphql's CommonJS build while this module gets
 * the ES one (the dual-package hazard), and their GraphQLError classes differ.
 */
const isGraphqlError = (value: unknown): value is GraphQLError => (value as Error | undefined)?.name === 'GraphQLError'

/** Mercurius wraps request-level failures (validation, query depth) in one error listing the real ones. */
function expand(error: GraphQLError): Error[] {
  const nested = (error.originalError as { errors?: unknown } | undefined)?.errors
  return Array.isArray(nested) && nested.length > 0 && nested.every((e) => e instanceof Error) ? nested : [error]
}

function requestError(error: Error): Mapped | null {
  const cause = isGraphqlError(error) ? (error.originalError ?? error) : error
  const mercuriusCode = (cause as { code?: unknown }).code
  if (typeof mercuriusCode === 'string' && mercuriusCode.startsWith('MER_ERR_GQL_')) {
    return { status: 400, formatted: { message: cause.message, extensions: { code: MERCURIUS_CODES[mercuriusCode] ?? 'VALIDATION_FAILED' } } }
  }
  if (!isGraphqlError(error) || !(isGraphqlError(cause) || cause instanceof InvalidInputError)) return null
  const code = error.extensions?.code ?? (cause as GraphQLError).extensions?.code
  // A GraphQL error with a path was raised while resolving (an output failed to serialise): internal, not the caller's.
  if (error.path !== undefined && !(cause instanceof InvalidInputError) && code !== 'VALIDATION_FAILED') return null
  return { status: 400, formatted: { ...error.toJSON(), extensions: { ...error.extensions, code: code ?? 'VALIDATION_FAILED' } } }
}

function mapError(error: Error, log: MercuriusContext['app']['log']): Mapped {
  const request = requestError(error)
  if (request) return request
  const graphql = isGraphqlError(error) ? error : undefined
  const original = graphql?.originalError ?? error
  const problem = toProblem(original, '/graphql')
  if (problem.status >= 500) log.error({ err: original, path: graphql?.path }, 'graphql resolver failed')
  else log.info({ code: problem.code, detail: problem.detail, path: graphql?.path }, 'graphql request rejected')
  const field = problem.errors[0]?.field
  return {
    status: problem.status,
    formatted: {
      message: problem.detail,
      ...(graphql?.locations ? { locations: graphql.locations } : {}),
      ...(graphql?.path ? { path: graphql.path } : {}),
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
