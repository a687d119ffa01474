// fast-check arbitraries from the service's own JSON Schemas (the OpenAPI document Fastify builds
// from the route schemas): values the schema accepts, and single mutations of them that it must
// reject, each with the JSON pointer a 400 has to name.
import fc from 'fast-check'

export type Schema = Record<string, unknown> & {
  $ref?: string; type?: string | string[]; enum?: unknown[]; const?: unknown; anyOf?: Schema[]; oneOf?: Schema[]; allOf?: Schema[]
  properties?: Record<string, Schema>; required?: string[]; additionalProperties?: boolean | Schema; items?: Schema
  minItems?: number; maxItems?: number; uniqueItems?: boolean; minLength?: number; maxLength?: number; pattern?: string; format?: string
  minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number; nullable?: boolean
}

export interface Generator {
  valid(schema: Schema): fc.Arbitrary<unknown>
  resolve(schema: Schema): Schema
}

/** A failing input and the pointer whose error must be reported. */
export interface Mutation { value: unknown; pointer: string; kind: string }

/** Catalog-looking strings come from real ids half the time, so success paths run too. */
export function schemaGenerator(root: { components?: { schemas?: Record<string, Schema> } }, knownIds: string[]): Generator {
  const resolve = (schema: Schema): Schema => {
    let s = schema
    while (s.$ref) {
      const name = s.$ref.replace('#/components/schemas/', '')
      s = root.components?.schemas?.[name] ?? {}
    }
    return s
  }

  const valid = (input: Schema, depth = 0): fc.Arbitrary<unknown> => {
    const s = resolve(input)
    if ('const' in s) return fc.constant(s.const)
    if (s.enum) return fc.constantFrom(...s.enum)
    const branches = s.anyOf ?? s.oneOf
    if (branches) return fc.oneof(...branches.map((b) => valid(b, depth)))
    if (s.allOf) return valid(s.allOf[0]!, depth)
    if (Array.isArray(s.type)) return fc.oneof(...s.type.map((type) => valid({ ...s, type }, depth)))
    switch (s.type) {
      case 'null': return fc.constant(null)
      case 'boolean': return fc.boolean()
      case 'integer': return integer(s)
      case 'number': return number(s)
      case 'string': return string(s)
      case 'array': {
        const max = Math.min(s.maxItems ?? 3, (s.minItems ?? 0) + 3, depth > 3 ? (s.minItems ?? 0) : 99)
        const item = valid(s.items ?? {}, depth + 1)
        return s.uniqueItems
          ? fc.uniqueArray(item, { minLength: s.minItems ?? 0, maxLength: max, selector: (v) => JSON.stringify(v) })
          : fc.array(item, { minLength: s.minItems ?? 0, maxLength: max })
      }
      case 'object': {
        const properties = s.properties ?? {}
        if (Object.keys(properties).length === 0) return fc.constant({})
        const required = s.required ?? []
        // Deep optional branches are left out: they multiply the size without new routes of code.
        const keys = Object.keys(properties).filter((key) => required.includes(key) || depth < 4)
        return fc.record(Object.fromEntries(keys.map((key) => [key, valid(properties[key]!, depth + 1)])), { requiredKeys: required.filter((k) => keys.includes(k)) })
      }
      default: return fc.jsonValue({ maxDepth: 1 })
    }
  }

  const integer = (s: Schema) => {
    const lo = Math.max(s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : (s.minimum ?? -1_000), -1e12)
    const hi = Math.min(s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : (s.maximum ?? 1e6), 1e12)
    return fc.oneof(fc.constant(lo), fc.constant(hi), fc.integer({ min: Math.max(lo, -(2 ** 31)), max: Math.min(hi, lo + 10_000, 2 ** 31 - 1) }))
  }
  const number = (s: Schema) => {
    const lo = s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1e-6 : (s.minimum ?? -1_000)
    const hi = s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1e-6 : (s.maximum ?? 1e6)
    return fc.oneof(fc.constant(lo), fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true }))
  }
  const string = (s: Schema): fc.Arbitrary<string> => {
    if (s.format === 'date-time') return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString())
    if (s.format === 'date') return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10))
    const max = Math.min(s.maxLength ?? 24, 24)
    const min = s.minLength ?? 0
    if (s.pattern) {
      const re = new RegExp(s.pattern)
      const known = knownIds.filter((id) => re.test(id) && id.length >= min && id.length <= (s.maxLength ?? Infinity))
      const generated = fc.stringMatching(re).filter((v) => v.length >= min && v.length <= (s.maxLength ?? 10_000))
      return known.length > 0 ? fc.oneof(fc.constantFrom(...known), generated) : generated
    }
    return fc.string({ minLength: min, maxLength: Math.max(min, max) })
  }

  return { valid: (schema) => valid(schema), resolve }
}

