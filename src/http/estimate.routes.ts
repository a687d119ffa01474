// POST /v1/estimates: the contract of docs/estimate-contract.md over the estimate service;
// POST /v1/estimates/from-config: a training config (axolotl, LLaMA-Factory, torchtune, TRL) estimated;
// POST /v1/estimates/sweep: the same estimate at each value of one numeric field.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ConfigImportRequestSchema, ConfigImportResultSchema } from '../contract/config-import.schemas.ts'
import { EstimateRequestRef, EstimateResultRef, withProperties } from '../contract/shared.schemas.ts'
import { problemResponses } from '../contract/problem.schema.ts'
import { MAX_SWEEP_POINTS, SweepRequestSchema, SweepResultSchema } from '../contract/sweep.schemas.ts'

const SweepBody = withProperties(SweepRequestSchema, { request: EstimateRequestRef })

const ConfigImportResult = withProperties(ConfigImportResultSchema, { request: EstimateRequestRef, estimate: EstimateResultRef })

export const estimateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/v1/estimates', {
    config: { access: 'read' },
    schema: {
      tags: ['estimates'],
      summary: 'Estimate a fine-tuning run',
      description: 'Memory per GPU (with a low/expected/high band), speed, training time, cost and forgetting risk of one '
        + 'fine-tuning configuration. `model` and `hardware.gpu` take a catalog id or an inline spec; inline specs with an '
        + 'explicit `pricing.usdPerGpuHour` never touch the database. Unknown ids give 404 naming the id.',
      body: EstimateRequestRef,
      response: { 200: EstimateResultRef, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request) =>
    // EstimateRequestRef is the service's own EstimateRequestSchema, so Fastify's check is the only one.
    app.estimates.estimate(request.body, request.serviceContext, true))

  app.post('/v1/estimates/from-config', {
    config: { access: 'read' },
    schema: {
      tags: ['estimates'],
      summary: 'Estimate a training config',
      description: 'An axolotl, LLaMA-Factory or torchtune YAML, or TRL / Transformers arguments (with an optional PEFT '
        + 'adapter_config.json), read the way the tool reads it: the estimate request it implies (the format is the training '
        + 'stack), the key behind each field (`mapped`), the tool defaults used, the keys not used, and the estimate. No config '
        + 'names its GPU: give `hardware.gpu`. A YAML syntax error, or keys that contradict each other, answer 400 naming the '
        + 'keys with their line and column.',
      body: ConfigImportRequestSchema,
      response: { 200: ConfigImportResult, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request) => app.configImport.estimate(request.body, request.serviceContext))

  app.post('/v1/estimates/sweep', {
    config: { access: 'read' },
    schema: {
      tags: ['estimates'],
      summary: 'Sweep one field',
      description: 'The estimate of `request` at each value of one numeric field (`vary.field`, e.g. training.sequenceLength, '
        + `training.microBatchSize, method.rank, hardware.count), given as \`values\` or a \`range\` of at most ${MAX_SWEEP_POINTS} points: `
        + 'per-GPU memory with its band and the GPU\'s capacity, fits, tokens/s, step time, hours, cost, trainable parameters and '
        + 'forgetting risk per point, and the largest value that fits. Each point equals POST /v1/estimates with that value; '
        + 'a value out of the field\'s bounds is a 400 naming it (/vary/values/3).',
      body: SweepBody,
      response: { 200: SweepResultSchema, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request) => app.estimates.sweep(request.body, request.serviceContext, true))
}
