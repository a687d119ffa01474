// Fastify constructor options that protect the process: body size, timeouts against slow clients
// and stuck handlers, request ids that follow a request through every log line, and the client
// IP behind a load balancer. app.ts spreads these into Fastify().
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyServerOptions } from 'fastify'
import type { Config } from '../config.ts'

export const REQUEST_ID_HEADER = 'x-request-id'

/** An incoming id is kept only when it cannot forge log lines or bloat them: 1-128 visible, safe characters. */
const SAFE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER]
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID()
}

export function serverOptions(config: Config): FastifyServerOptions {
  return {
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    // HANDLER_TIMEOUT_MS is enforced by the protection plugin (cheaper than Fastify's handlerTimeout).
    // Node's default 5 s keep-alive is shorter than most load balancers' idle timeout, which then
    // reuse a socket the server is closing: a 502 now and then. Outlive them (AWS ALB: 60 s).
    keepAliveTimeout: 72_000,
    trustProxy: config.TRUST_PROXY,
    requestIdHeader: false,
    genReqId: requestIdOf,
  }
}