/** The value at `pointer` replaced / removed, or a property added, so that the schema must refuse it. */
export function mutations(generator: Generator, schema: Schema, value: unknown, pointer = ''): Mutation[] {
  const s = generator.resolve(schema)
  const out: Mutation[] = []
  const expected = Array.isArray(s.type) ? s.type : s.type ? [s.type] : []
  // A value no JSON type coercion turns into the expected one.
  if (expected.length > 0 && !expected.includes('object')) out.push({ value: { unexpected: true }, pointer: pointer || '/', kind: `object instead of ${expected.join('|')}` })
  if (expected.includes('object') && !expected.includes('null')) out.push({ value: 12345, pointer: pointer || '/', kind: 'number instead of object' })
  if (s.type === 'integer' || s.type === 'number') {
    if (s.maximum !== undefined) out.push({ value: s.maximum + 1, pointer, kind: 'above maximum' })
    if (s.minimum !== undefined) out.push({ value: s.minimum - 1, pointer, kind: 'below minimum' })
  }
  if (s.enum && s.enum.every((v) => typeof v === 'string')) out.push({ value: 'not-one-of-these', pointer, kind: 'outside the enum' })
  const branches = s.anyOf ?? s.oneOf
  if (branches && value && typeof value === 'object' && !Array.isArray(value)) {
    // Inside a union (catalog id or inline spec): break the object branch the value took.
    const branch = branches.map((b) => generator.resolve(b)).find((b) => b.type === 'object')
    if (branch) out.push(...mutations(generator, branch, value, pointer).filter((m) => m.pointer !== pointer))
  }
  if (s.type === 'object' && value && typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, unknown>
    if (s.additionalProperties === false) out.push({ value: { ...object, unexpectedField: 1 }, pointer: `${pointer}/unexpectedField`, kind: 'unknown property' })
    for (const key of s.required ?? []) {
      const { [key]: _dropped, ...rest } = object
      out.push({ value: rest, pointer: `${pointer}/${key}`, kind: 'required property missing' })
    }
    for (const [key, child] of Object.entries(object)) {
      const childSchema = s.properties?.[key]
      if (!childSchema) continue
      for (const m of mutations(generator, childSchema, child, `${pointer}/${key}`)) out.push({ ...m, value: { ...object, [key]: m.value } })
    }
  }
  return out
}

/** A known-good body with one field (any depth) replaced by another value its schema accepts: valid, and mostly meaningful. */
export function exampleVariants(generator: Generator, schema: Schema, examples: unknown[]): fc.Arbitrary<unknown> {
  const slots = (s: Schema, value: unknown, pointer: string[]): { path: string[]; schema: Schema }[] => {
    let r = generator.resolve(s)
    const branches = r.anyOf ?? r.oneOf
    if (branches && value && typeof value === 'object' && !Array.isArray(value)) r = branches.map((b) => generator.resolve(b)).find((b) => b.type === 'object') ?? r
    if (r.type !== 'object' || !value || typeof value !== 'object' || Array.isArray(value)) return []
    return Object.entries(r.properties ?? {}).flatMap(([key, child]) => [
      { path: [...pointer, key], schema: child },
      ...slots(child, (value as Record<string, unknown>)[key], [...pointer, key]),
    ])
  }
  const setAt = (value: unknown, path: string[], replacement: unknown): unknown => {
    if (path.length === 0) return replacement
    const [head, ...rest] = path
    const object = (value && typeof value === 'object' && !Array.isArray(value) ? value : {}) as Record<string, unknown>
    return { ...object, [head!]: setAt(object[head!], rest, replacement) }
  }
  return fc.constantFrom(...examples).chain((example) => {
    const options = slots(schema, example, [])
    if (options.length === 0) return fc.constant(example)
    return fc.oneof(
      fc.constant(example),
      fc.constantFrom(...options).chain((slot) => generator.valid(slot.schema).map((v) => setAt(example, slot.path, v))),
    )
  })
}
