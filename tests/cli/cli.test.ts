// The CLI: the example configs estimate in this process with the numbers of the import service,
// and through --url with the running service's; exit status 0 fits, 3 does not, 2 bad input, 1
// service unreachable; compare and advise; the bin itself, run as a process.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { EXIT, run } from '../../src/cli/main.ts'
import { startApiApp, type ApiTestApp } from '../api/api-test-app.ts'
import { importConfig } from '../config-import/helpers.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
const ex = (file: string) => path.join(ROOT, 'examples', file)
const dir = mkdtempSync(path.join(tmpdir(), 'fte-cli-'))
const write = (name: string, text: string) => {
  const file = path.join(dir, name)
  writeFileSync(file, text)
  return file
}

async function cli(...argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const status = await run(argv, { out: (t) => out.push(t), err: (t) => err.push(t) })
  return { status, out: out.join('\n'), err: err.join('\n') }
}

/** Each example as CLI arguments and as the import body the service takes. */
const EXAMPLES = [
  { args: [ex('axolotl/llama-3.1-8b-qlora.yml'), '-f', 'axolotl', '-g', 'h100-sxm-80gb'], format: 'axolotl', file: 'axolotl/llama-3.1-8b-qlora.yml', hardware: { gpu: 'h100-sxm-80gb' } },
  { args: [ex('llama-factory/qwen2.5-7b-lora-sft.yaml'), '-f', 'llama-factory', '-g', 'a100-80gb', '-n', '2'], format: 'llama-factory', file: 'llama-factory/qwen2.5-7b-lora-sft.yaml', hardware: { gpu: 'a100-80gb', count: 2 } },
  { args: [ex('torchtune/llama3_1_8b_lora_distributed.yaml'), '-f', 'torchtune', '-g', 'a100-80gb'], format: 'torchtune', file: 'torchtune/llama3_1_8b_lora_distributed.yaml', hardware: { gpu: 'a100-80gb' } },
  {
    args: [ex('trl/sft-llama-3.2-3b-qlora.yaml'), '-f', 'trl', '-g', 'l40s', '--adapter-config', ex('trl/adapter_config.json')],
    format: 'trl', file: 'trl/sft-llama-3.2-3b-qlora.yaml', hardware: { gpu: 'l40s' }, adapterConfig: 'trl/adapter_config.json',
  },
] as const

const bodyOf = (e: (typeof EXAMPLES)[number]) => ({
  format: e.format,
  config: readFileSync(ex(e.file), 'utf8'),
  hardware: e.hardware,
  ...('adapterConfig' in e ? { adapterConfig: readFileSync(ex(e.adapterConfig), 'utf8') } : {}),
})

/** Equal catalog prices may come from another provider on the server (random price ids): compare the rest. */
const withoutPriceIds = (answer: { estimate: { pricesUsed: { usdPerGpuHour: number }[] } }) => ({
  ...answer,
  estimate: { ...answer.estimate, pricesUsed: answer.estimate.pricesUsed.map((p) => p.usdPerGpuHour) },
})

