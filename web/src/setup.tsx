// The setup most screens share, field for field the estimate request: model (catalog id or a
// pasted Hugging Face config.json), method, training run, hardware, price. Form keys are the
// request's own dotted paths, so a 400 naming /training/sequenceLength lands on that field and a
// link carries the setup from screen to screen.
import type { EstimateRequest } from './api/client.ts'
import { RULES } from './api/generated/rules.ts'
import type { Rule } from './api/rules.ts'
import type { Catalog } from './catalog.ts'
import type { Params } from './state.ts'
import { CheckField, MultiCheck, NumberField, Section, SelectField, TextArea, type Form } from './ui/fields.tsx'

export const SETUP_DEFAULTS: Params = {
  modelSource: 'catalog',
  model: 'llama-3.1-8b',
  modelConfig: '',
  'method.type': 'lora',
  'method.rank': '16',
  'method.alpha': '',
  'method.targetModules': 'q_proj,k_proj,v_proj,o_proj',
  'method.quantization': 'nf4',
  'method.strategy': '',
  'method.trainableLayers': '',
  'training.microBatchSize': '4',
  'training.sequenceLength': '2048',
  'training.gradientAccumulationSteps': '4',
  'training.precision': 'bf16-mixed',
  'training.optimizer': 'adamw',
  'training.gradientCheckpointing': 'true',
  'training.attention': 'flash',
  'training.framework.name': '',
  'training.loss': '',
  'training.datasetTokens': '100000000',
  'training.epochs': '1',
  'hardware.gpu': 'a100-80gb',
  'hardware.count': '1',
  'hardware.sharding': 'none',
  'hardware.offload': 'none',
  'pricing.provider': '',
  'pricing.pricingModel': '',
  'pricing.region': '',
  'pricing.usdPerGpuHour': '',
  'forgetting.learningRate': '',
}

/** Keys of the shared setup: carried along when moving between screens. */
export const SETUP_KEYS = Object.keys(SETUP_DEFAULTS)

const rule = (path: string) => (RULES.estimate as Record<string, Rule>)[path]
export const enumOf = (path: string, operation: keyof typeof RULES = 'estimate') =>
  [...(((RULES[operation] as Record<string, Rule>)[path]?.enum ?? (RULES[operation] as Record<string, Rule>)[path]?.items?.enum ?? []) as string[])]

/** A number typed into a field; '' is "not given". Commas and underscores group digits. */
export function numberIn(params: Params, key: string, problems: Record<string, string>): number | undefined {
  const text = (params[key] ?? '').replace(/[,_\s]/g, '')
  if (text === '') return undefined
  const value = Number(text)
  if (!Number.isFinite(value)) {
    problems[key] = `must be ${rule(key)?.t === 'integer' ? 'integer' : 'number'}`
    return undefined
  }
  return value
}

export const listIn = (params: Params, key: string) => (params[key] ?? '').split(',').map((s) => s.trim()).filter(Boolean)

/** A Hugging Face config.json as the API's inline model spec (config.json's own names, camelCased). */
export function modelFromConfig(text: string): Record<string, unknown> {
  const json = JSON.parse(text) as Record<string, unknown>
  const c = (json.text_config && typeof json.text_config === 'object' ? json.text_config : json) as Record<string, unknown>
  const pick = (...keys: string[]) => keys.map((k) => c[k]).find((v) => v !== undefined && v !== null)
  // config.json's names first, then the API's own (an inline spec pasted back, or a stored scenario's).
  const spec: Record<string, unknown> = {
    name: pick('_name_or_path', 'name') ?? json._name_or_path ?? json.model_type,
    hiddenSize: pick('hidden_size', 'n_embd', 'd_model', 'hiddenSize'),
    intermediateSize: pick('intermediate_size', 'ffn_dim', 'n_inner', 'intermediateSize'),
    numLayers: pick('num_hidden_layers', 'n_layer', 'num_layers', 'numLayers'),
    numAttentionHeads: pick('num_attention_heads', 'n_head', 'numAttentionHeads'),
    numKeyValueHeads: pick('num_key_value_heads', 'numKeyValueHeads', 'num_attention_heads', 'n_head', 'numAttentionHeads'),
    headDim: pick('head_dim', 'headDim'),
    vocabSize: pick('vocab_size', 'vocabSize'),
    tieWordEmbeddings: pick('tie_word_embeddings', 'tieWordEmbeddings') ?? json.tie_word_embeddings,
    numExperts: pick('num_local_experts', 'num_experts', 'n_routed_experts', 'numExperts'),
    expertsPerToken: pick('num_experts_per_tok', 'expertsPerToken'),
    moeIntermediateSize: pick('moe_intermediate_size', 'moeIntermediateSize'),
    sharedExpertIntermediateSize: pick('shared_expert_intermediate_size', 'sharedExpertIntermediateSize'),
    attentionBias: pick('attention_bias', 'qkv_bias', 'attentionBias'),
    mlp: pick('mlp'),
  }
  if (typeof spec.name !== 'string' || spec.name === '') delete spec.name
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined && v !== null))
}

