// "The client has gone" as an AbortSignal, for the few calls where dropping work pays (a
// recommendation search waiting for a worker). Built per call, not in a global hook: an
// AbortController and a listener on every request cost every route CPU.
//
// From the ServerResponse, not Fastify's request.signal: that one follows IncomingMessage
// 'close', which Node 20 emits once a POST body has been read, while the client still waits.
// The response closes when its socket does; closing after the answer was written is no abort.
import type { ServerResponse } from 'node:http'
import type { FastifyReply } from 'fastify'
import type { ServiceContext } from '../services/context.ts'

/** One signal per response: a GraphQL document may ask for many searches (aliases), one listener serves them all. */
const signals = new WeakMap<ServerResponse, AbortSignal>()

export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const res = reply.raw
  const known = signals.get(res)
  if (known) return known
  const controller = new AbortController()
  // The socket may have closed while the request waited for its handler: 'close' has been emitted already.
  if (res.destroyed && !res.writableFinished) controller.abort()
  else res.once('close', () => { if (!res.writableFinished) controller.abort() })
  signals.set(res, controller.signal)
  return controller.signal
}

/** The request's service context plus the signal, for the one call that reads it. */
export function withClientSignal(ctx: ServiceContext, reply: FastifyReply): ServiceContext {
  return { ...ctx, signal: clientGoneSignal(reply) }
}