describe('in this process (no server, no database)', () => {
  test.each(EXAMPLES.map((e) => [e.format, e] as const))('%s example: --json is the import service\'s answer, exit 0 (fits)', async (_f, e) => {
    const { status, out } = await cli('estimate', ...e.args, '--json')
    expect(status).toBe(EXIT.fits)
    expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(await importConfig(bodyOf(e)))))
  })

  test('the readable answer: memory breakdown, fits, tokens/s, hours, cost, the config read', async () => {
    const { status, out } = await cli('estimate', ...EXAMPLES[0].args)
    const answer = await importConfig(bodyOf(EXAMPLES[0]))
    const e = answer.estimate
    expect(status).toBe(0)
    expect(out).toContain('Llama-3.1-8B, qlora, on 1 × NVIDIA H100 SXM5 80GB (axolotl')
    expect(out).toMatch(new RegExp(`peak per GPU\\s+${(e.memory.perGpu.totalBytes / 2 ** 30).toFixed(1)} GiB`))
    expect(out).toContain('fits:        yes')
    expect(out).toContain(`speed:       ${Math.round(e.speed.tokensPerSecond).toLocaleString('en-US')} tokens/s`)
    expect(out).toContain(`time:        ${e.speed.trainingHours!.toFixed(2)} h`)
    expect(out).toContain(`cost:        $${e.cost.totalUsd!.toFixed(2)}`)
    expect(out).toContain(`config: ${answer.mapped.length} settings read from 19 keys, 0 tool defaults, ${answer.ignored.length} keys unused`)
  })

  test('an estimate request file needs no --format and no --gpu; --gpu and --tokens override it', async () => {
    const request = ex('requests/llama-2-7b-lora.json')
    const { status, out } = await cli('estimate', request, '--json')
    expect(status).toBe(0)
    const estimate = JSON.parse(out)
    expect(estimate.resolved).toMatchObject({ modelId: 'llama-2-7b', gpuId: 'a100-80gb' })
    const other = JSON.parse((await cli('estimate', request, '--gpu', 'h100-sxm-80gb', '--tokens', '200000000', '--json')).out)
    expect(other.resolved.gpuId).toBe('h100-sxm-80gb')
    expect(other.speed.trainingHours).toBeCloseTo(200_000_000 / other.speed.tokensPerSecond / 3600, 9)
    expect((await cli('estimate', request, '--format', 'trl')).status).toBe(EXIT.badInput)
  })

  test('exit 3 when it does not fit: a CI job can refuse the config', async () => {
    const file = write('full-70b.json', JSON.stringify({ model: 'llama-3.1-70b', method: { type: 'full' }, training: { microBatchSize: 1, sequenceLength: 4096 }, hardware: { gpu: 'l4' } }))
    const { status, out } = await cli('estimate', file)
    expect(status).toBe(EXIT.doesNotFit)
    expect(out).toContain('fits:        NO')
    const config = write('full-70b.yml', 'base_model: meta-llama/Llama-3.1-70B\nsequence_len: 4096\n')
    expect((await cli('estimate', config, '-f', 'axolotl', '-g', 'l4')).status).toBe(EXIT.doesNotFit)
  })

  test('exit 2 on bad input: a contradiction names the keys with line and column; missing --format, --gpu, file; unknown option', async () => {
    const bad = write('bad.yml', 'base_model: meta-llama/Llama-3.1-8B\nadapter: lora\nload_in_4bit: true\n')
    const contradiction = await cli('estimate', bad, '-f', 'axolotl', '-g', 'l4')
    expect(contradiction.status).toBe(EXIT.badInput)
    expect(contradiction.err).toContain('/config/adapter: line 2, column 1: 4-bit loading is adapter qlora')
    expect(contradiction.err).toContain('/config/load_in_4bit: line 3, column 1:')
    const syntax = await cli('estimate', write('syntax.yml', 'a: [1\nb: 2\n'), '-f', 'axolotl', '-g', 'l4')
    expect([syntax.status, syntax.err]).toEqual([EXIT.badInput, expect.stringMatching(/\/config: is not valid YAML or JSON: line \d+, column \d+/)])
    expect((await cli('estimate', bad)).err).toMatch(/say which with --format/)
    expect((await cli('estimate', ex('axolotl/llama-3.1-8b-qlora.yml'), '-f', 'axolotl')).err).toMatch(/\/hardware: is required/)
    expect((await cli('estimate', path.join(dir, 'missing.yml'), '-f', 'axolotl')).status).toBe(EXIT.badInput)
    expect((await cli('estimate', bad, '--frobnicate')).status).toBe(EXIT.badInput)
    expect((await cli('estimate', bad, '-f', 'axolotl', '-n', 'two')).status).toBe(EXIT.badInput)
  })

  test('a DeepSpeed file next to the config is read, not inferred from its name', async () => {
    write('ds.json', JSON.stringify({ zero_optimization: { stage: 2, offload_optimizer: { device: 'cpu' } } }))
    const config = write('with-ds.yaml', 'model_name_or_path: Qwen/Qwen2.5-7B\nfinetuning_type: full\ndeepspeed: ds.json\ncutoff_len: 1024\nper_device_train_batch_size: 1\n')
    const answer = JSON.parse((await cli('estimate', config, '-f', 'llama-factory', '-g', 'a100-80gb', '-n', '4', '--json')).out)
    expect(answer.request.hardware).toEqual({ gpu: 'a100-80gb', count: 4, sharding: 'zero2', offload: 'optimizer' })
    expect(answer.mapped.find((m: { key: string }) => m.key === 'deepspeed').note).toBe('read from files["ds.json"]')
  })

  test('compare: methods side by side; exit 0 when one fits, 3 when none does', async () => {
    const { status, out } = await cli('compare', ...EXAMPLES[3].args, '--json')
    expect(status).toBe(0)
    expect(JSON.parse(out).rows.map((r: { method: string }) => r.method)).toEqual(['full', 'freeze', 'lora', 'qlora'])
    const table = await cli('compare', ...EXAMPLES[3].args)
    expect(table.out).toMatch(/QLoRA nf4 r=16\s+[\d.]+ GiB\s+yes/)
    const huge = write('huge.json', JSON.stringify({ model: 'llama-3.1-405b', method: { type: 'lora' }, training: { microBatchSize: 8, sequenceLength: 8192 }, hardware: { gpu: 'l4' } }))
    expect((await cli('compare', huge)).status).toBe(EXIT.doesNotFit)
  })

  test('advise: a recommendation over the catalog, the config\'s global batch kept; needs the dataset size', async () => {
    const { status, out } = await cli('advise', ...EXAMPLES[2].args, '--gpu-only', '--json')
    expect(status).toBe(0)
    const answer = JSON.parse(out)
    expect(answer.resolved).toMatchObject({ modelId: 'llama-3.1-8b', gpuIds: ['a100-80gb'] })
    expect(answer.recommended.gpuId).toBe('a100-80gb')
    const prototype = await cli('advise', ex('requests/llama-2-7b-lora.json'), '--goal', 'prototype')
    expect([prototype.status, prototype.out]).toEqual([0, expect.stringMatching(/^Llama-2-7B: \d+ configurations searched/)])
    const request = write('no-tokens.json', JSON.stringify({ model: 'llama-2-7b', method: { type: 'lora' }, training: { microBatchSize: 1, sequenceLength: 1024 }, hardware: { gpu: 'l4' } }))
    expect((await cli('advise', request)).err).toMatch(/needs the dataset size/)
  })
})