export interface Built<T> { body: T; problems: Record<string, string> }

/** The model part: a catalog id, or the pasted config.json as an inline spec (a bad paste names modelConfig). */
export function modelIn(params: Params, problems: Record<string, string>): EstimateRequest['model'] {
  if (params.modelSource !== 'config') return params.model ?? ''
  try {
    return modelFromConfig(params.modelConfig ?? '') as EstimateRequest['model']
  } catch (err) {
    problems.modelConfig = `is not JSON: ${(err as Error).message}`
    return {} as EstimateRequest['model']
  }
}

/** POST /v1/estimates' body from the setup fields; what is left empty is left out (the API's defaults apply). */
export function estimateRequestOf(params: Params): Built<EstimateRequest> {
  const problems: Record<string, string> = {}
  const n = (key: string) => numberIn(params, key, problems)
  const type = params['method.type'] as EstimateRequest['method']['type']
  const method: Record<string, unknown> = { type }
  if (type === 'lora' || type === 'qlora') {
    method.rank = n('method.rank')
    method.alpha = n('method.alpha')
    const targets = listIn(params, 'method.targetModules')
    if (targets.length) method.targetModules = targets
  }
  if (type === 'qlora') method.quantization = params['method.quantization'] || undefined
  if (type === 'freeze') {
    method.trainableLayers = n('method.trainableLayers')
    if (method.trainableLayers === undefined) method.strategy = params['method.strategy'] || undefined
  }
  const framework = params['training.framework.name']
  const training: Record<string, unknown> = {
    microBatchSize: n('training.microBatchSize'),
    sequenceLength: n('training.sequenceLength'),
    gradientAccumulationSteps: n('training.gradientAccumulationSteps'),
    precision: params['training.precision'] || undefined,
    optimizer: params['training.optimizer'] || undefined,
    gradientCheckpointing: params['training.gradientCheckpointing'] ? params['training.gradientCheckpointing'] === 'true' : undefined,
    attention: params['training.attention'] || undefined,
    loss: params['training.loss'] || undefined,
    framework: framework ? { name: framework } : undefined,
    datasetTokens: n('training.datasetTokens'),
    epochs: n('training.epochs'),
  }
  const hardware: Record<string, unknown> = {
    gpu: params['hardware.gpu'],
    count: n('hardware.count'),
    sharding: params['hardware.sharding'] || undefined,
    offload: params['hardware.offload'] || undefined,
  }
  const pricing: Record<string, unknown> = {
    provider: params['pricing.provider'] || undefined,
    pricingModel: params['pricing.pricingModel'] || undefined,
    region: params['pricing.region'] || undefined,
    usdPerGpuHour: n('pricing.usdPerGpuHour'),
  }
  const learningRate = n('forgetting.learningRate')
  const body = compact({
    model: modelIn(params, problems),
    method,
    training,
    hardware,
    pricing: Object.values(pricing).some((v) => v !== undefined) ? pricing : undefined,
    forgetting: learningRate !== undefined ? { learningRate } : undefined,
  }) as EstimateRequest
  return { body, problems }
}

/** The setup fields that reproduce a stored request exactly (what it leaves out stays empty, so the API's defaults apply). */
export function setupOfRequest(request: EstimateRequest): Params {
  const params: Params = {}
  const at = (path: string) => path.split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), request)
  for (const key of SETUP_KEYS) {
    const value = at(key)
    params[key] = value === undefined || typeof value === 'object' && !Array.isArray(value) ? '' : Array.isArray(value) ? value.join(',') : String(value)
  }
  if (typeof request.model === 'string') {
    Object.assign(params, { modelSource: 'catalog', model: request.model, modelConfig: '' })
  } else {
    Object.assign(params, { modelSource: 'config', model: '', modelConfig: JSON.stringify(request.model, null, 1) })
  }
  return params
}

/** The object without its undefined members, recursively (JSON.stringify would drop them too; this keeps the shown body honest). */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map(compact) as T
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, compact(v)])) as T
}

export function ModelFields({ form, catalog }: { form: Form; catalog: Catalog | null }) {
  const source = form.params.modelSource
  return (
    <Section title="Model">
      <SelectField form={form} name="modelSource" label="Model from" options={[['catalog', 'the catalog'], ['config', 'a pasted config.json']]} />
      {source === 'config'
        ? <TextArea form={form} name="modelConfig" label="Hugging Face config.json" hint="Paste the model's config.json; its architecture fields become an inline model." />
        : <SelectField form={form} name="model" label="Model" options={(catalog?.models ?? []).map((m) => [m.id, m.name])} />}
    </Section>
  )
}

