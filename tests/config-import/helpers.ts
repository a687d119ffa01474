// The config-import service over the seed catalog held in memory: the mapping tests need no
// database, and the seed catalog is what a fresh server holds.
import { readFileSync } from 'node:fs'
import { createSeedCatalogRepository } from '../../src/db/seed-catalog.repository.ts'
import { AppError } from '../../src/contract/errors.ts'
import { AccessPolicy } from '../../src/services/auth.service.ts'
import { CatalogService } from '../../src/services/catalog.service.ts'
import { ConfigImportService, type ConfigImportResult } from '../../src/services/config-import/config-import.service.ts'
import { ANONYMOUS } from '../../src/services/context.ts'
import { EstimateService } from '../../src/services/estimate.service.ts'

const catalog = new CatalogService(createSeedCatalogRepository())
const access = new AccessPolicy(false)
export const estimates = new EstimateService(catalog, access)
const service = new ConfigImportService(estimates, catalog, access)
export const ctx = { actor: ANONYMOUS }

export const example = (path: string) => readFileSync(new URL(`../../examples/${path}`, import.meta.url), 'utf8')

/** The four shipped examples with the GPUs they are estimated on. */
export const EXAMPLES = {
  axolotl: { format: 'axolotl', config: example('axolotl/llama-3.1-8b-qlora.yml'), hardware: { gpu: 'h100-sxm-80gb' } },
  'llama-factory': { format: 'llama-factory', config: example('llama-factory/qwen2.5-7b-lora-sft.yaml'), hardware: { gpu: 'a100-80gb', count: 2 } },
  torchtune: { format: 'torchtune', config: example('torchtune/llama3_1_8b_lora_distributed.yaml'), hardware: { gpu: 'a100-80gb' } },
  trl: {
    format: 'trl',
    config: example('trl/sft-llama-3.2-3b-qlora.yaml'),
    adapterConfig: example('trl/adapter_config.json'),
    hardware: { gpu: 'l40s' },
  },
} as const

export function importConfig(body: object): Promise<ConfigImportResult> {
  return service.estimate(body, ctx)
}

/** The config's key → field → value triples, in reading order. */
export const triples = (result: ConfigImportResult) => result.mapped.map((m) => [m.key, m.field, m.value])

/** The AppError an import throws (the test fails when it succeeds). */
export async function importError(body: object): Promise<AppError> {
  try {
    await importConfig(body)
  } catch (err) {
    if (err instanceof AppError) return err
    throw err
  }
  throw new Error('expected the import to fail')
}

/** One mapped value by request field (the last key that set it). */
export function mappedTo(result: ConfigImportResult, field: string) {
  return result.mapped.filter((m) => m.field === field).at(-1)
}
