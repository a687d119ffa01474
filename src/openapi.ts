// The OpenAPI 3.1 document as the routes describe it, independent of the environment: built from
// default settings over a database that is never queried (route schemas need none).
import { buildApp } from './app.ts'
import { loadConfig } from './config.ts'
import { createDb, type Db } from './db/client.ts'

/** Pretty-printed JSON with a final newline, as committed in openapi/openapi.json. */
export async function generateOpenApi(db?: Db): Promise<string> {
  const handle = db ?? await createDb({ pgliteDir: 'memory://' })
  try {
    const app = await buildApp(loadConfig({}), { db: handle, prepareDatabase: false, logger: false })
    try {
      await app.ready()
      return `${JSON.stringify(app.swagger(), null, 2)}\n`
    } finally {
      await app.close()
    }
  } finally {
    if (!db) await handle.close()
  }
}
