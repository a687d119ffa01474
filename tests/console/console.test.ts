// The console at / in a real browser (Debian's Chromium through playwright-core) against the real
// server on the embedded database. Each screen: loads with no console error; the figures it shows
// are the numbers the API answers for the very request it made (asked again from Node, and as its
// "copy as GraphQL" text); a 400 from the API is shown at the field it names; its URL reproduces
// the view; axe-core finds nothing serious; screenshots at 1440×900 and 390×844 go to
// test-results/console/. The first load's bytes and time to the first estimate are printed.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import {
  ADMIN_KEY, ask, askGraphql, at, axeViolations, expectFigures, figure, openPage, OUTPUT_DIR, requestOf, screenshots, startRig,
  type ConsoleRig, type Json,
} from './browser.ts'

const BUNDLE_BUDGET_BYTES = 250 * 1024
const FIRST_RESULT_BUDGET_MS = 1000

let rig: ConsoleRig
beforeAll(async () => { rig = await startRig() }, 120_000)
afterAll(async () => { await rig?.close() })

/** Waits until a panel's request satisfies `check` (the console debounces its requests). */
async function waitForRequest(page: Page, name: string, check: (body: Json, url: string) => boolean): Promise<void> {
  await expect.poll(async () => {
    const r = await requestOf(page, name).catch(() => null)
    return r !== null && check(r.body, r.url)
  }, { timeout: 15_000 }).toBe(true)
}

interface Panel {
  name: string
  /** [data-key on the page, path in the API's answer]. */
  figures: (answer: Json) => [string, string][]
  /** [path in the GraphQL answer's data, path in the REST answer]. */
  graphql?: [string, string]
}

interface Screen {
  id: string
  /** The figure whose arrival means the screen has its result. */
  ready: string
  panels: Panel[]
  /** An input typed in, the request it must lead to, and so the URL that must reproduce it. */
  change: { input: string; value: string; panel: string; check: (body: Json) => boolean }
  /** A URL whose inputs the API refuses: the field the 400 must be shown at. */
  bad: { hash: string; panel: string; field: string; pointer: string }
}

const byMethod = (answer: Json) => (answer.rows as Json[]).flatMap((r, i): [string, string][] => [
  [`${r.method}.memory.perGpuBytes`, `rows.${i}.memory.perGpuBytes`], [`${r.method}.speed.tokensPerSecond`, `rows.${i}.speed.tokensPerSecond`],
  [`${r.method}.costUsd`, `rows.${i}.costUsd`], [`${r.method}.forgetting.risk`, `rows.${i}.forgetting.risk`],
  [`${r.method}.quality.expected`, `rows.${i}.quality.expected`], [`${r.method}.parameters.trainable`, `rows.${i}.parameters.trainable`],
])
const samePaths = (...paths: string[]) => () => paths.map((p): [string, string] => [p, p])

