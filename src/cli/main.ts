// `finetune-estimator`: estimate, compare or get a recommendation for a training config (axolotl,
// LLaMA-Factory, torchtune, TRL) or an estimate request, in the terminal or in CI. The engine runs
// here over the seed catalog unless --url names a running service. Exit status: 0 fits, 3 does
// not fit, 2 bad input, 1 anything else (service unreachable, server error).
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { parse as parseYaml } from 'yaml'
import { CONFIG_FORMATS } from '../contract/config-import.schemas.ts'
import {
  inProcessBackend, InputError, remoteBackend,
  type Backend, type ComparisonBody, type ConfigImportBody, type EstimateBody, type RecommendationBody,
} from './backends.ts'
import { renderComparison, renderEstimate, renderImport, renderRecommendation } from './render.ts'

export const EXIT = { fits: 0, error: 1, badInput: 2, doesNotFit: 3 } as const

export interface CliIO {
  out(text: string): void
  err(text: string): void
}

const processIO: CliIO = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
}

interface CommonOptions {
  format?: string
  gpu?: string
  count?: number
  adapterConfig?: string
  model?: string
  tokens?: number
  price?: number
  provider?: string
  pricingModel?: string
  json?: boolean
  url?: string
  apiKey?: string
}

interface AdviseOptions extends CommonOptions {
  goal: 'prototype' | 'production' | 'multi-task'
  budget?: number
  deadline?: number
  gpuOnly?: boolean
}

const positiveInt = (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer')
  return n
}
const positiveNumber = (value: string) => {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number ≥ 0')
  return n
}

function readText(file: string): string {
  if (!existsSync(file)) throw new InputError(`${file}: no such file`)
  return readFileSync(file, 'utf8')
}

/** A JSON file with the four parts of an estimate request is one; anything else is a training config. */
function asEstimateRequest(text: string): EstimateBody | null {
  try {
    const value = JSON.parse(text) as Record<string, unknown>
    return value && typeof value === 'object' && 'model' in value && 'method' in value && 'training' in value && 'hardware' in value ? value as EstimateBody : null
  } catch {
    return null
  }
}

/**
 * The import body of a config file: the GPU, the overrides the flags set, and the DeepSpeed file
 * the config names when it exists next to the config or in the working directory.
 */
function importBody(file: string, text: string, o: CommonOptions): ConfigImportBody {
  if (!o.format) throw new InputError(`${file} is a training config: say which with --format (${CONFIG_FORMATS.join(', ')})`)
  const body: ConfigImportBody = { format: o.format as ConfigImportBody['format'], config: text }
  if (o.gpu || o.count) body.hardware = { ...(o.gpu ? { gpu: o.gpu } : {}), ...(o.count ? { count: o.count } : {}) }
  if (o.adapterConfig) body.adapterConfig = readText(o.adapterConfig)
  if (o.model) body.model = existsSync(o.model) ? JSON.parse(readText(o.model)) as Record<string, unknown> : o.model
  const files = referencedFiles(file, text)
  if (Object.keys(files).length > 0) body.files = files
  const overrides = overridesOf(o)
  if (overrides) body.overrides = overrides
  return body
}

function referencedFiles(file: string, text: string): Record<string, string> {
  let config: unknown
  try {
    config = parseYaml(text, { version: '1.1' })
  } catch {
    return {} // the service names the syntax error with its position
  }
  const ds = (config as Record<string, unknown> | null)?.deepspeed
  if (typeof ds !== 'string') return {}
  const found = [path.resolve(path.dirname(file), ds), path.resolve(ds)].find((candidate) => existsSync(candidate))
  return found ? { [ds]: readFileSync(found, 'utf8') } : {}
}

function overridesOf(o: CommonOptions): ConfigImportBody['overrides'] | undefined {
  const overrides: NonNullable<ConfigImportBody['overrides']> = {}
  if (o.tokens !== undefined) overrides.training = { datasetTokens: o.tokens }
  const pricing = {
    ...(o.price !== undefined ? { usdPerGpuHour: o.price } : {}),
    ...(o.provider ? { provider: o.provider } : {}),
    ...(o.pricingModel ? { pricingModel: o.pricingModel as 'on-demand' } : {}),
  }
  if (Object.keys(pricing).length > 0) overrides.pricing = pricing
  return Object.keys(overrides).length > 0 ? overrides : undefined
}

