// The request rules of openapi/openapi.json (flattened by web/scripts/generate.mjs), used to check a
// body before it is sent, in the words the API's own validator uses, so a form says "must be >= 1"
// at the field exactly where the API would have answered 400 naming it.

export interface Rule {
  t: string
  required?: boolean
  min?: number
  max?: number
  xmin?: number
  xmax?: number
  minLength?: number
  maxLength?: number
  pattern?: string
  enum?: readonly (string | number)[]
  items?: Partial<Rule>
  minItems?: number
  maxItems?: number
  uniqueItems?: boolean
  union?: boolean
  default?: unknown
}
export type Rules = Record<string, Rule>

/** The first problem with one value, or null; the messages are Ajv's. */
export function checkValue(rule: Partial<Rule>, value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null
  if (rule.enum && !rule.enum.includes(value as string)) return `must be equal to one of the allowed values: ${rule.enum.join(', ')}`
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'must be number'
    if (rule.t === 'integer' && !Number.isInteger(value)) return 'must be integer'
    if (rule.min !== undefined && value < rule.min) return `must be >= ${rule.min}`
    if (rule.max !== undefined && value > rule.max) return `must be <= ${rule.max}`
    if (rule.xmin !== undefined && value <= rule.xmin) return `must be > ${rule.xmin}`
    if (rule.xmax !== undefined && value >= rule.xmax) return `must be < ${rule.xmax}`
  } else if (typeof value === 'string') {
    if (rule.t === 'integer' || rule.t === 'number') return `must be ${rule.t}`
    if (rule.minLength !== undefined && value.length < rule.minLength) return `must NOT have fewer than ${rule.minLength} characters`
    if (rule.maxLength !== undefined && value.length > rule.maxLength) return `must NOT have more than ${rule.maxLength} characters`
    if (rule.pattern !== undefined && !rule.union && !new RegExp(rule.pattern, 'u').test(value)) return `must match pattern "${rule.pattern}"`
  } else if (Array.isArray(value)) {
    if (rule.minItems !== undefined && value.length < rule.minItems) return `must NOT have fewer than ${rule.minItems} items`
    if (rule.maxItems !== undefined && value.length > rule.maxItems) return `must NOT have more than ${rule.maxItems} items`
    if (rule.uniqueItems && new Set(value).size !== value.length) return 'must NOT have duplicate items'
    for (const item of value) {
      const problem = rule.items ? checkValue(rule.items, item) : null
      if (problem) return problem
    }
  }
  return null
}

/**
 * Every problem of a body against an operation's rules, by dotted path (training.sequenceLength);
 * list items are checked against `path[]`. Only what the body holds is checked, plus the required
 * fields of the objects it holds.
 */
export function checkBody(rules: Rules, body: unknown, prefix = ''): Record<string, string> {
  const problems: Record<string, string> = {}
  const visit = (value: unknown, path: string) => {
    const rule = rules[path]
    if (Array.isArray(value)) {
      if (rule) {
        const problem = checkValue(rule, value)
        if (problem) problems[path] = problem
      }
      value.forEach((item) => { if (item !== null && typeof item === 'object') visit(item, `${path}[]`) })
      return
    }
    if (value !== null && typeof value === 'object') {
      const object = value as Record<string, unknown>
      for (const [key, rule_] of Object.entries(rules)) {
        const parent = key.slice(0, key.lastIndexOf('.'))
        const name = key.slice(key.lastIndexOf('.') + 1)
        if (rule_.required && (parent === path || (path === '' && !key.includes('.'))) && object[name] === undefined) {
          problems[key] = `must have required property '${name}'`
        }
      }
      for (const [key, child] of Object.entries(object)) visit(child, path ? `${path}.${key}` : key)
      return
    }
    if (!rule) return
    const problem = checkValue(rule, value)
    if (problem) problems[path] = problem
  }
  visit(body, prefix)
  return problems
}
