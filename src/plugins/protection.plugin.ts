// What stands between the routes and the outside: the request id echoed back, security headers,
// CORS for dashboards, a rate limit per API key (or IP), and load shedding when the event loop or
// memory is saturated. Rejections are problem+json like every other error (429/503 + Retry-After).
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import underPressure from '@fastify/under-pressure'
import { errorCodes, type FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'
import type { Config } from '../config.ts'
import { AppError, OverloadedError, RETRY_AFTER_S } from '../contract/errors.ts'
import { REQUEST_ID_HEADER } from './server-options.ts'

/** Probes, scrapes and the docs must answer however busy or limited the service is. */
export const isOperationalPath = (url: string) => /^\/(health\/|metrics(\?|$)|docs(\/|\?|$))/.test(url)

/** Swagger UI needs its own scripts, inline styles and data: images; the JSON API needs nothing. */
const DOCS_CSP = "default-src 'self'; base-uri 'self'; font-src 'self' data:; frame-ancestors 'self'; img-src 'self' data: validator.swagger.io; "
  + "object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'"

/** Bad API keys an IP may present per rate-limit window: a tenth of the request budget, at least 10. */
const authFailureBudget = (config: Config) => Math.max(10, Math.floor(config.RATE_LIMIT_MAX / 10))
/** Clients tracked for failed authentication; the oldest are forgotten beyond this. */
const MAX_TRACKED_CLIENTS = 10_000

export class RateLimitedError extends AppError {
  override readonly name = 'RateLimitedError'
  constructor(readonly retryAfterSeconds: number, max: number, what = 'requests') {
    super('RATE_LIMITED', 429, `More than ${max} ${what} in the window; retry after ${retryAfterSeconds} s`)
  }
}

/**
 * The caller a limit applies to: the authenticated key when there is one (teams behind one NAT
 * keep separate budgets), else the client IP. It runs after authentication, so inventing keys
 * cannot buy a fresh budget: an unknown key never gets this far (and guessing is limited apart).
 */
function rateLimitKey(request: FastifyRequest): string {
  const actor = request.serviceContext?.actor
  if (actor?.kind === 'api-key') return `key:${actor.keyId}`
  if (actor?.kind === 'bootstrap') return 'key:bootstrap'
  return `ip:${request.ip}`
}

export function corsOrigins(value: string): string[] | boolean {
  const origins = value.split(',').map((origin) => origin.trim()).filter(Boolean)
  if (origins.length === 0) return false
  return origins.includes('*') ? true : origins
}

/**
 * Helmet's headers, computed once: they depend on the options only (no CSP nonces here), and
 * @fastify/helmet rebuilt the middleware, CSP parsing included, on every request (6 % of an
 * estimate's CPU time).
 */
export function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {}
  const res = {
    setHeader: (name: string, value: string) => { headers[name.toLowerCase()] = String(value) },
    removeHeader: (name: string) => { delete headers[name.toLowerCase()] },
  }
  let failure: unknown
  helmet(options)({} as never, res as never, (err?: unknown) => { failure = err })
  if (failure) throw failure
  return headers
}

/**
 * False for under-pressure's "no sample yet": Node's event-loop-delay histogram records from its
 * second tick, so a loop busy for a whole sample interval (1 s) right after the histogram is
 * enabled (the app's own start, ~1-2 s of synchronous work on one slow core) leaves it empty, and
 * under-pressure reads the empty mean as an Infinity delay: every request was shed for the next
 * second after /health/ready turned 200 (6 × 503 in the first 0.7 s, server on one CPU). Later
 * stalls are real readings: the histogram has ticked before, and its first tick after a stall
 * records the stall.
 */
export function isPressureReading(type: string, value: number | undefined): boolean {
  return !(type === 'eventLoopDelay' && value === Number.POSITIVE_INFINITY)
}

