// A fresh, empty PostgreSQL database per caller (fe_test_<pid>_<random>), created from the `test`
// database and dropped afterwards, so test files and parallel suites never share state.
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test'

export interface TestDatabase {
  name: string
  url: string
  drop(): Promise<void>
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `fe_test_${process.pid}_${randomBytes(4).toString('hex')}`
  await admin((client) => client.query(`CREATE DATABASE "${name}"`))
  const url = new URL(ADMIN_DATABASE_URL)
  url.pathname = `/${name}`
  return {
    name,
    url: url.toString(),
    drop: () => admin(async (client) => { await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) }),
  }
}
