// Prometheus metrics at /metrics, from one registry per app (two apps in one process, as in the
// replica tests, keep separate counts): request rate and latency by route, estimates by method,
// catalog cache hits and misses, the PostgreSQL pool, database availability, and the process
// defaults (event-loop lag, heap, GC, CPU).
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { METHOD_TYPES } from '../contract/estimate.schemas.ts'

/** Seconds; fine below 25 ms where the estimate routes live, coarse up to the handler timeout. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export const metricsPlugin = fp(async (app) => {
  const registry = new Registry()
  const registers = [registry]
  collectDefaultMetrics({ register: registry })

  const labelNames = ['method', 'route', 'status_code'] as const
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered', labelNames, registers })
  const latency = new Histogram({
    name: 'http_request_duration_seconds', help: 'Time from request received to response sent', labelNames, buckets: LATENCY_BUCKETS, registers,
  })
  // Estimates and cache lookups are counted in plain numbers on the hot path and handed to
  // prom-client when scraped: its label hashing cost more per estimate than the engine's memory model.
  const estimateCounts = new Map<string, { ok: number; error: number }>([...METHOD_TYPES, 'unknown'].map((m) => [m, { ok: 0, error: 0 }]))
  new Counter({
    name: 'estimates_total', help: 'Estimates computed (REST and GraphQL), by fine-tuning method and outcome', labelNames: ['method', 'outcome'], registers,
    collect() {
      this.reset()
      for (const [method, { ok, error }] of estimateCounts) {
        if (ok > 0) this.inc({ method, outcome: 'ok' }, ok)
        if (error > 0) this.inc({ method, outcome: 'error' }, error)
      }
    },
  })
  new Counter({
    name: 'catalog_cache_lookups_total', help: 'Catalog (models, GPUs, prices) cache lookups', labelNames: ['entity', 'result'], registers,
    collect() {
      this.reset()
      for (const [entity, { hit, miss }] of Object.entries(app.catalog.lookups)) {
        if (hit > 0) this.inc({ entity, result: 'hit' }, hit)
        if (miss > 0) this.inc({ entity, result: 'miss' }, miss)
      }
    },
  })
  new Gauge({
    name: 'db_pool_connections', help: 'PostgreSQL pool connections by state (absent on the embedded database)', labelNames: ['state'], registers,
    collect() {
      const stats = app.db.poolStats()
      if (!stats) return
      this.set({ state: 'total' }, stats.total)
      this.set({ state: 'idle' }, stats.idle)
      this.set({ state: 'waiting' }, stats.waiting)
    },
  })
  new Gauge({
    name: 'db_available', help: '1 while the database answers, 0 during an outage', registers,
    collect() { this.set(app.dbAvailability.available ? 1 : 0) },
  })

  // Counted where both transports meet, so GraphQL estimates count too.
  const service = app.estimates
  const estimate = service.estimate.bind(service)
  service.estimate = async (request, ctx, checked) => {
    // Only known methods become labels: a caller's arbitrary string must not mint a new series.
    const counts = estimateCounts.get(String(request?.method?.type)) ?? estimateCounts.get('unknown')!
    try {
      const result = await estimate(request, ctx, checked)
      counts.ok++
      return result
    } catch (err) {
      counts.error++
      throw err
    }
  }

  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, not the URL: ids in paths would make a series per id.
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) }
    requests.inc(labels)
    latency.observe(labels, reply.elapsedTime / 1000)
    done()
  })

  app.get('/metrics', {
    schema: { tags: ['health'], summary: 'Prometheus metrics', description: 'Text exposition format 0.0.4.' },
    logLevel: 'warn',
  }, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()))
}, { name: 'metrics', dependencies: ['database', 'services'] })