export const protectionPlugin = fp<{ config: Config }>(async (app, { config }) => {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id)
    done()
  })

  if (config.HANDLER_TIMEOUT_MS > 0) {
    // Fastify's own handlerTimeout aborts an AbortController when every request closes, which
    // builds a DOMException with its stack trace each time (6 % of an estimate's CPU time).
    // The same 503 from one timer per request; request.signal stays available on demand.
    const limit = config.HANDLER_TIMEOUT_MS
    app.addHook('onRequest', (request, reply, done) => {
      const timer = setTimeout(() => {
        if (reply.sent) return
        const err = new errorCodes.FST_ERR_HANDLER_TIMEOUT(limit, request.routeOptions.url)
        // Headers already on the wire (a stream): a problem body can no longer follow them.
        if (reply.raw.headersSent) reply.raw.destroy(err)
        else reply.send(err)
      }, limit)
      reply.raw.once('close', () => clearTimeout(timer))
      done()
    })
  }

  const securityHeaders = helmetHeaders({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    // The API serves JSON to other origins' dashboards; CORS decides who reads it.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  })
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders)
    done()
  })
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.url.startsWith('/docs')) reply.header('content-security-policy', DOCS_CSP)
    done(null, payload)
  })

  const origin = corsOrigins(config.CORS_ORIGINS)
  if (origin !== false) {
    await app.register(cors, {
      origin,
      // Listed explicitly: the plugin's default omits PUT, PATCH and DELETE.
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['authorization', 'content-type', 'if-match', 'if-none-match', 'idempotency-key', REQUEST_ID_HEADER],
      exposedHeaders: ['etag', 'location', 'retry-after', REQUEST_ID_HEADER, 'x-cache', 'warning',
        'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
      maxAge: 600,
    })
  }

  if (config.RATE_LIMIT_MAX > 0) {
    // Every presented key costs a lookup before the per-key limit can apply, so guessing keys is
    // limited on its own, per IP and before authentication; requests without a key are not affected.
    const budget = authFailureBudget(config)
    const failures = new Map<string, { count: number; resetAt: number }>()
    app.addHook('onRequest', async (request, reply) => {
      if (!request.headers.authorization) return
      const entry = failures.get(request.ip)
      if (!entry || entry.count < budget) return
      const wait = Math.ceil((entry.resetAt - Date.now()) / 1000)
      if (wait <= 0) { failures.delete(request.ip); return }
      reply.header('retry-after', wait)
      throw new RateLimitedError(wait, budget, 'rejected API keys')
    })
    app.addHook('onResponse', async (request, reply) => {
      if (reply.statusCode !== 401 || !request.headers.authorization) return
      const now = Date.now()
      const entry = failures.get(request.ip)
      if (entry && entry.resetAt > now) entry.count++
      else failures.set(request.ip, { count: 1, resetAt: now + config.RATE_LIMIT_WINDOW_MS })
      if (failures.size > MAX_TRACKED_CLIENTS) failures.delete(failures.keys().next().value!)
    })

    await app.register(rateLimit, {
      global: true,
      hook: 'preHandler',
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      keyGenerator: rateLimitKey,
      allowList: (request) => isOperationalPath(request.url),
      errorResponseBuilder: (_request, context) => new RateLimitedError(Math.ceil(context.ttl / 1000), context.max),
    })
  }

  const shedding = config.PRESSURE_MAX_EVENT_LOOP_DELAY_MS + config.PRESSURE_MAX_HEAP_BYTES + config.PRESSURE_MAX_RSS_BYTES > 0
  if (shedding) {
    await app.register(underPressure, {
      maxEventLoopDelay: config.PRESSURE_MAX_EVENT_LOOP_DELAY_MS,
      maxHeapUsedBytes: config.PRESSURE_MAX_HEAP_BYTES,
      maxRssBytes: config.PRESSURE_MAX_RSS_BYTES,
      retryAfter: RETRY_AFTER_S,
      pressureHandler: (request, reply, type, value) => {
        if (isOperationalPath(request.url) || !isPressureReading(type, value)) return undefined
        reply.header('retry-after', RETRY_AFTER_S)
        // A rejected promise reaches the error handler (a synchronous throw here would not).
        return Promise.reject(new OverloadedError(RETRY_AFTER_S, `${type} ${value ?? ''}`.trim()))
      },
    })
  }
}, { name: 'protection' })