/** A request file with the flags laid over it (--gpu, --count, --tokens, prices). */
function withFlags(request: EstimateBody, o: CommonOptions): EstimateBody {
  const out = structuredClone(request)
  if (o.format) throw new InputError('--format applies to training configs; this file is an estimate request')
  if (o.adapterConfig) throw new InputError('--adapter-config applies to TRL configs; this file is an estimate request')
  if (o.gpu) out.hardware.gpu = o.gpu
  if (o.count) out.hardware.count = o.count
  if (o.model) out.model = o.model
  const overrides = overridesOf(o)
  if (overrides?.training) out.training = { ...out.training, ...overrides.training }
  if (overrides?.pricing) out.pricing = { ...out.pricing, ...overrides.pricing }
  return out
}

/** The estimate request of a file: as is (a request), or as its config implies it. */
async function requestOf(backend: Backend, file: string, o: CommonOptions): Promise<EstimateBody> {
  const text = readText(file)
  const request = asEstimateRequest(text)
  return request ? withFlags(request, o) : (await backend.fromConfig(importBody(file, text, o))).request
}

function backendOf(o: CommonOptions): Backend {
  return o.url ? remoteBackend(o.url, o.apiKey ?? process.env.FINETUNE_ESTIMATOR_API_KEY) : inProcessBackend()
}

function comparisonBody(request: EstimateBody): ComparisonBody {
  const m = request.method
  const body: ComparisonBody = { model: request.model, training: request.training, hardware: request.hardware }
  if (request.pricing) body.pricing = request.pricing
  if (request.forgetting) body.forgetting = request.forgetting
  if (m.type === 'lora' || m.type === 'qlora') body.lora = { ...(m.rank !== undefined ? { rank: m.rank } : {}), ...(m.targetModules ? { targetModules: m.targetModules } : {}) }
  if (m.type === 'qlora') body.qlora = { ...(m.quantization ? { quantization: m.quantization } : {}), ...(m.doubleQuantization !== undefined ? { doubleQuantization: m.doubleQuantization } : {}) }
  if (m.type === 'freeze') body.freeze = m.trainableLayers !== undefined ? { trainableLayers: m.trainableLayers } : m.strategy ? { strategy: m.strategy } : {}
  return body
}

function recommendationBody(request: EstimateBody, o: AdviseOptions): RecommendationBody {
  const t = request.training
  if (t.datasetTokens === undefined) throw new InputError('advise needs the dataset size: give --tokens, or max_steps in the config')
  const count = request.hardware.count ?? 1
  const body: RecommendationBody = {
    model: request.model,
    goal: o.goal,
    training: {
      sequenceLength: t.sequenceLength,
      datasetTokens: t.datasetTokens,
      ...(t.epochs !== undefined ? { epochs: t.epochs } : {}),
      ...(t.precision ? { precision: t.precision } : {}),
      ...(t.optimizer ? { optimizer: t.optimizer } : {}),
      ...(t.attention ? { attention: t.attention } : {}),
      // The config's global batch, kept whatever GPUs the search tries.
      globalBatchTokens: t.microBatchSize * (t.gradientAccumulationSteps ?? 1) * count * t.sequenceLength,
    },
  }
  if (o.gpuOnly) body.gpus = [{ gpu: request.hardware.gpu, maxCount: Math.max(8, count) }]
  if (o.budget !== undefined) body.budgetUsd = o.budget
  if (o.deadline !== undefined) body.deadlineHours = o.deadline
  if (request.forgetting) body.forgetting = request.forgetting
  return body
}

