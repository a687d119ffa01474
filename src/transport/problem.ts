// Any error as RFC 9457 problem details, the one mapping both doors use: REST sends it as
// problem+json, GraphQL copies its code, status and fields into the error's extensions. Domain
// errors keep their code and status; request validation failures become 400 VALIDATION_FAILED
// naming each field as a JSON pointer; anything unexpected is a 500 whose message stays in the log.
import { STATUS_CODES } from 'node:http'
import type { FastifyError } from 'fastify'
import { isDatabaseUnavailable } from '../db/availability.ts'
import { AppError, type FieldError } from '../contract/errors.ts'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: string
  instance: string
  errors: FieldError[]
}

interface AjvIssue {
  instancePath: string
  message?: string
  keyword: string
  params: Record<string, unknown>
}

/** `/problems/validation-failed`: a stable, relative type URI per code. */
export const problemType = (code: string) => `/problems/${code.toLowerCase().replace(/_/g, '-')}`

/** Ajv reports a missing or unknown property at its parent; point at the property itself. */
function fieldOf(issue: AjvIssue): string {
  const child = issue.params.missingProperty ?? issue.params.additionalProperty
  return typeof child === 'string' ? `${issue.instancePath}/${child}` : issue.instancePath || '/'
}

function unionNoise(issue: AjvIssue, issues: AjvIssue[]): boolean {
  return issue.keyword === 'type' && issues.some((other) => fieldOf(other).startsWith(`${issue.instancePath}/`))
}

function validationErrors(issues: AjvIssue[]): FieldError[] {
  // anyOf/oneOf add a summary issue next to each branch's; the branch issues say more.
  // A value that failed inside one branch of a union (an inline spec with a bad field) also fails
  // the other branch's type ("must be string"): only the inner failure is worth reporting.
  const useful = issues.filter((issue) => issue.keyword !== 'anyOf' && issue.keyword !== 'oneOf' && !unionNoise(issue, issues))
  const seen = new Set<string>()
  return (useful.length > 0 ? useful : issues).flatMap((issue) => {
    const field = fieldOf(issue)
    const allowed = issue.params.allowedValues
    const message = (issue.message ?? 'is invalid') + (Array.isArray(allowed) ? `: ${allowed.join(', ')}` : '')
    const key = `${field} ${message}`
    if (seen.has(key)) return []
    seen.add(key)
    return [{ field, message }]
  })
}

export function toProblem(err: FastifyError | Error, instance: string): Problem {
  const base = (status: number, code: string, detail: string, errors: FieldError[] = []): Problem => ({
    type: problemType(code),
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    code,
    instance,
    errors,
  })
  if (err instanceof AppError) return base(err.status, err.code, err.message, err.errors)
  const fastifyError = err as FastifyError & { validation?: AjvIssue[] }
  if (Array.isArray(fastifyError.validation)) {
    const errors = validationErrors(fastifyError.validation)
    return base(400, 'VALIDATION_FAILED', errors.map((e) => `${e.field} ${e.message}`).join('; '), errors)
  }
  if (fastifyError.code === 'FST_ERR_HANDLER_TIMEOUT') {
    return base(503, 'REQUEST_TIMEOUT', 'The request took too long to answer; try again shortly')
  }
  const status = fastifyError.statusCode ?? 500
  if (status >= 400 && status < 500) {
    return base(status, fastifyError.code?.replace(/^FST_ERR_/, '') ?? 'BAD_REQUEST', err.message)
  }
  if (isDatabaseUnavailable(err)) {
    return base(503, 'DATABASE_UNAVAILABLE', 'The database is not available; try again shortly')
  }
  return base(500, 'INTERNAL_ERROR', 'An unexpected error occurred; it has been logged')
}

