// The console's browser tests' machinery: the real server (buildApp on the embedded database,
// listening on an ephemeral port), one Debian Chromium driven by playwright-core for every screen,
// the page's console errors collected, axe-core injected from its npm package, and helpers that
// read the exact request a result came from and ask the API the same question from Node.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { expect } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.ts'

export const ADMIN_KEY = 'console-admin-key-0123456789'
export const OUTPUT_DIR = path.resolve(import.meta.dirname, '../../test-results/console')

/** Debian's Chromium (`apt-get install -y chromium`; .ci/run installs it), or CHROMIUM_PATH. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => Boolean(p))
  const found = candidates.find((p) => existsSync(p))
  if (!found) throw new Error('No Chromium for the console\'s browser tests: apt-get install -y chromium (.ci/run does), or set CHROMIUM_PATH')
  return found
}

/**
 * Flags that keep a headless Chromium to itself: no sandbox (root in CI), no GPU, and none of the
 * background traffic (component updates, sync, QUIC probes) that would try Google hosts offline.
 */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']

export interface ConsoleRig {
  base: string
  app: TestApp
  browser: BrowserContext
  close(): Promise<void>
}

export async function startRig(): Promise<ConsoleRig> {
  const app = await buildTestApp({ ADMIN_API_KEY: ADMIN_KEY })
  await app.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.app.server.address() as { port: number }
  const profile = mkdtempSync(path.join(tmpdir(), 'console-chromium-'))
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS, viewport: { width: 1440, height: 900 }, acceptDownloads: true,
  })
  mkdirSync(OUTPUT_DIR, { recursive: true })
  return {
    base: `http://127.0.0.1:${port}`,
    app,
    browser,
    async close() {
      // A Chromium that does not answer its close (seen once on a loaded 2-core CI machine) must not
      // hold the suite: it exits by itself when this process, its pipe's other end, does.
      await Promise.race([browser.close(), new Promise((resolve) => setTimeout(resolve, 15_000).unref())])
      // Keep-alive sockets the browser left open would keep the server's close waiting.
      app.app.server.closeAllConnections()
      await app.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** A page whose console errors and uncaught exceptions are kept, to be asserted empty. */
export async function openPage(rig: ConsoleRig, hash: string, viewport = { width: 1440, height: 900 }): Promise<{ page: Page; errors: string[] }> {
  const page = await rig.browser.newPage()
  await page.setViewportSize(viewport)
  const errors: string[] = []
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()) })
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`))
  await page.goto(`${rig.base}/${hash}`)
  return { page, errors }
}

/** API answers and request bodies are deep trees whose shape the test, not a type, fixes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any

/** The request a result panel came from: method, URL and JSON body, as the console sent it. */
export async function requestOf(page: Page, name: string): Promise<{ method: string; url: string; body?: Json }> {
  const panel = page.locator(`[data-request="${name}"]`)
  await panel.waitFor({ state: 'attached' })
  const method = (await panel.getAttribute('data-method'))!
  const url = (await panel.getAttribute('data-url'))!
  const holder = panel.locator('[data-rest-body]')
  const body = (await holder.count()) > 0 ? await holder.textContent() : null
  return { method, url, ...(body ? { body: JSON.parse(body) } : {}) }
}

/** The same request sent from Node, as any client would. */
export async function ask(rig: ConsoleRig, request: { method: string; url: string; body?: unknown }, key?: string): Promise<{ status: number; json: Json }> {
  const res = await fetch(rig.base + request.url, {
    method: request.method,
    headers: { ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(key ? { authorization: `Bearer ${key}` } : {}) },
    ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
  })
  return { status: res.status, json: await res.json() }
}

/** The "copy as GraphQL" text of a panel, posted to /graphql. */
export async function askGraphql(rig: ConsoleRig, page: Page, name: string, key?: string): Promise<{ data: Json; errors?: unknown[] }> {
  const text = await page.locator(`[data-graphql="${name}"]`).textContent()
  const res = await fetch(`${rig.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: text!,
  })
  return res.json() as Promise<{ data: Json; errors?: unknown[] }>
}

/** The number a figure on the page holds (its data-value), not its text. */
export async function figure(page: Page, key: string): Promise<number | null> {
  const value = await page.locator(`[data-key="${key}"]`).first().getAttribute('data-value')
  return value === 'null' ? null : Number(value)
}

/** A value inside a JSON answer by dotted path (rows.0.memory.perGpuBytes). */
export function at(json: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), json)
}

/** Every figure named, compared with the API's answer at its path: numbers, exactly. */
export async function expectFigures(page: Page, answer: unknown, pairs: [string, string][]): Promise<void> {
  for (const [key, jsonPath] of pairs) {
    const expected = at(answer, jsonPath)
    expect(typeof expected === 'number' || expected === null, `${jsonPath} in the API's answer`).toBe(true)
    expect(await figure(page, key), key).toBe(expected)
  }
}

let axeSource: string | null = null

/** axe-core's serious and critical violations on the page (its source injected from the npm package). */
export async function axeViolations(page: Page): Promise<{ serious: string[]; other: number }> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
  await page.evaluate(axeSource)
  const violations = await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((result) =>
    result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`) as { id: string; impact: string; targets: string[] }[]
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.targets.join(', ')}`)
  return { serious, other: violations.length - serious.length }
}

/** Full-page screenshots at the two widths the console is laid out for. */
export async function screenshots(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 1440, height: 900 })
  await page.screenshot({ path: path.join(OUTPUT_DIR, `${name}-1440x900.png`), fullPage: true })
  await page.setViewportSize({ width: 390, height: 844 })
  // Charts follow their box's width a frame or two after a resize (ResizeObserver).
  await expect.poll(() => page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'), {
    message: `${name} scrolls sideways at 390 px`, timeout: 3_000,
  }).toBeLessThanOrEqual(0)
  await page.screenshot({ path: path.join(OUTPUT_DIR, `${name}-390x844.png`), fullPage: true })
  await page.setViewportSize({ width: 1440, height: 900 })
}
