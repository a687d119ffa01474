// A training config as its tool reads it: YAML 1.1 (axolotl, LLaMA-Factory, torchtune and TRL all
// load their configs with PyYAML, so `yes`/`no`/`True` are booleans), parsed by the `yaml` package,
// which also reads JSON. Every key keeps its line and column, so a 400 can say where to look, and
// every key a mapper reads is remembered, so the keys nobody read are listed back as ignored.
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Node } from 'yaml'
import { ValidationError, type FieldError } from '../../contract/errors.ts'

export interface Position {
  line: number
  column: number
}

/** Aliases expanded at most this often: a config is small; a "billion laughs" document is not. */
const MAX_ALIAS_COUNT = 100

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** `/config`-relative JSON pointer of a dotted key path. */
const pointerOf = (path: string) => path.split('.').map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')

export class ConfigDocument {
  private constructor(
    /** Where the text sits in the request body: "/config", "/adapterConfig", "/files/<path>". */
    readonly pointer: string,
    /** How keys of this document are named back to the caller: "" or a prefix such as "adapter_config.". */
    readonly label: string,
    readonly root: Record<string, unknown>,
    private readonly positions: Map<string, Position>,
  ) {}

  /** Parses `text`; a syntax error or a document that is not a mapping is a 400 naming the line and column. */
  static parse(text: string, pointer: string, label = ''): ConfigDocument {
    const lineCounter = new LineCounter()
    const doc = parseDocument(text, { version: '1.1', lineCounter, prettyErrors: true, uniqueKeys: true })
    const first = doc.errors[0]
    if (first) {
      const at = first.linePos?.[0]
      const message = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
      const where = at ? `line ${at.line}, column ${at.col}: ` : ''
      throw ValidationError.of([{ field: pointer, message: `is not valid YAML or JSON: ${where}${message}`, ...(at ? { line: at.line, column: at.col } : {}) }], 'CONFIG_SYNTAX')
    }
    let root: unknown
    try {
      root = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
    } catch (err) {
      throw new ValidationError(pointer, `cannot be read: ${(err as Error).message}`, 'CONFIG_SYNTAX')
    }
    if (!isPlainObject(root)) {
      throw new ValidationError(pointer, 'must be a mapping of keys to values (a YAML mapping or a JSON object)', 'CONFIG_SYNTAX')
    }
    const positions = new Map<string, Position>()
    const walk = (node: Node | null | undefined, prefix: string) => {
      if (!isMap(node)) return
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key) || !pair.key.range) continue
        const path = `${prefix}${String(pair.key.value)}`
        const { line, col } = lineCounter.linePos(pair.key.range[0])
        positions.set(path, { line, column: col })
        walk(pair.value as Node | null, `${path}.`)
      }
    }
    walk(doc.contents as Node | null, '')
    return new ConfigDocument(pointer, label, root, positions)
  }

  /** A document built from a plain object (a DeepSpeed dict inlined in a config): no positions. */
  static of(root: Record<string, unknown>, pointer: string, label: string): ConfigDocument {
    return new ConfigDocument(pointer, label, root, new Map())
  }

  position(path: string): Position | undefined {
    return this.positions.get(path)
  }

  /** The JSON pointer of a key, for errors. */
  pointerTo(path: string): string {
    return `${this.pointer}/${pointerOf(path)}`
  }

  /** A field error naming the key, with its position in the text when known. */
  errorAt(path: string, message: string): FieldError {
    const at = this.position(path)
    return at
      ? { field: this.pointerTo(path), message: `line ${at.line}, column ${at.column}: ${message}`, line: at.line, column: at.column }
      : { field: this.pointerTo(path), message }
  }
}

/**
 * Typed reads of a document's keys, remembering each key read. Values come back as the tool would
 * coerce them (HfArgumentParser and pydantic turn "2e-4" into a float, "true" into a boolean); a
 * value the tool would reject is a 400 naming the key.
 */
export class ConfigReader {
  private readonly read = new Set<string>()

  constructor(readonly doc: ConfigDocument) {}

  /** The raw value, or undefined when absent or null; marks the key read. */
  value(path: string): unknown {
    this.read.add(path)
    return this.peek(path)
  }

  /** The raw value without marking the key read (a look before deciding how to read it). */
  peek(path: string): unknown {
    let value: unknown = this.doc.root
    for (const part of path.split('.')) {
      if (!isPlainObject(value)) return undefined
      value = value[part]
    }
    return value === null ? undefined : value
  }

  /** Whether the key is present with a value; does not mark it read. */
  has(path: string): boolean {
    return this.peek(path) !== undefined
  }

  /** How a key is named back to the caller (mapped, ignored). */
  name(path: string): string {
    return `${this.doc.label}${path}`
  }

  line(path: string): number | undefined {
    return this.doc.position(path)?.line
  }

  error(path: string, message: string): FieldError {
    return this.doc.errorAt(path, message)
  }

  /** A 400 naming every key of a contradiction, each with its position. */
  fail(paths: string[], message: string, code = 'CONFIG_INVALID'): never {
    throw ValidationError.of(paths.map((path) => this.error(path, message)), code)
  }

  str(path: string): string | undefined {
    const value = this.value(path)
    if (value === undefined) return undefined
    if (typeof value === 'string') return value.trim()
    if (typeof value === 'number' || typeof value === 'boolean') return String(value)
    return this.fail([path], 'must be a string')
  }

  bool(path: string): boolean | undefined {
    const value = this.value(path)
    if (value === undefined || typeof value === 'boolean') return value
    if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true'
    return this.fail([path], 'must be true or false')
  }

  num(path: string): number | undefined {
    const value = this.value(path)
    if (value === undefined) return undefined
    const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
    if (typeof number === 'number' && Number.isFinite(number)) return number
    return this.fail([path], 'must be a number')
  }

  /** A positive integer (counts, sizes, steps); `0` and negatives are refused unless `min` allows them. */
  int(path: string, min = 1): number | undefined {
    const value = this.value(path)
    if (value === undefined) return undefined
    const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
    if (typeof number !== 'number' || !Number.isInteger(number) || number < min) {
      return this.fail([path], min === 1 ? 'must be a positive integer' : `must be an integer of at least ${min}`)
    }
    return number
  }

  /** A list of strings, given as a YAML list or as one comma-separated string (LLaMA-Factory's style). */
  list(path: string): string[] | undefined {
    const value = this.value(path)
    if (value === undefined) return undefined
    if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean)
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((v) => v.trim())
    return this.fail([path], 'must be a list of strings or a comma-separated string')
  }

  /** A nested mapping (DeepSpeed inline, fsdp_config); marks only the key itself read. */
  object(path: string): Record<string, unknown> | undefined {
    const value = this.value(path)
    if (value === undefined) return undefined
    if (isPlainObject(value)) return value
    return this.fail([path], 'must be a mapping')
  }

  /**
   * Keys nobody read, dotted. A mapping with some keys read is listed key by key; one with none is
   * listed whole, as are lists.
   */
  unread(): string[] {
    const out: string[] = []
    const touched = (path: string) => [...this.read].some((r) => r === path || r.startsWith(`${path}.`))
    const walk = (value: Record<string, unknown>, prefix: string) => {
      for (const [key, child] of Object.entries(value)) {
        const path = `${prefix}${key}`
        if (this.read.has(path)) continue
        if (isPlainObject(child) && touched(path)) walk(child, `${path}.`)
        else out.push(this.name(path))
      }
    }
    walk(this.doc.root, '')
    return out
  }
}
