// Entry point: validate the config, build the app (migrate, seed an empty catalog), listen, and
// close gracefully on SIGTERM/SIGINT. Startup problems print one line and exit 1.
import { existsSync } from 'node:fs'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { loadConfig } from './config.ts'

async function main(): Promise<void> {
  // Since the process started: Node's own start and every module server.ts imports.
  const modulesMs = performance.now()
  // A .env in the working directory fills in what the environment leaves unset (it never overrides).
  if (existsSync('.env')) process.loadEnvFile('.env')
  const config = loadConfig(process.env)
  const app = await buildApp(config)
  const drainDelay = (err: unknown) => (err ? 0 : config.SHUTDOWN_DRAIN_DELAY_MS)
  closeWithGrace({
    delay: config.SHUTDOWN_DRAIN_DELAY_MS + config.SHUTDOWN_GRACE_MS,
    logger: false,
    onTimeout: (ms) => app.log.error({ ms }, 'in-flight requests outlived the shutdown grace; exiting 1'),
  }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an unexpected error')
    else app.log.info({ signal }, 'shutting down')
    // Fail readiness first and keep serving while load balancers notice; then stop accepting,
    // let in-flight requests finish, close the database (onClose hooks) and exit 0.
    app.drain()
    await new Promise((resolve) => setTimeout(resolve, drainDelay(err)))
    await app.close()
  })
  await app.ready()
  const builtMs = performance.now()
  await app.listen({ port: config.PORT, host: config.HOST })
  const ms = (value: number) => Math.round(value)
  app.log.info({ startup: { modulesMs: ms(modulesMs), appMs: ms(builtMs - modulesMs), listenMs: ms(performance.now() - builtMs) } }, 'started')
}

main().catch((err: unknown) => {
  const { name, message } = err instanceof Error ? err : { name: 'Error', message: String(err) }
  process.stderr.write(`finetune-estimator: cannot start: ${name}: ${message.replace(/\s+/g, ' ').trim()}\n`)
  process.exit(1)
})