const SCREENS: Screen[] = [
  {
    id: 'estimate',
    ready: 'memory.perGpu.totalBytes',
    panels: [{
      name: 'estimate',
      figures: samePaths('memory.perGpu.totalBytes', 'memory.perGpu.weightsBytes', 'memory.perGpu.gradientsBytes', 'memory.perGpu.optimizerBytes',
        'memory.perGpu.activationsBytes', 'memory.perGpu.adaptersBytes', 'memory.perGpu.overheadBytes', 'memory.band.lowBytes', 'memory.band.highBytes',
        'memory.gpuCapacityBytes', 'speed.tokensPerSecond', 'speed.stepSeconds', 'speed.trainingHours', 'speed.gpuHours', 'cost.totalUsd',
        'cost.usdPerGpuHour', 'forgetting.risk', 'parameters.trainable', 'parameters.total', 'parameters.trainableShare'),
      graphql: ['estimate.memory.perGpu.totalBytes', 'memory.perGpu.totalBytes'],
    }],
    change: { input: '#f-training-sequenceLength', value: '4096', panel: 'estimate', check: (b) => b.training.sequenceLength === 4096 },
    bad: { hash: '#/estimate?method.type=freeze&method.trainableLayers=99', panel: 'estimate', field: 'method.trainableLayers', pointer: '/method/trainableLayers' },
  },
  {
    id: 'compare',
    ready: 'qlora.memory.perGpuBytes',
    panels: [{ name: 'comparison', figures: byMethod, graphql: ['compareMethods.rows.0.memory.perGpuBytes', 'rows.0.memory.perGpuBytes'] }],
    change: { input: '#f-lora-rank', value: '32', panel: 'comparison', check: (b) => b.lora.rank === 32 },
    bad: { hash: '#/compare?freeze.trainableLayers=99', panel: 'comparison', field: 'freeze.trainableLayers', pointer: '/freeze/trainableLayers' },
  },
  {
    id: 'freeze',
    ready: 'full.memory.perGpu.totalBytes',
    panels: [
      { name: 'freeze', figures: samePaths('parameters.trainable', 'parameters.trainableShare', 'memory.perGpu.totalBytes', 'forgetting.risk'), graphql: ['estimate.parameters.trainable', 'parameters.trainable'] },
      { name: 'full', figures: () => [['full.memory.perGpu.totalBytes', 'memory.perGpu.totalBytes'], ['full.forgetting.risk', 'forgetting.risk']] },
      { name: 'freeze-sweep', figures: () => [], graphql: ['estimateSweep.points.0.totalBytes', 'points.0.totalBytes'] },
    ],
    change: { input: '[data-layer="20"] button >> nth=0', value: 'click', panel: 'freeze', check: (b) => b.method.trainableLayers === 12 },
    bad: { hash: '#/freeze?method.strategy=&method.trainableLayers=99', panel: 'freeze', field: 'method.trainableLayers', pointer: '/method/trainableLayers' },
  },
  {
    id: 'sweeps',
    ready: 'largestFitting',
    panels: [{
      name: 'sweep',
      figures: (a) => [['largestFitting', 'largestFitting'], ...(a.points as Json[]).flatMap((_p, i): [string, string][] =>
        ['value', 'totalBytes', 'tokensPerSecond', 'stepSeconds', 'costUsd'].map((k): [string, string] => [`points.${i}.${k}`, `points.${i}.${k}`]))],
      graphql: ['estimateSweep.largestFitting', 'largestFitting'],
    }],
    change: { input: '#f-vary-range-to', value: '16384', panel: 'sweep', check: (b) => b.vary.range.to === 16384 },
    bad: { hash: '#/sweeps?vary.range.to=2000000', panel: 'sweep', field: 'vary.range.to', pointer: '/vary/range/to' },
  },
  {
    id: 'forgetting',
    ready: 'all.forgettingRisk',
    panels: ['baseline', 'l2', 'freeze', 'rank', 'replay', 'all'].map((id) => ({
      name: `forgetting-${id}`,
      figures: (): [string, string][] => [[`${id}.forgettingRisk`, 'points.23.forgettingRisk'], [`${id}.trainableParameters`, 'points.23.trainableParameters']],
      graphql: ['estimateSweep.points.23.forgettingRisk', 'points.23.forgettingRisk'] as [string, string],
    })),
    change: { input: '#f-sim-steps', value: '1500', panel: 'forgetting-baseline', check: (b) => b.vary.values.at(-1) === 1500 * 4 * 2048 * 4 },
    bad: { hash: '#/forgetting?sim.freezeLayers=99', panel: 'forgetting-freeze', field: 'sim.freezeLayers', pointer: '/request/method/trainableLayers' },
  },
  {
    id: 'cost',
    ready: 'breakdown.totalUsd',
    panels: [{
      name: 'cost',
      figures: samePaths('breakdown.totalUsd', 'breakdown.computeUsd', 'breakdown.storageUsd', 'breakdown.transferUsd', 'breakdown.engineeringUsd',
        'breakdown.shares.compute', 'hours', 'gpuHours', 'checkpointBytes', 'pricesUsed.0.usdPerGpuHour', 'offers.0.computeUsd'),
      graphql: ['runCost.breakdown.totalUsd', 'breakdown.totalUsd'],
    }],
    change: { input: '#f-engineeringHours', value: '40', panel: 'cost', check: (b) => b.engineeringHours === 40 },
    bad: { hash: '#/cost?training.datasetTokens=', panel: 'cost', field: 'hours', pointer: '/hours' },
  },
  {
    id: 'advisor',
    ready: 'recommended.costUsd',
    panels: [{
      name: 'recommendation',
      figures: (a) => [...samePaths('recommended.costUsd', 'recommended.trainingHours', 'recommended.quality.expected', 'recommended.risk')(),
        ...(a.options as Json[]).flatMap((_o, i): [string, string][] => ['costUsd', 'trainingHours', 'risk', 'score'].map((k): [string, string] => [`options.${i}.${k}`, `options.${i}.${k}`]))],
      graphql: ['recommend.recommended.costUsd', 'recommended.costUsd'],
    }],
    change: { input: '#f-budgetUsd', value: '100', panel: 'recommendation', check: (b) => b.budgetUsd === 100 },
    bad: {
      hash: `#/advisor?modelSource=config&modelConfig=${encodeURIComponent(JSON.stringify({ hidden_size: 4096, intermediate_size: 11008, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 5, vocab_size: 32000 }))}`,
      panel: 'recommendation', field: 'modelConfig', pointer: '/model/numKeyValueHeads',
    },
  },
  {
    id: 'serving',
    ready: 'plan.peakMemoryBytes',
    panels: [
      {
        name: 'serving',
        figures: (a) => [['serving.baseBytes', 'baseBytes'], ['serving.adapterBytes', 'adapterBytes'], ['serving.adapterParams', 'adapterParams'],
          ['serving.storage.adaptersBytes', 'storage.adaptersBytes'], ['serving.storage.fullCopiesBytes', 'storage.fullCopiesBytes'],
          ...(a.modes as Json[]).flatMap((m, i): [string, string][] => [[`serving.${m.mode}.gpus`, `modes.${i}.gpus`], [`serving.${m.mode}.gpuMemoryPerGpuBytes`, `modes.${i}.gpuMemoryPerGpuBytes`]])],
        graphql: ['servingPlan.baseBytes', 'baseBytes'],
      },
      {
        name: 'plan',
        figures: () => [['plan.peakMemoryBytes', 'peakMemoryBytes'], ['plan.trainingHours', 'trainingHours'], ['plan.gpuHours', 'gpuHours'], ['plan.costUsd', 'costUsd'], ['plan.forgetting.risk', 'forgetting.risk']],
        graphql: ['trainingPlan.peakMemoryBytes', 'peakMemoryBytes'],
      },
    ],
    change: { input: '#f-tasks', value: '50', panel: 'serving', check: (b) => b.tasks === 50 },
    bad: { hash: '#/serving?training.datasetTokens=', panel: 'plan', field: 'training.datasetTokens', pointer: '/request/training/datasetTokens' },
  },
]

