import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    expect(loadConfig({})).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      DATA_DIR: './data',
      LOG_LEVEL: 'info',
      REQUIRE_AUTH: false,
      SHUTDOWN_GRACE_MS: 10_000,
      SHUTDOWN_DRAIN_DELAY_MS: 0,
      TRUST_PROXY: false,
      BODY_LIMIT_BYTES: 1_048_576,
      REQUEST_TIMEOUT_MS: 30_000,
      HANDLER_TIMEOUT_MS: 15_000,
      RATE_LIMIT_MAX: 1_000,
      RATE_LIMIT_WINDOW_MS: 60_000,
      PRESSURE_MAX_EVENT_LOOP_DELAY_MS: 1_000,
      PRESSURE_MAX_HEAP_BYTES: 0,
      PRESSURE_MAX_RSS_BYTES: 0,
      CORS_ORIGINS: '',
      GRAPHQL_MAX_DEPTH: 10,
      GRAPHQL_MAX_ALIASES: 30,
      GRAPHQL_MAX_COST: 10_000,
      DB_POOL_MAX: 10,
      DB_CONNECT_TIMEOUT_MS: 2_000,
      DB_QUERY_TIMEOUT_MS: 5_000,
      AUTH_CACHE_TTL_MS: 10_000,
      CATALOG_VERSION_TTL_MS: 1_000,
      METRICS_ENABLED: true,
    })
  })

  it('converts strings from the environment to their types and treats empty as unset', () => {
    const config = loadConfig({
      PORT: '8080',
      REQUIRE_AUTH: 'true',
      SHUTDOWN_GRACE_MS: '250',
      DATABASE_URL: 'postgresql://u@db:5432/app',
      ADMIN_API_KEY: 'k'.repeat(32),
      LOG_LEVEL: '',
    })
    expect(config).toMatchObject({ PORT: 8080, REQUIRE_AUTH: true, SHUTDOWN_GRACE_MS: 250, LOG_LEVEL: 'info' })
    expect(config.DATABASE_URL).toBe('postgresql://u@db:5432/app')
  })

  it.each([
    [{ PORT: 'abc' }, 'Invalid configuration: PORT must be integer (got "abc")'],
    [{ PORT: '70000' }, 'Invalid configuration: PORT must be <= 65535 (got "70000")'],
    [{ REQUIRE_AUTH: 'maybe' }, 'Invalid configuration: REQUIRE_AUTH must be boolean (got "maybe")'],
    [{ SHUTDOWN_GRACE_MS: '-5' }, 'Invalid configuration: SHUTDOWN_GRACE_MS must be >= 0 (got "-5")'],
    [{ DATABASE_URL: 'mysql://x/y' }, 'Invalid configuration: DATABASE_URL must match pattern "^postgres(ql)?://" (got "mysql://x/y")'],
    [{ ADMIN_API_KEY: 'short' }, 'Invalid configuration: ADMIN_API_KEY must not have fewer than 16 characters (got "short")'],
  ])('rejects %o with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(message)
  })

  it('lists the allowed log levels when LOG_LEVEL is unknown', () => {
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/^Invalid configuration: LOG_LEVEL .*"info".*\(got "loud"\)$/)
  })
})
