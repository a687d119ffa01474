// Entry point: validate the config, open the database while the app's modules load, build the
// app (migrate, seed an empty catalog), listen, and close gracefully on SIGTERM/SIGINT. Startup
// problems print one line and exit 1.
import { existsSync } from 'node:fs'
import closeWithGrace from 'close-with-grace'
import { loadConfig } from './config.ts'
import { createDb } from './db/client.ts'
import { dbOptionsOf } from './plugins/database-options.ts'

async function main(): Promise<void> {
  // Since the process started: Node's own start and the modules imported above.
  const modulesMs = performance.now()
  // A .env in the working directory fills in what the environment leaves unset (it never overrides).
  if (existsSync('.env')) process.loadEnvFile('.env')
  const config = loadConfig(process.env)
  // Opening the database and loading the app's modules overlap: PGlite compiles its WebAssembly on
  // other threads and reads its files while this one evaluates the app's modules.
  let openMs = 0
  let loadedMs = 0
  const [db, { buildApp }] = await Promise.all([
    createDb(dbOptionsOf(config)).then((handle) => { openMs = performance.now(); return handle }),
    import('./app.ts').then((app) => { loadedMs = performance.now(); return app }),
  ])
  const app = await buildApp(config, { db, deferSchemaCompile: true }).catch(async (err: unknown) => {
    await db.close().catch(() => undefined)
    throw err
  })
  const drainDelay = (err: unknown) => (err ? 0 : config.SHUTDOWN_DRAIN_DELAY_MS)
  closeWithGrace({
    delay: config.SHUTDOWN_DRAIN_DELAY_MS + config.SHUTDOWN_GRACE_MS,
    logger: false,
    onTimeout: (ms) => app.log.error({ ms }, 'in-flight requests outlived the shutdown grace; exiting 1'),
  }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an unexpected error')
    else app.log.info({ signal }, 'shutting down')
    // Fail readiness first and keep serving while load balancers notice; then stop accepting,
    // let in-flight requests finish, run the app's onClose hooks and close the database last.
    app.drain()
    await new Promise((resolve) => setTimeout(resolve, drainDelay(err)))
    await app.close()
    await db.close()
  })
  const preparedMs = Math.max(openMs, loadedMs)
  await app.ready()
  const builtMs = performance.now()
  await app.listen({ port: config.PORT, host: config.HOST })
  // Where the start's time went (bench/cold-start.ts reads this line and the database plugin's).
  const ms = (from: number, to: number) => Math.round(to - from)
  app.log.info({
    startup: {
      modulesMs: Math.round(modulesMs), openMs: ms(modulesMs, openMs), appModulesMs: ms(modulesMs, loadedMs),
      appMs: ms(preparedMs, builtMs), listenMs: ms(builtMs, performance.now()),
    },
  }, 'started')
}

main().catch((err: unknown) => {
  const { name, message } = err instanceof Error ? err : { name: 'Error', message: String(err) }
  process.stderr.write(`finetune-estimator: cannot start: ${name}: ${message.replace(/\s+/g, ' ').trim()}\n`)
  process.exit(1)
})