describe('--url: the running service, through the typed client', () => {
  let t: ApiTestApp
  let url: string
  beforeAll(async () => {
    t = await startApiApp('pglite')
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
  })
  afterAll(async () => { await t?.close() })

  test.each(EXAMPLES.map((e) => [e.format, e] as const))('%s example: the same numbers as in this process', async (_f, e) => {
    const local = await cli('estimate', ...e.args, '--json')
    const remote = await cli('estimate', ...e.args, '--json', '--url', url)
    expect(remote.status).toBe(local.status)
    expect(withoutPriceIds(JSON.parse(remote.out))).toEqual(withoutPriceIds(JSON.parse(local.out)))
  })

  test('compare and a request file through the service; bad input is still exit 2 naming the key', async () => {
    const local = JSON.parse((await cli('compare', ...EXAMPLES[0].args, '--json')).out)
    const remote = JSON.parse((await cli('compare', ...EXAMPLES[0].args, '--json', '--url', url)).out)
    expect(remote.rows).toEqual(local.rows)
    const request = ex('requests/llama-2-7b-lora.json')
    const a = JSON.parse((await cli('estimate', request, '--json', '--url', url)).out)
    const b = JSON.parse((await cli('estimate', request, '--json')).out)
    expect(a.memory).toEqual(b.memory)
    expect(a.speed).toEqual(b.speed)
    const bad = write('bad-remote.yml', 'model_name_or_path: meta-llama/Llama-3.2-3B\nload_in_4bit: true\n')
    const refused = await cli('estimate', bad, '-f', 'trl', '-g', 'l4', '--url', url)
    expect(refused.status).toBe(EXIT.badInput)
    expect(refused.err).toContain('/config/load_in_4bit: line 2, column 1:')
  })

  test('an unreachable service is exit 1', async () => {
    const { status, err } = await cli('estimate', ex('requests/llama-2-7b-lora.json'), '--url', 'http://127.0.0.1:1')
    expect(status).toBe(EXIT.error)
    expect(err).toMatch(/^error: /)
  })
})

test('the bin runs as a process (tsx from a clone, dist when built) with the exit status of the answer', async () => {
  const bin = path.join(ROOT, 'bin/finetune-estimator.js')
  const ok = await promisify(execFile)(process.execPath, [bin, 'estimate', ex('requests/llama-2-7b-lora.json'), '--json'], { cwd: ROOT })
  expect(JSON.parse(ok.stdout).parameters.total).toBe(6_738_415_616)
  const failed = await promisify(execFile)(process.execPath, [bin, 'estimate', path.join(dir, 'nope.yml'), '-f', 'axolotl']).catch((err: { code: number; stderr: string }) => err)
  expect(failed).toMatchObject({ code: EXIT.badInput, stderr: expect.stringMatching(/no such file/) })
}, 60_000)
