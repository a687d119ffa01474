// What a sweep may vary and at which values: every numeric field of the estimate request, read off
// EstimateRequestSchema itself (so a field the contract gains is sweepable without a list to
// update), and the values of `vary` (a list, or a linear or logarithmic range).
import type { TSchema } from 'typebox'
import { ValidationError } from '../contract/errors.ts'
import { EstimateRequestSchema, type EstimateRequest } from '../contract/estimate.schemas.ts'
import type { SweepRequest } from '../contract/sweep.schemas.ts'

export interface SweepField {
  /** The dotted path as asked, e.g. "training.sequenceLength". */
  name: string
  keys: string[]
  /** The JSON pointer of the field in an estimate request, e.g. "/training/sequenceLength". */
  pointer: string
  integer: boolean
  /** Where the field sits in an "id or inline spec" union (model, hardware.gpu): the union's path. */
  inlineOnly: string[] | null
  /** Which part of the request's resolution the field changes. */
  part: 'model' | 'gpu' | 'pricing' | 'other'
}

interface JsonSchemaNode { type?: string; properties?: Record<string, JsonSchemaNode>; anyOf?: JsonSchemaNode[] }

function collect(node: JsonSchemaNode, keys: string[], inlineOnly: string[] | null, out: Map<string, SweepField>): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = [...keys, key]
    if (child.type === 'integer' || child.type === 'number') {
      const name = path.join('.')
      const part = path[0] === 'model' ? 'model' : path[0] === 'hardware' && path[1] === 'gpu' ? 'gpu' : path[0] === 'pricing' ? 'pricing' : 'other'
      out.set(name, { name, keys: path, pointer: `/${path.join('/')}`, integer: child.type === 'integer', inlineOnly, part })
    } else if (child.type === 'object') {
      collect(child, path, inlineOnly, out)
    } else if (child.anyOf) {
      for (const branch of child.anyOf) if (branch.type === 'object') collect(branch, path, path, out)
    }
  }
}

/** Every numeric field of an estimate request, by dotted path. */
export const SWEEP_FIELDS: ReadonlyMap<string, SweepField> = (() => {
  const out = new Map<string, SweepField>()
  collect(EstimateRequestSchema as TSchema as JsonSchemaNode, [], null, out)
  return out
})()

/** The field `vary.field` names, checked against the request (a model.* field needs an inline model). */
export function sweepField(name: string, request: EstimateRequest): SweepField {
  const field = SWEEP_FIELDS.get(name)
  if (!field) {
    throw new ValidationError('/vary/field', `"${name}" is not a numeric field of the estimate request; one of: ${[...SWEEP_FIELDS.keys()].join(', ')}`)
  }
  if (field.inlineOnly) {
    const ref = valueAt(request, field.inlineOnly)
    if (typeof ref === 'string') {
      throw new ValidationError('/vary/field', `varies an inline spec, but ${field.inlineOnly.join('.')} is the catalog id "${ref}"; give the spec inline`)
    }
  }
  return field
}

function valueAt(value: unknown, keys: string[]): unknown {
  let at = value
  for (const key of keys) at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined
  return at
}

/** A copy of `request` with the field set to `value`: objects along the path are copied (or created), the rest shared. */
export function withValue(request: EstimateRequest, field: SweepField, value: number): EstimateRequest {
  const copy = (node: unknown, depth: number): Record<string, unknown> => {
    const source = node !== null && typeof node === 'object' ? node as Record<string, unknown> : {}
    const key = field.keys[depth]!
    return { ...source, [key]: depth === field.keys.length - 1 ? value : copy(source[key], depth + 1) }
  }
  return copy(request, 0) as unknown as EstimateRequest
}

export interface SweepValue {
  value: number
  /** Where a 400 about this value points: /vary/values/i, or /vary/range/from, /to, or /vary/range between them. */
  pointer: string
}

/** The values of `vary`, in order; exactly one of `values` and `range` must be given. */
export function sweepValues(vary: SweepRequest['vary'], field: SweepField): SweepValue[] {
  if ((vary.values === undefined) === (vary.range === undefined)) {
    throw new ValidationError(vary.values === undefined ? '/vary' : '/vary/range', 'give exactly one of values (a list) and range ({ from, to, steps })')
  }
  if (vary.values) return vary.values.map((value, i) => ({ value, pointer: `/vary/values/${i}` }))
  const { from, to, steps, scale = 'linear' } = vary.range!
  if (scale === 'log' && !(from > 0 && to > 0)) {
    throw new ValidationError(from > 0 ? '/vary/range/to' : '/vary/range/from', 'must be above 0 with scale log')
  }
  const points: SweepValue[] = []
  for (let i = 0; i < steps; i++) {
    const t = i / (steps - 1)
    // The ends exactly as given, not as the formula rounds them.
    const raw = i === 0 ? from : i === steps - 1 ? to : scale === 'log' ? from * (to / from) ** t : from + (to - from) * t
    const value = field.integer ? Math.round(raw) : raw
    if (points.length > 0 && points[points.length - 1]!.value === value) continue
    points.push({ value, pointer: i === 0 ? '/vary/range/from' : i === steps - 1 ? '/vary/range/to' : '/vary/range' })
  }
  return points
}
