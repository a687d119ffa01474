import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { FOCUS_CSV_COLUMNS, csvCell } from '../../src/services/report.service.ts'
import { ENGINES } from '../helpers/databases.ts'
import { asAdmin, startApiApp, type ApiTestApp } from './api-test-app.ts'

const training = { microBatchSize: 2, sequenceLength: 1024, datasetTokens: 20_000_000 }

/** RFC 4180 reader for the assertions: quoted cells, doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++ } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') { row.push(cell); cell = '' } else if (ch === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++ } else cell += ch
  }
  return rows
}

interface Stored { id: string; gpuHours: number; computeCostUsd: number; totalCostUsd: number; listCostUsd: number | null }

describe.each(ENGINES)('GET /v1/reports/costs on %s', (engine) => {
  let t: ApiTestApp
  const s: Record<string, Stored> = {}
  beforeAll(async () => {
    t = await startApiApp(engine)
    const store = async (name: string, team: string | undefined, request: object) => {
      const res = await t.call({ method: 'POST', url: '/v1/scenarios', payload: { name, team, project: 'fine-tunes', request }, ...asAdmin })
      expect(res.statusCode, res.body).toBe(201)
      s[name] = res.json()
    }
    // Lambda on-demand A100 80GB ($1.79): the list price is the price used.
    await store('a', 'alpha', { model: 'llama-3.2-1b', method: { type: 'lora' }, training, hardware: { gpu: 'a100-80gb' } })
    // An explicit spot price: no list price known, so ListCost counts it at the price used.
    await store('b', 'alpha', { model: 'llama-3.2-1b', method: { type: 'qlora' }, training, hardware: { gpu: 'a100-80gb' }, pricing: { usdPerGpuHour: 1, pricingModel: 'spot' } })
    // AWS p5 spot ($2.6242/GPU-h) with its on-demand list price ($12.29/GPU-h).
    await store('c', 'R&D, "core"', { model: 'llama-3.2-1b', method: { type: 'full' }, training, hardware: { gpu: 'h100-sxm-80gb' }, pricing: { provider: 'aws', pricingModel: 'spot' } })
    await store('d', undefined, { model: 'llama-3.2-1b', method: { type: 'lora' }, training, hardware: { gpu: 'a100-80gb' } })
    await store('deleted', 'alpha', { model: 'llama-3.2-1b', method: { type: 'full' }, training, hardware: { gpu: 'a100-80gb' } })
    expect((await t.call({ method: 'DELETE', url: `/v1/scenarios/${s.deleted!.id}`, ...asAdmin })).statusCode).toBe(204)
  })
  afterAll(async () => { await t?.close() })

  const sum = (names: string[], key: keyof Omit<Stored, 'id'>) =>
    names.reduce((acc, n) => acc + (s[n]![key] ?? s[n]!.computeCostUsd), 0)

  test('the stored costs are what the prices say', () => {
    expect(s.a!.computeCostUsd).toBeCloseTo(s.a!.gpuHours * 1.79, 9)
    expect(s.b!.computeCostUsd).toBeCloseTo(s.b!.gpuHours * 1, 9)
    expect(s.b!.listCostUsd).toBeNull()
    expect(s.c!.computeCostUsd).toBeCloseTo(s.c!.gpuHours * 2.6242, 9)
    expect(s.c!.listCostUsd).toBeCloseTo(s.c!.gpuHours * 12.29, 9)
  })

  test('JSON by team: sums per team, untagged last, deleted scenarios left out, totals over all', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/reports/costs?groupBy=team' })
    expect(res.statusCode, res.body).toBe(200)
    const r = res.json()
    expect(r.rows.map((row: { group: string | null }) => row.group)).toEqual(['R&D, "core"', 'alpha', null])
    const alpha = r.rows[1]
    expect(alpha.scenarios).toBe(2)
    expect(alpha.gpuHours).toBeCloseTo(sum(['a', 'b'], 'gpuHours'), 9)
    expect(alpha.computeCostUsd).toBeCloseTo(sum(['a', 'b'], 'computeCostUsd'), 9)
    expect(alpha.totalCostUsd).toBeCloseTo(sum(['a', 'b'], 'totalCostUsd'), 9)
    expect(alpha.listCostUsd).toBeCloseTo(sum(['a', 'b'], 'listCostUsd'), 9)
    expect(r.totals.scenarios).toBe(4)
    expect(r.totals.computeCostUsd).toBeCloseTo(sum(['a', 'b', 'c', 'd'], 'computeCostUsd'), 9)
    expect(r.totals.listCostUsd).toBeCloseTo(sum(['a', 'b', 'c', 'd'], 'listCostUsd'), 9)
    expect(r.currency).toBe('USD')
  })

  test('by provider and by month; a period with no scenarios has empty rows and zero totals', async () => {
    const byProvider = (await t.call({ method: 'GET', url: '/v1/reports/costs?groupBy=provider' })).json()
    expect(byProvider.rows.map((row: { group: string | null; scenarios: number }) => [row.group, row.scenarios])).toEqual([['aws', 1], ['lambda', 2], [null, 1]])
    const byMonth = (await t.call({ method: 'GET', url: '/v1/reports/costs?groupBy=month&from=2026-01-01' })).json()
    const month = new Date().toISOString().slice(0, 7)
    expect(byMonth.rows).toHaveLength(1)
    expect(byMonth.rows[0]).toMatchObject({ group: month, scenarios: 4, periodStart: `${month}-01T00:00:00.000Z` })
    const empty = (await t.call({ method: 'GET', url: '/v1/reports/costs?groupBy=team&from=2100-01-01&to=2100-02-01' })).json()
    expect(empty.rows).toEqual([])
    expect(empty.totals).toEqual({ scenarios: 0, gpuHours: 0, computeCostUsd: 0, totalCostUsd: 0, listCostUsd: 0 })
  })

  test('CSV with FOCUS column names, escaped cells and the same figures', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/reports/costs?groupBy=team&from=2026-01-01&to=2100-01-01', headers: { accept: 'text/csv' } })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(res.headers['content-disposition']).toBe('attachment; filename="costs-by-team.csv"')
    // The team with a comma and quotes is one quoted cell with doubled quotes.
    expect(res.body).toContain('"R&D, ""core"""')
    const [header, ...rows] = parseCsv(res.body)
    expect(header).toEqual([...FOCUS_CSV_COLUMNS])
    const col = (row: string[], name: (typeof FOCUS_CSV_COLUMNS)[number]) => row[FOCUS_CSV_COLUMNS.indexOf(name)]!
    const core = rows.find((row) => col(row, 'x_Group') === 'R&D, "core"')!
    expect(Number(col(core, 'BilledCost'))).toBeCloseTo(s.c!.computeCostUsd, 6)
    expect(Number(col(core, 'EffectiveCost'))).toBeCloseTo(s.c!.computeCostUsd, 6)
    expect(Number(col(core, 'ListCost'))).toBeCloseTo(s.c!.gpuHours * 12.29, 6)
    expect(Number(col(core, 'PricingQuantity'))).toBeCloseTo(s.c!.gpuHours, 6)
    expect(col(core, 'BillingCurrency')).toBe('USD')
    expect(col(core, 'ChargePeriodStart')).toBe('2026-01-01T00:00:00Z')
    expect(col(core, 'ChargePeriodEnd')).toBe('2100-01-01T00:00:00Z')
    expect(JSON.parse(col(core, 'Tags'))).toEqual({ team: 'R&D, "core"' })
    expect(col(core, 'x_IsEstimate')).toBe('true')
    expect(rows.map((row) => col(row, 'x_ScenarioCount'))).toEqual(['1', '2', '1'])
    const viaQuery = await t.call({ method: 'GET', url: '/v1/reports/costs?groupBy=team&from=2026-01-01&to=2100-01-01&format=csv' })
    expect(viaQuery.body).toBe(res.body)
  })

  test('by scenario, the CSV names each resource', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/reports/costs?groupBy=scenario&format=csv' })
    const [, ...rows] = parseCsv(res.body)
    const row = rows.find((r) => r[FOCUS_CSV_COLUMNS.indexOf('ResourceId')] === s.a!.id)!
    expect(row[FOCUS_CSV_COLUMNS.indexOf('ResourceName')]).toBe('a')
    expect(JSON.parse(row[FOCUS_CSV_COLUMNS.indexOf('Tags')]!)).toEqual({ team: 'alpha', project: 'fine-tunes', owner: 'admin' })
  })

  test('bad parameters are a 400 naming them', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/reports/costs?groupBy=color' })
    expect(res.statusCode).toBe(400)
    expect(res.json().errors[0].field).toBe('/groupBy')
    const backwards = await t.call({ method: 'GET', url: '/v1/reports/costs?groupBy=team&from=2026-02-01&to=2026-01-01' })
    expect(backwards.json().errors).toEqual([{ field: '/to', message: 'must be after from' }])
  })
})

test('CSV cells: RFC 4180 quoting, formula guard, decimals without exponents', () => {
  expect(csvCell('plain')).toBe('plain')
  expect(csvCell('a,b')).toBe('"a,b"')
  expect(csvCell('say "hi"')).toBe('"say ""hi"""')
  expect(csvCell('two\r\nlines')).toBe('"two\r\nlines"')
  expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"')
  expect(csvCell('-1')).toBe("'-1")
  expect(csvCell(-1.5)).toBe('-1.5')
  expect(csvCell(1e-7)).toBe('0')
  expect(csvCell(123456789.1234567)).toBe('123456789.123457')
  expect(csvCell(null)).toBe('')
})
