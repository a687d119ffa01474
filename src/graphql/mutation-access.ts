// Who may run each mutation, checked before Mercurius validates the document or coerces its
// variables: a caller without the role gets the answer the resolver would have given
// (AUTH_REQUIRED or AUTH_FORBIDDEN on the mutation's field, the operation refused before it ran),
// never a VALIDATION_FAILED that describes an input it may not use. The services check again
// when a mutation runs; tests/graphql/mutation-access.test.ts keeps this list equal to the schema's.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { DocumentNode, FieldNode, SelectionSetNode } from 'graphql'
import type { MercuriusContext } from 'mercurius'
import type { Access } from '../services/context.ts'
import { errorFormatter } from './errors.ts'
import { graphql } from './graphql-runtime.ts'

export const MUTATION_ACCESS: Readonly<Record<string, Access>> = {
  createScenario: 'editor',
  updateScenario: 'editor',
  deleteScenario: 'editor',
  repriceScenario: 'read',
  createModel: 'admin',
  updateModel: 'admin',
  importModelConfig: 'admin',
  createGpu: 'admin',
  updateGpu: 'admin',
  appendPrice: 'admin',
  createApiKey: 'admin',
  revokeApiKey: 'admin',
}

/** Parsed documents by source (null: a syntax error, which Mercurius reports itself), oldest dropped first. */
const MAX_CACHED_DOCUMENTS = 500

/** The mutation's root fields in the order they run (fragments followed; @skip/@include not evaluated). */
function rootFields(selectionSet: SelectionSetNode, document: DocumentNode, seen = new Set<string>()): FieldNode[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === graphql.Kind.FIELD) return [selection]
    if (selection.kind === graphql.Kind.INLINE_FRAGMENT) return rootFields(selection.selectionSet, document, seen)
    const name = selection.name.value
    if (seen.has(name)) return []
    seen.add(name)
    const fragment = document.definitions.find((d) => d.kind === graphql.Kind.FRAGMENT_DEFINITION && d.name.value === name)
    return fragment?.kind === graphql.Kind.FRAGMENT_DEFINITION ? rootFields(fragment.selectionSet, document, seen) : []
  })
}

/** Call before registering Mercurius (the hook must apply to its route). */
export function checkMutationAccess(app: FastifyInstance): void {
  const documents = new Map<string, DocumentNode | null>()
  const parsed = (source: string): DocumentNode | null => {
    let document = documents.get(source)
    if (document !== undefined) return document
    try {
      document = graphql.parse(source)
    } catch {
      document = null
    }
    if (documents.size >= MAX_CACHED_DOCUMENTS) documents.delete(documents.keys().next().value!)
    documents.set(source, document)
    return document
  }

  app.addHook('preHandler', (request, reply, done) => {
    const ctx = request.serviceContext
    const body = request.body as { query?: unknown; operationName?: unknown } | null | undefined
    // An admin may run every mutation, and a document without the word cannot hold one: no parse.
    if (request.method !== 'POST' || (ctx.actor.kind !== 'anonymous' && ctx.actor.role === 'admin')
      || !body || typeof body.query !== 'string' || !body.query.includes('mutation')) {
      done()
      return
    }
    const document = parsed(body.query)
    const operation = document && graphql.getOperationAST(document, typeof body.operationName === 'string' ? body.operationName : undefined)
    if (!document || operation?.operation !== 'mutation') {
      done()
      return
    }
    for (const field of rootFields(operation.selectionSet, document)) {
      const needed = MUTATION_ACCESS[field.name.value]
      if (needed === undefined) continue // not in the schema: validation names it
      try {
        app.auth.access.enforce(ctx, needed)
      } catch (err) {
        const { statusCode, response } = refused(request, field, err as Error)
        reply.code(statusCode).send(response)
        return
      }
    }
    done()
  })
}

/** The answer of a mutation whose resolver threw `err`: its field, path and code, data null (the fields are non-null). */
function refused(request: FastifyRequest, field: FieldNode, err: Error) {
  const error = new graphql.GraphQLError(err.message, { nodes: [field], path: [field.alias?.value ?? field.name.value], originalError: err })
  return errorFormatter({ data: null, errors: [error] }, { reply: { log: request.log } } as unknown as MercuriusContext)
}
