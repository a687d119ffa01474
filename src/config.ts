// The service's whole configuration: one TypeBox schema, read from the environment and checked
// before anything starts, so a typo stops the process with one line instead of a late crash.
import Type, { type Static } from 'typebox'
import { Value } from 'typebox/value'

const LogLevel = Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
  default: 'info',
  description: 'pino log level',
})

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'TCP port to listen on' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'interface to bind (0.0.0.0 in containers)' }),
  DATA_DIR: Type.String({ minLength: 1, default: './data', description: 'directory for the embedded database' }),
  DATABASE_URL: Type.Optional(Type.String({
    pattern: '^postgres(ql)?://',
    description: 'PostgreSQL connection string; unset = embedded PGlite under DATA_DIR/pglite',
  })),
  LOG_LEVEL: LogLevel,
  REQUIRE_AUTH: Type.Boolean({ default: false, description: 'require an API key on every /v1 request' }),
  ADMIN_API_KEY: Type.Optional(Type.String({ minLength: 16, description: 'bootstrap admin key (at least 16 characters)' })),
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 10_000, description: 'time allowed for in-flight requests on SIGTERM' }),
  SHUTDOWN_DRAIN_DELAY_MS: Type.Integer({ minimum: 0, default: 0, description: 'on SIGTERM, time /health/ready answers 503 before the listener closes (load balancers notice)' }),
  // Limits and protection (src/server-options.ts, src/plugins/protection.plugin.ts).
  TRUST_PROXY: Type.Boolean({ default: false, description: 'take the client IP from X-Forwarded-For (behind a load balancer)' }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576, description: 'largest request body accepted (413 above)' }),
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 30_000, description: 'time to receive a whole request (slow clients); 0 = none' }),
  HANDLER_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 15_000, description: 'time to answer a request once received (503 after); 0 = none' }),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 0, default: 1_000, description: 'requests per window per API key or IP; 0 = no limit' }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1_000, default: 60_000, description: 'rate limit window' }),
  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, default: 1_000, description: 'shed load (503) above this event-loop delay; 0 = off' }),
  PRESSURE_MAX_HEAP_BYTES: Type.Integer({ minimum: 0, default: 0, description: 'shed load above this heap use; 0 = off' }),
  PRESSURE_MAX_RSS_BYTES: Type.Integer({ minimum: 0, default: 0, description: 'shed load above this resident set size; 0 = off' }),
  CORS_ORIGINS: Type.String({ default: '', description: 'comma-separated origins allowed by CORS ("*" = any); empty = no CORS' }),
  GRAPHQL_MAX_DEPTH: Type.Integer({ minimum: 1, default: 10, description: 'deepest GraphQL selection accepted' }),
  GRAPHQL_MAX_ALIASES: Type.Integer({ minimum: 0, default: 30, description: 'most aliases in one GraphQL document' }),
  GRAPHQL_MAX_COST: Type.Integer({ minimum: 1, default: 10_000, description: 'highest static cost of one GraphQL operation' }),
  GRAPHQL_JIT: Type.Integer({ minimum: 0, default: 3, description: 'compile a GraphQL document with graphql-jit once it has run this many times (counted from 2); 0 = never' }),
  // Database resilience (src/db/client.ts, src/db/catalog-sync.ts).
  DB_POOL_MAX: Type.Integer({ minimum: 1, default: 10, description: 'PostgreSQL connections per replica' }),
  DB_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 2_000, description: 'give up connecting to PostgreSQL after this' }),
  DB_QUERY_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 5_000, description: 'give up on one PostgreSQL query after this' }),
  AUTH_CACHE_TTL_MS: Type.Integer({ minimum: 0, default: 10_000, description: 'how long a replica trusts an API key lookup (a revocation elsewhere applies within it)' }),
  CATALOG_VERSION_TTL_MS: Type.Integer({ minimum: 50, default: 1_000, description: 'how often a replica checks the catalog version (fallback to LISTEN/NOTIFY)' }),
  METRICS_ENABLED: Type.Boolean({ default: true, description: 'serve Prometheus metrics at /metrics' }),
  // Recommendation searches off the main thread (src/services/advisor-pool.ts). At most 64 threads:
  // more threads than cores only add memory (~40 MiB each). Queue of 64: one busy worker got through
  // 26–46 searches/s in the 50-connection bench (docs/performance.md), so a full queue waits ~1.5–2.5 s,
  // well inside HANDLER_TIMEOUT_MS, and that bench's 50 connections are queued rather than refused.
  ADVISOR_WORKERS: Type.Optional(Type.Integer({ minimum: 0, maximum: 64, description: 'worker threads for recommendation searches; 0 = on the main thread; unset = CPUs − 1, at least 1, at most 4' })),
  ADVISOR_QUEUE_MAX: Type.Integer({ minimum: 0, default: 64, description: 'recommendation searches waiting for a worker before more are refused (503 OVERLOADED)' }),
})

export type Config = Static<typeof ConfigSchema>

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/** Reads the known variables from `env`; empty strings count as unset. Throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key]
    if (value !== undefined && value !== '') raw[key] = value
  }
  const candidate = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, raw))
  const first = Value.Errors(ConfigSchema, candidate)[0]
  if (first) {
    const name = first.instancePath.replace(/^\//, '') || Object.keys(first.params).join(',')
    const given = raw[name] === undefined ? '' : ` (got ${JSON.stringify(env[name])})`
    const allowed = 'allowedValues' in first.params ? ` ${JSON.stringify(first.params.allowedValues)}` : ''
    throw new ConfigError(`Invalid configuration: ${name} ${first.message}${allowed}${given}`)
  }
  return candidate as Config
}