function addCommon(command: Command): Command {
  return command
    .argument('<file>', 'a training config (YAML or JSON), or an estimate request (JSON)')
    .addOption(new Option('-f, --format <format>', 'the config\'s tool (not for an estimate request)').choices(CONFIG_FORMATS))
    .option('-g, --gpu <id>', 'GPU catalog id, e.g. h100-sxm-80gb (no config names its GPU; overrides a request\'s)')
    .option('-n, --count <n>', 'number of GPUs', positiveInt)
    .option('--adapter-config <file>', 'TRL: the PEFT adapter_config.json')
    .option('--model <id-or-config.json>', 'the model, where the config names none the catalog knows')
    .option('--tokens <n>', 'tokens in the training set (gives hours and cost)', positiveInt)
    .option('--price <usd>', 'USD per GPU-hour instead of the catalog\'s cheapest', positiveNumber)
    .option('--provider <name>', 'catalog prices of this provider only')
    .addOption(new Option('--pricing-model <model>', 'catalog price kind').choices(['on-demand', 'spot', 'reserved']))
    .option('--json', 'print the answer as JSON')
    .option('--url <url>', 'ask a running service instead of the engine in this process')
    .option('--api-key <key>', 'API key for --url (default: $FINETUNE_ESTIMATOR_API_KEY)')
}

/** Runs the CLI on `argv` (without node and the script) and returns the exit status. */
export async function run(argv: string[], io: CliIO = processIO): Promise<number> {
  let status: number = EXIT.fits
  const print = (o: CommonOptions, value: unknown, text: string) => io.out(o.json ? JSON.stringify(value, null, 2) : text)

  const program = new Command('finetune-estimator')
    .description('Memory, speed, time and cost of a fine-tuning run, from the training config you already have.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError('(finetune-estimator <command> --help shows the options)')

  addCommon(program.command('estimate').description('estimate one config or request: memory per GPU, fit, speed, hours, cost'))
    .action(async (file: string, o: CommonOptions) => {
      const backend = backendOf(o)
      const text = readText(file)
      const request = asEstimateRequest(text)
      if (request) {
        const estimate = await backend.estimate(withFlags(request, o))
        print(o, estimate, renderEstimate(estimate, withFlags(request, o)))
        status = estimate.memory.fits ? EXIT.fits : EXIT.doesNotFit
      } else {
        const answer = await backend.fromConfig(importBody(file, text, o))
        print(o, answer, renderImport(answer))
        status = answer.estimate.memory.fits ? EXIT.fits : EXIT.doesNotFit
      }
    })

  addCommon(program.command('compare').description('full fine-tuning, freezing, LoRA and QLoRA side by side on the same run'))
    .action(async (file: string, o: CommonOptions) => {
      const backend = backendOf(o)
      const comparison = await backend.compare(comparisonBody(await requestOf(backend, file, o)))
      print(o, comparison, renderComparison(comparison))
      status = comparison.rows.some((r) => r.memory.fits) ? EXIT.fits : EXIT.doesNotFit
    })

  addCommon(program.command('advise').description('the recommended method, GPUs and price for the run, searched over the catalog'))
    .addOption(new Option('--goal <goal>', 'what to weigh').choices(['prototype', 'production', 'multi-task']).default('production'))
    .option('--budget <usd>', 'most the run may cost', positiveNumber)
    .option('--deadline <hours>', 'longest the run may take', positiveNumber)
    .option('--gpu-only', 'search only the --gpu type (up to 8, or --count, of them)')
    .action(async (file: string, o: AdviseOptions) => {
      const backend = backendOf(o)
      const recommendation = await backend.advise(recommendationBody(await requestOf(backend, file, o), o))
      print(o, recommendation, renderRecommendation(recommendation))
      status = recommendation.recommended ? EXIT.fits : EXIT.doesNotFit
    })

  try {
    await program.parseAsync(argv, { from: 'user' })
    return status
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? EXIT.fits : EXIT.badInput
    }
    if (err instanceof InputError) {
      // One line per failing field: a config error names its key and where it sits.
      if (err.fields.length > 0) io.err(['error:', ...err.fields.map((f) => `  ${f.field}: ${f.message}`)].join('\n'))
      else io.err(`error: ${err.message}`)
      return EXIT.badInput
    }
    io.err(`error: ${(err as Error).message}`)
    return EXIT.error
  }
}
