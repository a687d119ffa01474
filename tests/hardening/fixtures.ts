// Requests and app builders shared by the hardening tests.
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { createDb } from '../../src/db/client.ts'
import { ownedTogether, QUIET_LIMITS, type TestApp } from '../helpers/app.ts'

/** Llama-2-7B (config.json of meta-llama/Llama-2-7b-hf) on an inline A100 with an explicit price: never touches the database. */
export const INLINE_ESTIMATE = {
  model: { name: 'Llama-2-7B', hiddenSize: 4096, intermediateSize: 11008, numLayers: 32, numAttentionHeads: 32, numKeyValueHeads: 32, vocabSize: 32000 },
  method: { type: 'lora' },
  training: { microBatchSize: 1, sequenceLength: 2048, datasetTokens: 10_000_000 },
  hardware: { gpu: { name: 'A100 80GB', memoryGiB: 80, bf16Tflops: 312, memoryBandwidthTBps: 2.039 } },
  pricing: { usdPerGpuHour: 2 },
}

/** The same run by catalog ids, priced from the catalog. */
export const CATALOG_ESTIMATE = {
  model: 'llama-2-7b',
  method: { type: 'lora' },
  training: { microBatchSize: 1, sequenceLength: 2048, datasetTokens: 10_000_000 },
  hardware: { gpu: 'a100-80gb' },
}

/** Llama-2-7B's parameter count (published: 6,738,415,616), which both requests must report. */
export const LLAMA_2_7B_PARAMETERS = 6_738_415_616

export const ADMIN_KEY = 'hardening-admin-key-0123456789'

export type PgApp = TestApp

/** An app on PostgreSQL at `url`, with the production timeouts (short ones, so faults show fast). */
export async function startPgApp(url: string, env: Record<string, string> = {}): Promise<PgApp> {
  const config = loadConfig({
    ...QUIET_LIMITS, DATABASE_URL: url, ADMIN_API_KEY: ADMIN_KEY, LOG_LEVEL: 'silent',
    DB_CONNECT_TIMEOUT_MS: '1000', DB_QUERY_TIMEOUT_MS: '2000', CATALOG_VERSION_TTL_MS: '200', ...env,
  })
  const db = await createDb({
    databaseUrl: url, connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS, queryTimeoutMs: config.DB_QUERY_TIMEOUT_MS, poolMax: config.DB_POOL_MAX,
  })
  const app = await buildApp(config, { db, logger: false })
  await app.ready()
  return ownedTogether(app, db)
}

export const asAdmin = { authorization: `Bearer ${ADMIN_KEY}` }