/** Each panel's figures equal the API's answer to the panel's own request; its GraphQL text answers the same. */
async function checkPanels(page: Page, panels: Panel[]): Promise<void> {
  for (const panel of panels) {
    const request = await requestOf(page, panel.name)
    const answer = await ask(rig, request)
    expect(answer.status, `${panel.name}: ${JSON.stringify(answer.json)}`).toBe(200)
    const pairs = panel.figures(answer.json)
    await expectFigures(page, answer.json, pairs)
    if (panel.graphql) {
      const gql = await askGraphql(rig, page, panel.name)
      expect(gql.errors, `${panel.name} as GraphQL`).toBeUndefined()
      const [gqlPath, restPath] = panel.graphql
      expect(at(gql.data, gqlPath), `${panel.name} as GraphQL: ${gqlPath}`).toBe(at(answer.json, restPath))
    }
  }
}

describe('the console in Chromium', () => {
  test('the first load: scripts and styles within budget, compressed; the first estimate within a second', async () => {
    // The server warmed as a running service is: its routes compiled, the catalog cached.
    const warm = { model: 'llama-3.1-8b', method: { type: 'lora' }, training: { microBatchSize: 4, sequenceLength: 2048 }, hardware: { gpu: 'a100-80gb' } }
    for (let i = 0; i < 20; i++) await ask(rig, { method: 'POST', url: '/v1/estimates', body: warm })
    const { page, errors } = await openPage(rig, '')
    await page.locator('output[data-key="memory.perGpu.totalBytes"]').waitFor()
    const entries = await page.evaluate(`performance.getEntriesByType('resource').map((e) => ({ name: e.name, transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize }))`) as { name: string; transfer: number; encoded: number; decoded: number }[]
    const assets = entries.filter((e) => /\/assets\/.*\.(js|css)$/.test(e.name))
    const transferred = assets.reduce((sum, e) => sum + e.transfer, 0)
    const decoded = assets.reduce((sum, e) => sum + e.decoded, 0)
    const firstResultMs = await page.evaluate(`performance.getEntriesByName('console:first-result')[0]?.startTime ?? null`) as number | null
    console.info(`console first load: ${assets.length} files, ${(transferred / 1024).toFixed(1)} KiB transferred (${(decoded / 1024).toFixed(1)} KiB uncompressed); first estimate shown ${firstResultMs?.toFixed(0)} ms after navigation start`)
    expect(assets.length).toBeGreaterThanOrEqual(2)
    expect(transferred).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES)
    for (const asset of assets) expect(asset.encoded, `${asset.name} is sent compressed`).toBeLessThan(asset.decoded)
    expect(firstResultMs).not.toBeNull()
    expect(firstResultMs!).toBeLessThanOrEqual(FIRST_RESULT_BUDGET_MS)
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)

  test('/ and its assets: no-cache page, immutable hashed files, a CSP without inline scripts; the API keeps its own headers', async () => {
    const index = await fetch(`${rig.base}/`)
    expect(index.status).toBe(200)
    expect(index.headers.get('cache-control')).toBe('no-cache')
    const csp = index.headers.get('content-security-policy')!
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-inline')
    const html = await index.text()
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    const asset = await fetch(rig.base + script, { headers: { 'accept-encoding': 'br' } })
    expect(asset.status).toBe(200)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(asset.headers.get('content-encoding')).toBe('br')
    for (const path of ['/docs', '/health/live', '/v1/models?limit=1']) {
      const res = await fetch(rig.base + path)
      expect(res.status, path).toBe(200)
      expect(res.headers.get('content-security-policy'), path).not.toBe(csp)
    }
    const missing = await fetch(`${rig.base}/assets/nope.js`)
    expect(missing.status).toBe(404)
    const unknownApi = await fetch(`${rig.base}/v1/nope`)
    expect(unknownApi.headers.get('content-type')).toContain('application/problem+json')
  })

  test.each(SCREENS)('$id: the API\'s numbers, its 400 at the field, the URL round trip, axe, screenshots', async (screen) => {
    const { page, errors } = await openPage(rig, `#/${screen.id}`)
    await page.locator(`[data-key="${screen.ready}"]`).first().waitFor({ timeout: 30_000 })
    await checkPanels(page, screen.panels)

    const axe = await axeViolations(page)
    expect(axe.serious, `${screen.id}: serious axe violations`).toEqual([])
    await screenshots(page, screen.id)
    expect(errors, `${screen.id}: console errors`).toEqual([])

    // An input changed: the request follows, and the URL now reproduces the view.
    const before = JSON.stringify((await requestOf(page, screen.change.panel)).body)
    if (screen.change.value === 'click') await page.locator(screen.change.input).click()
    else await page.locator(screen.change.input).fill(screen.change.value)
    await waitForRequest(page, screen.change.panel, (body) => screen.change.check(body))
    expect(JSON.stringify((await requestOf(page, screen.change.panel)).body)).not.toBe(before)
    await page.locator(`[data-key="${screen.ready}"]`).first().waitFor()
    const changed = await requestOf(page, screen.change.panel)
    const url = page.url()
    const again = await openPage(rig, url.slice(url.indexOf('#')))
    await waitForRequest(again.page, screen.change.panel, (body) => screen.change.check(body))
    expect(await requestOf(again.page, screen.change.panel)).toEqual(changed)
    await again.page.locator(`[data-key="${screen.ready}"]`).first().waitFor({ timeout: 30_000 })
    await checkPanels(again.page, screen.panels.filter((p) => p.name === screen.change.panel))
    expect(again.errors, `${screen.id} reopened: console errors`).toEqual([])
    await again.page.close()

    // Inputs the API refuses: its 400 is shown at the field it names, in its words.
    const bad = await openPage(rig, screen.bad.hash)
    const shownError = bad.page.locator(`[data-error-for="${screen.bad.field}"]`)
    await shownError.waitFor({ timeout: 30_000 })
    const refused = await ask(rig, await requestOf(bad.page, screen.bad.panel))
    expect(refused.status).toBe(400)
    const named = (refused.json.errors as { field: string; message: string }[]).find((e) => e.field === screen.bad.pointer)
    expect(named, JSON.stringify(refused.json)).toBeDefined()
    expect(await shownError.textContent()).toBe(named!.message)
    expect(await bad.page.locator(`[name="${screen.bad.field}"]`).first().getAttribute('aria-invalid')).toBe('true')
    await bad.page.close()
    await page.close()
  }, 180_000)

  test('scenarios: saved with a key, listed, opened, re-priced; the cost report and its CSV; a 400 at its field', async () => {
    const { page, errors } = await openPage(rig, '#/scenarios?name=console%20scenario&team=console-team&project=console-project')
    await page.locator('[data-request="scenarios"]').waitFor()
    await page.locator('#api-key').fill(ADMIN_KEY)
    await page.getByRole('button', { name: 'Save scenario' }).click()
    const savedId = await page.locator('[data-key="saved.id"]').getAttribute('data-value')
    expect(savedId).toBeTruthy()
    const stored = await ask(rig, { method: 'GET', url: `/v1/scenarios/${savedId}` })
    expect(stored.status).toBe(200)
    expect(stored.json).toMatchObject({ name: 'console scenario', team: 'console-team', project: 'console-project' })
    // The stored request is the setup the screen held (the estimate screen's defaults here).
    expect(stored.json.request).toEqual((await requestOf(page, 'save')).body.request)
    await page.locator(`[data-open-scenario="${savedId}"]`).waitFor()
    await expectFigures(page, stored.json, [['scenario.totalCostUsd', 'totalCostUsd'], ['scenario.computeCostUsd', 'computeCostUsd'], ['scenario.gpuHours', 'gpuHours']])
    await expectFigures(page, stored.json.result, [['memory.perGpu.totalBytes', 'memory.perGpu.totalBytes'], ['speed.tokensPerSecond', 'speed.tokensPerSecond']])
    expect(page.url()).toContain(`open=${savedId}`)
    await expect.poll(async () => page.locator(`[data-scenario="${savedId}"]`).count()).toBe(1)
    await expectFigures(page, stored.json, [[`scenarios.${savedId}.totalCostUsd`, 'totalCostUsd']])
    await page.getByRole('button', { name: 'Re-price console scenario' }).first().click()
    await page.locator('output[data-key="reprice.after.totalCostUsd"]').waitFor()
    const repriced = await ask(rig, await requestOf(page, 'reprice'))
    await expectFigures(page, repriced.json, ['before.totalCostUsd', 'after.totalCostUsd', 'delta.totalCostUsd'].map((p): [string, string] => [`reprice.${p}`, p]))

    // The report by team counts the saved scenario; its CSV is the API's.
    await expect.poll(async () => (await requestOf(page, 'report')).url).toContain('groupBy=team')
    const report = await ask(rig, await requestOf(page, 'report'))
    // The report is asked again once the scenario is saved.
    await expect.poll(async () => figure(page, 'report.totals.scenarios'), { timeout: 10_000 }).toBe(report.json.totals.scenarios)
    const rows = report.json.rows as { group: string | null }[]
    await expectFigures(page, report.json, [['report.totals.totalCostUsd', 'totals.totalCostUsd'], ['report.totals.scenarios', 'totals.scenarios'],
      ...rows.map((_r, i): [string, string] => [`report.rows.${i}.totalCostUsd`, `rows.${i}.totalCostUsd`])])
    expect(rows.map((r) => r.group)).toContain('console-team')
    const report2 = await askGraphql(rig, page, 'report')
    expect(report2.errors).toBeUndefined()
    expect(report2.data.costReport.totals.totalCostUsd).toBe(report.json.totals.totalCostUsd)
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()])
    const csv = await (await fetch(`${rig.base}/v1/reports/costs?groupBy=team&format=csv`)).text()
    const { readFileSync } = await import('node:fs')
    expect(readFileSync((await download.path())!, 'utf8')).toBe(csv)

    const axe = await axeViolations(page)
    expect(axe.serious).toEqual([])
    await screenshots(page, 'scenarios')
    expect(errors).toEqual([])

    // The URL reproduces the view: the open scenario and the grouping.
    await page.locator('#f-groupBy').selectOption('project')
    await expect.poll(async () => (await requestOf(page, 'report')).url).toContain('groupBy=project')
    const again = await openPage(rig, page.url().slice(page.url().indexOf('#')))
    await again.page.locator(`[data-open-scenario="${savedId}"]`).waitFor()
    await expect.poll(async () => (await requestOf(again.page, 'report')).url).toContain('groupBy=project')
    expect(again.errors).toEqual([])
    await again.page.close()

    // The API's 400 (to before from) at the field it names.
    const bad = await openPage(rig, '#/scenarios?from=2026-05-01&to=2026-01-01')
    const shownError = bad.page.locator('[data-error-for="to"]')
    await shownError.waitFor()
    const refused = await ask(rig, await requestOf(bad.page, 'report'))
    expect(refused.status).toBe(400)
    expect(await shownError.textContent()).toBe(refused.json.errors[0].message)
    await bad.page.close()

    // Last: "copy as GraphQL" of the save is a mutation, and stores another scenario.
    const save = await askGraphql(rig, page, 'save', ADMIN_KEY)
    expect(save.errors).toBeUndefined()
    expect(save.data.createScenario.scenario.totalCostUsd).toBe(stored.json.totalCostUsd)

    await page.close()
    console.info(`console screenshots: ${OUTPUT_DIR}`)
  }, 120_000)
})