export function MethodFields({ form, only }: { form: Form; only?: ('rank' | 'targets')[] }) {
  const type = form.params['method.type']
  const adapters = type === 'lora' || type === 'qlora'
  if (only) {
    return (
      <Section title="Adapter">
        {only.includes('rank') && <NumberField form={form} name="method.rank" label="Rank r" />}
        {only.includes('targets') && <MultiCheck form={form} name="method.targetModules" label="Target modules" options={enumOf('method.targetModules')} />}
      </Section>
    )
  }
  return (
    <Section title="Method">
      <SelectField form={form} name="method.type" label="Method" options={[['full', 'Full fine-tuning'], ['freeze', 'Layer freezing'], ['lora', 'LoRA'], ['qlora', 'QLoRA']]} />
      {adapters && <NumberField form={form} name="method.rank" label="Rank r" />}
      {adapters && <NumberField form={form} name="method.alpha" label="Alpha" hint="Empty: 2 × rank." />}
      {type === 'qlora' && <SelectField form={form} name="method.quantization" label="Quantization" options={enumOf('method.quantization')} />}
      {type === 'freeze' && <SelectField form={form} name="method.strategy" label="Freeze strategy" options={[['', 'default (conservative)'], ...enumOf('method.strategy').map((s): [string, string] => [s, s])]} />}
      {type === 'freeze' && <NumberField form={form} name="method.trainableLayers" label="Trainable top layers" hint="Instead of a strategy." />}
      {adapters && <MultiCheck form={form} name="method.targetModules" label="Target modules" options={enumOf('method.targetModules')} />}
    </Section>
  )
}

export function TrainingFields({ form, data = true }: { form: Form; data?: boolean }) {
  return (
    <Section title="Training">
      <NumberField form={form} name="training.microBatchSize" label="Micro-batch size" />
      <NumberField form={form} name="training.sequenceLength" label="Sequence length" />
      <NumberField form={form} name="training.gradientAccumulationSteps" label="Gradient accumulation" />
      <SelectField form={form} name="training.precision" label="Precision" options={enumOf('training.precision')} />
      <SelectField form={form} name="training.optimizer" label="Optimizer" options={enumOf('training.optimizer')} />
      <SelectField form={form} name="training.attention" label="Attention" options={enumOf('training.attention')} />
      <SelectField form={form} name="training.framework.name" label="Stack" options={[['', 'none (contract defaults)'], ...enumOf('training.framework.name').map((s): [string, string] => [s, s])]} />
      <SelectField form={form} name="training.loss" label="Loss" options={[['', 'stack default'], ...enumOf('training.loss').map((s): [string, string] => [s, s])]} />
      <CheckField form={form} name="training.gradientCheckpointing" label="Gradient checkpointing" />
      {data && <NumberField form={form} name="training.datasetTokens" label="Dataset tokens" />}
      {data && <NumberField form={form} name="training.epochs" label="Epochs" />}
    </Section>
  )
}

export function HardwareFields({ form, catalog }: { form: Form; catalog: Catalog | null }) {
  return (
    <Section title="Hardware">
      <SelectField form={form} name="hardware.gpu" label="GPU" options={(catalog?.gpus ?? []).filter((g) => g.bf16Tflops !== null || g.fp16Tflops !== null).map((g) => [g.id, g.name])} />
      <NumberField form={form} name="hardware.count" label="GPUs" />
      <SelectField form={form} name="hardware.sharding" label="Sharding" options={enumOf('hardware.sharding')} />
      <SelectField form={form} name="hardware.offload" label="Offload" options={enumOf('hardware.offload')} />
    </Section>
  )
}

export function PricingFields({ form, catalog }: { form: Form; catalog: Catalog | null }) {
  const gpu = form.params['hardware.gpu']
  const prices = (catalog?.prices ?? []).filter((p) => p.gpuId === gpu)
  const providers = [...new Set(prices.map((p) => p.provider))].sort()
  const regions = [...new Set(prices.filter((p) => !form.params['pricing.provider'] || p.provider === form.params['pricing.provider']).map((p) => p.region))].sort()
  return (
    <Section title="Price">
      <SelectField form={form} name="pricing.provider" label="Provider" options={[['', 'cheapest in the catalog'], ...providers.map((p): [string, string] => [p, p])]} />
      <SelectField form={form} name="pricing.pricingModel" label="Pricing model" options={[['', 'on-demand (default)'], ...enumOf('pricing.pricingModel').map((s): [string, string] => [s, s])]} />
      <SelectField form={form} name="pricing.region" label="Region" options={[['', 'any'], ...regions.map((r): [string, string] => [r, r])]} />
      <NumberField form={form} name="pricing.usdPerGpuHour" label="Or a price, $/GPU-hour" hint="Overrides the catalog." />
    </Section>
  )
}

export function ForgettingFields({ form }: { form: Form }) {
  return (
    <Section title="Forgetting">
      <NumberField form={form} name="forgetting.learningRate" label="Learning rate" hint="Peak LR; empty: the reference run's." />
    </Section>
  )
}
