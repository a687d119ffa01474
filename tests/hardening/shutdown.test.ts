// SIGTERM on the real process (tsx src/server.ts): readiness fails at once, a request already in
// flight (its body still arriving after close began) completes with 200, the database closes and
// the process exits 0.
import { spawn } from 'node:child_process'
import { request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts'
import { INLINE_ESTIMATE, LLAMA_2_7B_PARAMETERS } from './fixtures.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const DRAIN_MS = 1_000
const ADMIN_KEY = 'shutdown-test-admin-key-must-never-be-logged'

let database: TestDatabase
beforeAll(async () => { database = await createTestDatabase() })
afterAll(async () => { await database.drop() })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ port, path, agent: false }, (res) => { res.resume(); resolve(res.statusCode!) }).on('error', reject).end()
  })
}

it('SIGTERM: ready turns 503, the in-flight request completes, the process exits 0', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: {
      ...process.env, DATABASE_URL: database.url, PORT: '0', LOG_LEVEL: 'info',
      SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_MS), SHUTDOWN_GRACE_MS: '5000', ADMIN_API_KEY: ADMIN_KEY,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 40_000)
    child.stdout.on('data', () => {
      const match = /listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output)
      if (match) { clearTimeout(timer); resolve(Number(match[1])) }
    })
  })
  expect(await get(port, '/health/ready')).toBe(200)

  // Headers and half the body now; the rest only after SIGTERM, once the listener has closed.
  const body = JSON.stringify(INLINE_ESTIMATE)
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ port, method: 'POST', path: '/v1/estimates', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${ADMIN_KEY}`, 'x-request-id': 'shutdown-test-1' } }, (res) => {
      let text = ''
      res.on('data', (chunk: Buffer) => { text += chunk.toString() })
      res.on('end', () => resolve({ status: res.statusCode!, body: text }))
    })
    req.on('error', reject)
    req.write(body.slice(0, 40))
    sleep(300).then(() => {
      child.kill('SIGTERM')
      return sleep(DRAIN_MS / 2)
    }).then(async () => {
      // Draining: still listening, but no longer ready.
      expect(await get(port, '/health/ready')).toBe(503)
      await sleep(DRAIN_MS)
      // Closed to new connections while this request is still arriving.
      await expect(get(port, '/health/live')).rejects.toThrow(/ECONNREFUSED/)
      req.end(body.slice(40))
    }).catch(reject)
  })

  const answer = await response
  expect(answer.status, answer.body).toBe(200)
  expect(JSON.parse(answer.body).parameters.total).toBe(LLAMA_2_7B_PARAMETERS)
  expect(await exited).toBe(0)
  expect(output).toContain('shutting down')
  // Every log line of the request carries its id; the API key appears in none.
  const lines = output.split('\n').filter((line) => line.includes('"url":"/v1/estimates"') || line.includes('"responseTime"'))
  expect(lines.length).toBeGreaterThan(0)
  for (const line of lines) expect(JSON.parse(line).reqId).toBeTypeOf('string')
  expect(output).toContain('"reqId":"shutdown-test-1"')
  expect(output).not.toContain(ADMIN_KEY)
}, 60_000)
