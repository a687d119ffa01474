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
