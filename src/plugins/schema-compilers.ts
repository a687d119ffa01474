// Fastify's own schema compilers (Ajv for requests, fast-json-stringify for responses), compiling
// each route's schemas when first needed or when compilePending() runs, one schema per event-loop
// turn. The app runs it before ready (as Fastify's compilers would) or, for the server's start,
// right after it listens: at a start the schemas were the largest part of building the app
// (~1.2 s of CPU out of ~3 s on the 2-core dev machine, PostgreSQL), and requests interleave with
// the compiles, compiling what they need first. Also:
// - a response schema object is compiled once: Fastify asks once per status of every route, and
//   again for each GET's HEAD twin, and most are one object (the Problem reference behind every
//   error status: 119 of 162 compiles);
// - header schemas must name headers in lowercase: a compilers factory of one's own makes Fastify
//   hand them over as written, where its own would have lowercased them.
import { AjvCompiler } from '@fastify/ajv-compiler'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'

type Factories = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>
type ValidatorFactory = NonNullable<Factories['buildValidator']>
type SerializerFactory = NonNullable<Factories['buildSerializer']>

export interface SchemaCompilers extends Required<Factories> {
  /** Schemas registered and not compiled yet. */
  readonly pending: number
  /** Compiles every pending schema, yielding to the event loop between two; resolves to the failures (a route's own request reports its failure too). */
  compilePending(): Promise<Error[]>
}

export function schemaCompilers(): SchemaCompilers {
  const pending = new Set<() => unknown>()
  /** `compile` once, on the first call of the function it returns or from compilePending(). */
  const deferred = <T>(compile: () => T): (() => T) => {
    let compiled: { value: T } | undefined
    const get = () => {
      if (!compiled) {
        pending.delete(get)
        compiled = { value: compile() }
      }
      return compiled.value
    }
    pending.add(get)
    return get
  }

  const ajvCompilers = AjvCompiler()
  const buildValidator: ValidatorFactory = (externalSchemas, options) => {
    // Its Ajv instance (shared schemas added and checked against the meta-schema) waits for the first compile too.
    let ajvCompile: ReturnType<typeof ajvCompilers> | undefined
    const compile = (route: Parameters<ReturnType<typeof ajvCompilers>>[0]) => {
      ajvCompile ??= ajvCompilers(externalSchemas as Parameters<typeof ajvCompilers>[0], options as Parameters<typeof ajvCompilers>[1])
      return ajvCompile(route)
    }
    return (route) => {
      if (route.httpPart === 'headers') assertLowercaseHeaders(route.schema, `${route.method} ${route.url}`)
      const validator = deferred(() => compile(route))
      // Fastify reads `errors` off the function it called.
      const validate = Object.assign((data: unknown) => {
        const fn = validator()
        const valid = fn(data)
        validate.errors = fn.errors
        return valid
      }, { errors: null as unknown })
      return validate as unknown as ReturnType<ReturnType<ValidatorFactory>>
    }
  }

  const fjsCompilers = SerializerSelector()
  const buildSerializer: SerializerFactory = (externalSchemas, options) => {
    const compile = fjsCompilers(externalSchemas, options)
    const bySchema = new WeakMap<object, (doc: unknown) => string>()
    return (route) => {
      const key = typeof route.schema === 'object' && route.schema !== null ? route.schema : undefined
      const known = key && bySchema.get(key)
      if (known) return known
      const serializer = deferred(() => compile(route))
      const serialize = (doc: unknown) => serializer()(doc)
      if (key) bySchema.set(key, serialize)
      return serialize
    }
  }

  return {
    buildValidator,
    buildSerializer,
    get pending() { return pending.size },
    async compilePending() {
      const failures: Error[] = []
      for (;;) {
        const next = pending.values().next()
        if (next.done) return failures
        try {
          next.value()
        } catch (err) {
          pending.delete(next.value)
          failures.push(err as Error)
        }
        await new Promise((resolve) => setImmediate(resolve))
      }
    },
  }
}

function assertLowercaseHeaders(schema: unknown, route: string): void {
  const names = Object.keys((schema as { properties?: object } | null)?.properties ?? {})
  const cased = names.find((name) => name !== name.toLowerCase())
  if (cased) throw new Error(`${route}: header schemas name headers in lowercase (got "${cased}")`)
}
