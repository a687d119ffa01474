// TypeBox schemas of POST /v1/estimates/from-config: a training config as its tool wrote it
// (axolotl, LLaMA-Factory, torchtune, TRL), the estimate request it implies, and how each key was read.
import { Type, type Static } from 'typebox'
import {
  CatalogIdSchema, EstimateRequestSchema, EstimateResultSchema, ForgettingSpecSchema, HardwareSchema, MethodSchema, PricingSchema, TrainingSchema,
} from './estimate.schemas.ts'

export const CONFIG_FORMATS = ['axolotl', 'llama-factory', 'torchtune', 'trl'] as const
export type ConfigFormat = (typeof CONFIG_FORMATS)[number]

/** Enough for any real training config; the body limit caps the whole request anyway. */
const MAX_CONFIG_CHARS = 262_144

const text = (description: string) => Type.String({ minLength: 1, maxLength: MAX_CONFIG_CHARS, description })

/** Every field of an object schema optional, nothing else allowed: a part of a request to lay over another. */
const partial = <T extends { properties: Record<string, unknown> }>(schema: T, description: string) =>
  Type.Partial(schema as never, { additionalProperties: false, description })

export const OverridesSchema = Type.Object({
  model: Type.Optional(EstimateRequestSchema.properties.model),
  method: Type.Optional(partial(MethodSchema, 'Method fields to set over what the config implies.')),
  training: Type.Optional(partial(TrainingSchema, 'Training fields to set over what the config implies, e.g. datasetTokens.')),
  hardware: Type.Optional(partial(HardwareSchema, 'Hardware fields to set over what the config and `hardware` imply.')),
  pricing: Type.Optional(PricingSchema),
  forgetting: Type.Optional(ForgettingSpecSchema),
}, { additionalProperties: false, description: 'Estimate-request fields laid over the request the config implies, field by field; they win over the config.' })

export const ConfigImportRequestSchema = Type.Object({
  format: Type.Enum(CONFIG_FORMATS, { description: 'The tool that reads the config: axolotl, llama-factory, torchtune or trl (TRL / Transformers TrainingArguments). It is also the training stack the estimate assumes.' }),
  config: text('The config file\'s text, YAML or JSON, as the tool reads it.'),
  adapterConfig: Type.Optional(text('trl: a PEFT adapter_config.json (r, lora_alpha, lora_dropout, target_modules, base_model_name_or_path) for the run\'s LoRA.')),
  files: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 500 }), text('The file\'s text.'), {
    maxProperties: 8,
    description: 'Files the config points to, by the path it names them with (a DeepSpeed JSON): read instead of inferred from the file name.',
  })),
  model: Type.Optional(Type.Union([
    CatalogIdSchema,
    Type.Record(Type.String(), Type.Unknown(), { description: 'A Hugging Face config.json (snake_case, as published).' }),
  ], { description: 'The model where the config names none the catalog knows: a catalog id, a Hugging Face repository id the catalog knows, or the model\'s config.json. Given, it wins over the config\'s.' })),
  hardware: Type.Optional(partial(HardwareSchema, 'The GPUs, which no config names: at least `gpu`. A count the config states (torchtune nproc_per_node) wins over `count` here.')),
  overrides: Type.Optional(OverridesSchema),
}, { additionalProperties: false, description: 'A training config to estimate.' })

export type ConfigImportRequest = Static<typeof ConfigImportRequestSchema>

export const MappedKeySchema = Type.Object({
  key: Type.String({ description: 'The config key, dotted for nested keys (optimizer._component_); adapterConfig keys start with "adapter_config.".' }),
  field: Type.String({ description: 'The estimate-request field it set, as a JSON pointer (/method/rank).' }),
  value: Type.Unknown({ description: 'The value set.' }),
  line: Type.Optional(Type.Integer({ minimum: 1, description: 'Line of the key in its file.' })),
  note: Type.Optional(Type.String({ description: 'How the value was read when it is not a plain copy (an inference, a tool default, a conversion).' })),
}, { description: 'One config key and the request field it set.' })

export const ToolDefaultSchema = Type.Object({
  field: Type.String({ description: 'The estimate-request field, as a JSON pointer.' }),
  value: Type.Unknown({ description: 'The value the tool uses when the config leaves the key out.' }),
  source: Type.String({ description: 'Where the default comes from (the tool\'s argument and release).' }),
}, { description: 'A value the tool itself supplies for a key the config leaves out.' })

export const CaveatSchema = Type.Object({
  key: Type.String({ description: 'The config key, dotted.' }),
  line: Type.Optional(Type.Integer({ minimum: 1, description: 'Line of the key in its file.' })),
  message: Type.String({ description: 'What the key does that the estimate does not model, and what it assumes instead.' }),
}, { description: 'A key that moves memory or speed in a way the estimate request cannot express.' })

export const ConfigImportResultSchema = Type.Object({
  request: EstimateRequestSchema,
  mapped: Type.Array(MappedKeySchema, { description: 'Every config key that set a request field.' }),
  defaults: Type.Array(ToolDefaultSchema, { description: 'Request fields set from the tool\'s own defaults.' }),
  ignored: Type.Array(Type.String(), { description: 'Config keys not used: they move neither memory, speed nor cost (datasets, logging, output paths), or the tool does not know them.' }),
  caveats: Type.Array(CaveatSchema, { description: 'Keys read but not fully expressible in the request (preference training, DoRA, modules_to_save...): the estimate leaves their effect out.' }),
  estimate: EstimateResultSchema,
}, { description: 'The estimate request the config implies (to store or edit), how each key was read, and its estimate.' })

export type ConfigImportResult = Static<typeof ConfigImportResultSchema>
export type MappedKey = Static<typeof MappedKeySchema>
export type ToolDefault = Static<typeof ToolDefaultSchema>
export type Caveat = Static<typeof CaveatSchema>
