// Runs once before the suite: fails fast, with the fix, when PostgreSQL is not reachable. It
// creates nothing shared, so several suites can run at once against the same server.
import pg from 'pg'
import { ADMIN_DATABASE_URL } from './postgres.ts'

export default async function globalSetup(): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL, connectionTimeoutMillis: 5_000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${ADMIN_DATABASE_URL} (${(err as Error).message}). Start it with: ` +
        'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
      { cause: err },
    )
  } finally {
    await client.end().catch(() => undefined)
  }
}
