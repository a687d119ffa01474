// Services check their inputs against the same TypeBox schemas REST validates with, so a caller
// that bypasses Fastify (GraphQL, scripts) gets the same 400 naming the same field, in the words
// REST's Ajv uses (src/transport/problem.ts).
import type { Static, TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { ValidationError, type FieldError } from '../contract/errors.ts'

interface Issue {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message: string
}

function fieldErrors(issues: Issue[]): FieldError[] {
  // anyOf adds a summary next to each branch's issues, and additionalProperties one next to the
  // per-property "schema is false"; the specific issues say more.
  // A value that failed inside one branch of a union also fails the other branch's type check.
  const inner = (i: Issue) => issues.some((o) => o.instancePath.startsWith(`${i.instancePath}/`) || (o.keyword === 'required' && o.instancePath === i.instancePath))
  const specific = issues.filter((i) => i.keyword !== 'anyOf' && i.keyword !== 'additionalProperties' && !(i.keyword === 'type' && inner(i)))
  const seen = new Set<string>()
  return (specific.length > 0 ? specific : issues).flatMap((issue): FieldError[] => {
    const errors: FieldError[] =
      issue.keyword === 'required' && Array.isArray(issue.params.requiredProperties)
        ? issue.params.requiredProperties.map((name) => ({ field: `${issue.instancePath}/${String(name)}`, message: `must have required property '${String(name)}'` }))
        : issue.keyword === 'boolean'
          ? [{ field: issue.instancePath, message: 'must NOT have additional properties' }]
          : [{ field: issue.instancePath || '/', message: issue.message + allowedValues(issue) }]
    return errors.filter((e) => !seen.has(`${e.field} ${e.message}`) && seen.add(`${e.field} ${e.message}`))
  })
}

const allowedValues = (issue: Issue) =>
  Array.isArray(issue.params.allowedValues) ? `: ${issue.params.allowedValues.join(', ')}` : ''

/** A checker for one schema: returns the value typed, or throws a 400 ValidationError naming every bad field. */
export function validator<T extends TSchema>(schema: T, code = 'VALIDATION_FAILED') {
  const compiled = Compile(schema)
  return <V = Static<T>>(value: unknown): V => {
    if (compiled.Check(value)) return value as V
    throw ValidationError.of(fieldErrors([...compiled.Errors(value)] as Issue[]), code)
  }
}
