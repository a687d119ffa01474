// axolotl keys one by one, beyond the example: each branch of the mapping, each contradiction
// axolotl itself refuses (400 naming the keys, with line and column), unknown keys listed.
import { describe, expect, test } from 'vitest'
import { ALL_LINEAR } from '../../src/services/config-import/vocabulary.ts'
import { importConfig, importError, mappedTo, triples } from './helpers.ts'

const BASE = 'base_model: meta-llama/Llama-3.1-8B\nsequence_len: 2048\nmicro_batch_size: 1\n'
const axolotl = (yaml: string, extra: object = {}) => ({ format: 'axolotl', config: BASE + yaml, hardware: { gpu: 'h100-sxm-80gb' }, ...extra })

describe('method', () => {
  test('no adapter is full fine-tuning (axolotl\'s default), said in defaults', async () => {
    const result = await importConfig(axolotl(''))
    expect(result.request.method).toEqual({ type: 'full' })
    expect(result.defaults).toContainEqual({ field: '/method/type', value: 'full', source: expect.stringMatching(/no adapter/) })
  })

  test('adapter lora with load_in_8bit is LoRA over int8 weights: qlora int8', async () => {
    const result = await importConfig(axolotl('adapter: lora\nload_in_8bit: true\nlora_r: 8\nlora_target_modules: [q_proj, v_proj]\n'))
    expect(result.request.method).toEqual({ type: 'qlora', quantization: 'int8', rank: 8, targetModules: ['q_proj', 'v_proj'] })
    expect(mappedTo(result, '/method/quantization')).toMatchObject({ key: 'load_in_8bit', line: 5 })
  })

  test('adapter lora alone; lora_target_modules merged with lora_target_linear; a string target is PEFT\'s regex', async () => {
    expect((await importConfig(axolotl('adapter: lora\n'))).request.method).toEqual({ type: 'lora' })
    const merged = await importConfig(axolotl('adapter: lora\nlora_target_linear: true\nlora_target_modules: [embed_tokens]\n'))
    expect(merged.request.method.targetModules).toEqual([...ALL_LINEAR, 'embed_tokens'])
    const regex = await importConfig(axolotl('adapter: lora\nlora_target_modules: ".*self_attn\\\\.(q|k)_proj"\n'))
    expect(regex.request.method.targetModules).toEqual(['q_proj', 'k_proj'])
  })

  test('qlora options: top-level bnb_4bit_use_double_quant, fp4 stored as nf4, double quantization by default', async () => {
    const off = await importConfig(axolotl('adapter: qlora\nload_in_4bit: true\nbnb_4bit_use_double_quant: false\n'))
    expect(off.request.method).toMatchObject({ type: 'qlora', quantization: 'nf4', doubleQuantization: false })
    const fp4 = await importConfig(axolotl('adapter: qlora\nload_in_4bit: true\nbnb_config_kwargs:\n  bnb_4bit_quant_type: fp4\n'))
    expect(fp4.request.method).toMatchObject({ quantization: 'nf4', doubleQuantization: true })
    expect(mappedTo(fp4, '/method/quantization')?.key).toBe('bnb_config_kwargs.bnb_4bit_quant_type')
    expect(fp4.defaults).toContainEqual({ field: '/method/doubleQuantization', value: true, source: expect.stringMatching(/bnb_4bit_use_double_quant=True/) })
  })

  test('unfrozen_parameters: the decoder layers the regexes reach become freeze', async () => {
    const result = await importConfig(axolotl('unfrozen_parameters:\n  - ^model.layers.2[4-9].+\n  - ^model.layers.3[01].+\n'))
    expect(result.request.method).toEqual({ type: 'freeze', trainableLayers: 8 })
    expect(mappedTo(result, '/method/trainableLayers')?.note).toBe('layers 24–31 of 32 unfrozen')
    const low = await importConfig(axolotl('unfrozen_parameters:\n  - model.layers.[0-3].mlp.+\n'))
    expect(low.request.method).toEqual({ type: 'freeze', trainableLayers: 4 })
    expect(mappedTo(low, '/method/trainableLayers')?.note).toMatch(/layers 0–3 of 32 unfrozen; the estimate trains the top layers.*; some layers only in part/)
    const none = await importError(axolotl('unfrozen_parameters: [lm_head.+]\n'))
    expect(none.errors[0]).toMatchObject({ field: '/config/unfrozen_parameters', line: 4, column: 1 })
  })

  test('batch_size sets the accumulation as axolotl derives it; with gradient_accumulation_steps it is a contradiction', async () => {
    const result = await importConfig(axolotl('micro_batch_size: 2\nbatch_size: 16\n'.replace('micro_batch_size: 2\n', '')))
    expect(result.request.training.gradientAccumulationSteps).toBe(16)
    const both = await importError(axolotl('batch_size: 16\ngradient_accumulation_steps: 2\n'))
    expect(both.errors.map((e) => [e.field, e.line])).toEqual([['/config/batch_size', 4], ['/config/gradient_accumulation_steps', 5]])
  })
})

describe('contradictions answer 400 naming every key with its position', () => {
  test('load_in_4bit with adapter lora', async () => {
    const err = await importError(axolotl('adapter: lora\nload_in_4bit: true\n'))
    expect(err.status).toBe(400)
    expect(err.code).toBe('CONFIG_INVALID')
    expect(err.errors).toEqual([
      { field: '/config/adapter', line: 4, column: 1, message: expect.stringMatching(/^line 4, column 1: 4-bit loading is adapter qlora/) },
      { field: '/config/load_in_4bit', line: 5, column: 1, message: expect.stringMatching(/^line 5, column 1: /) },
    ])
  })

  test('quantized weights with full fine-tuning (no adapter)', async () => {
    const err = await importError(axolotl('load_in_4bit: true\n'))
    expect(err.errors).toEqual([{ field: '/config/load_in_4bit', line: 4, column: 1, message: expect.stringMatching(/cannot be fully fine-tuned/) }])
  })

  test('adapter qlora without load_in_4bit, and with load_in_8bit', async () => {
    expect((await importError(axolotl('adapter: qlora\n'))).errors.map((e) => e.field)).toEqual(['/config/adapter'])
    expect((await importError(axolotl('adapter: qlora\nload_in_8bit: true\n'))).errors.map((e) => e.field)).toEqual(['/config/adapter', '/config/load_in_8bit'])
  })

  test('both 4 and 8 bits; bf16 and fp16; DeepSpeed and FSDP; two attention kernels', async () => {
    expect((await importError(axolotl('adapter: qlora\nload_in_4bit: true\nload_in_8bit: true\n'))).errors.map((e) => e.field)).toEqual(['/config/load_in_4bit', '/config/load_in_8bit'])
    expect((await importError(axolotl('bf16: true\nfp16: true\n'))).errors.map((e) => e.field)).toEqual(['/config/bf16', '/config/fp16'])
    expect((await importError(axolotl('deepspeed: zero3.json\nfsdp: [full_shard]\n'))).errors.map((e) => e.field)).toEqual(['/config/deepspeed', '/config/fsdp'])
    expect((await importError(axolotl('flash_attention: true\nsdp_attention: true\n'))).errors.map((e) => e.field)).toEqual(['/config/flash_attention', '/config/sdp_attention'])
  })

  test('an adapter, optimizer or target the estimate cannot describe is refused, not guessed', async () => {
    expect((await importError(axolotl('adapter: ia3\n'))).errors[0]).toMatchObject({ field: '/config/adapter', line: 4 })
    expect((await importError(axolotl('optimizer: lion_8bit\n'))).errors[0]?.message).toMatch(/"lion_8bit" keeps optimizer states the estimate cannot describe/)
    expect((await importError(axolotl('adapter: lora\nlora_target_modules: [c_attn]\n'))).errors[0]).toMatchObject({ field: '/config/lora_target_modules', line: 5 })
  })
})

describe('training', () => {
  test('defaults when keys are absent: sequence_len 512, micro_batch_size 1, num_epochs 1', async () => {
    const result = await importConfig({ format: 'axolotl', config: 'base_model: meta-llama/Llama-3.1-8B\n', hardware: { gpu: 'h100-sxm-80gb' } })
    expect(result.defaults.map((d) => [d.field, d.value])).toEqual([
      ['/method/type', 'full'], ['/training/sequenceLength', 512], ['/training/microBatchSize', 1], ['/training/epochs', 1],
    ])
  })

  test('pad_to_sequence_len fixes the shapes; gradient_checkpointing unsloth/offload also offloads activations; activation_offloading', async () => {
    expect((await importConfig(axolotl('pad_to_sequence_len: true\n'))).request.training.sequenceLengths).toBe('fixed')
    for (const mode of ['unsloth', 'offload']) {
      const result = await importConfig(axolotl(`gradient_checkpointing: ${mode}\n`))
      expect(result.request.training).toMatchObject({ gradientCheckpointing: true, activationOffload: true })
    }
    expect((await importConfig(axolotl('activation_offloading: true\n'))).request.training.activationOffload).toBe(true)
  })

  test('precision: bf16 false → fp32, fp16 → fp16-mixed; attention: sdp, xformers, eager, attn_implementation; torch_compile', async () => {
    expect((await importConfig(axolotl('bf16: false\n'))).request.training.precision).toBe('fp32')
    expect((await importConfig(axolotl('fp16: true\n'))).request.training.precision).toBe('fp16-mixed')
    expect((await importConfig(axolotl('sdp_attention: true\n'))).request.training.attention).toBe('sdpa')
    expect((await importConfig(axolotl('xformers_attention: true\n'))).request.training.attention).toBe('flash')
    expect((await importConfig(axolotl('eager_attention: true\n'))).request.training.attention).toBe('eager')
    expect((await importConfig(axolotl('attn_implementation: flex_attention\n'))).request.training.attention).toBe('flash')
    expect((await importConfig(axolotl('torch_compile: true\n'))).request.training.compile).toBe(true)
  })

  test('loss: Liger needs its plugin; cut_cross_entropy; chunked; unsloth\'s cross-entropy', async () => {
    const noPlugin = await importConfig(axolotl('liger_fused_linear_cross_entropy: true\n'))
    expect(noPlugin.request.training.loss).toBeUndefined()
    expect(noPlugin.caveats).toEqual([{ key: 'liger_fused_linear_cross_entropy', line: 4, message: expect.stringMatching(/LigerPlugin/) }])
    const liger = await importConfig(axolotl('plugins: [axolotl.integrations.liger.LigerPlugin]\nliger_cross_entropy: true\n'))
    expect(liger.request.training.loss).toBe('half')
    const cce = await importConfig(axolotl('plugins:\n  - axolotl.integrations.cut_cross_entropy.CutCrossEntropyPlugin\ncut_cross_entropy: true\n'))
    expect(cce.request.training.loss).toBe('fused')
    expect((await importConfig(axolotl('chunked_cross_entropy: true\n'))).request.training.loss).toBe('chunked')
    expect((await importConfig(axolotl('unsloth_cross_entropy_loss: true\n'))).request.training.loss).toBe('half')
  })

  test('learning_rate as PyYAML reads "2e-4" (a string) is still the rate', async () => {
    expect((await importConfig(axolotl('learning_rate: 2e-4\n'))).request.forgetting).toEqual({ learningRate: 0.0002 })
  })
})

describe('sharding', () => {
  test('DeepSpeed by file name (the file unread): zero2, zero3 with both offloads, zero3 with parameters only', async () => {
    const z2 = await importConfig(axolotl('deepspeed: deepspeed_configs/zero2.json\n', { hardware: { gpu: 'h100-sxm-80gb', count: 4 } }))
    expect(z2.request.hardware).toEqual({ gpu: 'h100-sxm-80gb', count: 4, sharding: 'zero2' })
    const all = await importConfig(axolotl('deepspeed: deepspeed_configs/zero3_bf16_cpuoffload_all.json\n'))
    expect(all.request.hardware).toMatchObject({ sharding: 'zero3', offload: 'optimizer-and-params' })
    const params = await importConfig(axolotl('deepspeed: deepspeed_configs/zero3_bf16_cpuoffload_params.json\n'))
    expect(params.request.hardware).toMatchObject({ sharding: 'zero3' })
    expect(params.request.hardware.offload).toBeUndefined()
    expect(mappedTo(params, '/hardware/sharding')?.note).toMatch(/parameters offloaded without the optimizer/)
    const unknown = await importError(axolotl('deepspeed: my_ds.json\n'))
    expect(unknown.errors[0]).toMatchObject({ field: '/config/deepspeed', line: 4, message: expect.stringMatching(/send its text in files\["my_ds.json"\]/) })
  })

  test('a DeepSpeed file sent in files is read instead of its name', async () => {
    const file = JSON.stringify({ zero_optimization: { stage: 2, offload_optimizer: { device: 'cpu' } } })
    const result = await importConfig(axolotl('deepspeed: configs/zero3.json\n', { files: { 'configs/zero3.json': file } }))
    expect(result.request.hardware).toMatchObject({ sharding: 'zero2', offload: 'optimizer' })
    expect(mappedTo(result, '/hardware/sharding')?.note).toBe('read from files["configs/zero3.json"]')
    const bad = await importError(axolotl('deepspeed: ds.json\n', { files: { 'ds.json': '{"zero_optimization": {"stage": 5}}' } }))
    expect(bad.errors[0]).toMatchObject({ field: '/files/ds.json/zero_optimization/stage', line: 1 })
  })

  test('FSDP: full_shard with fsdp_offload_params; FSDP2 offload_params and activation checkpointing', async () => {
    const v1 = await importConfig(axolotl('fsdp: [full_shard, auto_wrap]\nfsdp_config:\n  fsdp_offload_params: true\n'))
    expect(v1.request.hardware).toMatchObject({ sharding: 'fsdp', offload: 'optimizer-and-params' })
    const v2 = await importConfig(axolotl('fsdp_config:\n  fsdp_version: 2\n  offload_params: false\n  activation_checkpointing: true\n'))
    expect(v2.request.hardware).toMatchObject({ sharding: 'fsdp' })
    expect(v2.request.hardware.offload).toBeUndefined()
    expect(v2.request.training.gradientCheckpointing).toBe(true)
  })

  test('several GPUs without DeepSpeed or FSDP: DDP, said in defaults', async () => {
    const result = await importConfig(axolotl('', { hardware: { gpu: 'h100-sxm-80gb', count: 2 } }))
    expect(result.request.hardware.sharding).toBe('ddp')
    expect(result.defaults).toContainEqual({ field: '/hardware/sharding', value: 'ddp', source: expect.stringMatching(/data parallel/) })
  })
})

describe('caveats and ignored keys', () => {
  test('rl, DoRA, modules_to_save and sequence parallelism are read but not expressible: caveats; unknown keys are listed', async () => {
    const result = await importConfig(axolotl('adapter: lora\nrl: dpo\npeft_use_dora: true\nlora_modules_to_save: [embed_tokens, lm_head]\nsequence_parallel_degree: 2\nmy_own_key: 3\n'))
    expect(result.caveats.map((c) => [c.key, c.line])).toEqual([['rl', 5], ['peft_use_dora', 6], ['lora_modules_to_save', 7], ['sequence_parallel_degree', 8]])
    expect(result.ignored).toEqual(['my_own_key'])
  })
})

describe('the model', () => {
  test('a local checkout named after its repository resolves by that name', async () => {
    const result = await importConfig({ format: 'axolotl', config: 'base_model: /models/Llama-3.1-8B-Instruct/\n', hardware: { gpu: 'h100-sxm-80gb' } })
    expect(result.request.model).toBe('llama-3.1-8b')
  })

  test('unknown to the catalog: 400 naming the key; the config.json as model fixes it', async () => {
    const config = 'base_model: my-org/tiny-llama\nadapter: lora\n'
    const err = await importError({ format: 'axolotl', config, hardware: { gpu: 'a100-80gb' } })
    expect(err.code).toBe('CONFIG_MODEL_UNKNOWN')
    expect(err.errors).toEqual([{ field: '/config/base_model', line: 1, column: 1, message: expect.stringMatching(/"my-org\/tiny-llama" is not in the catalog.*config\.json/) }])
    const model = {
      model_type: 'llama', hidden_size: 2048, intermediate_size: 5632, num_hidden_layers: 22, num_attention_heads: 32,
      num_key_value_heads: 4, vocab_size: 32000, tie_word_embeddings: false,
    }
    const result = await importConfig({ format: 'axolotl', config, hardware: { gpu: 'a100-80gb' }, model })
    expect(result.request.model).toEqual({
      name: 'my-org/tiny-llama', hiddenSize: 2048, intermediateSize: 5632, numLayers: 22, numAttentionHeads: 32, numKeyValueHeads: 4,
      vocabSize: 32000, tieWordEmbeddings: false,
    })
    // TinyLlama 1.1B: 22 × (2·2048² + 2·2048·256 + 3·2048·5632 + 2·2048) + 2·32000·2048 + 2048
    expect(result.estimate.parameters.total).toBe(1_100_048_384)
    expect(result.caveats).toEqual([{ key: 'base_model', line: 1, message: 'names my-org/tiny-llama; the request\'s model was used instead' }])
    const bad = await importError({ format: 'axolotl', config, hardware: { gpu: 'a100-80gb' }, model: { ...model, hidden_size: 'big' } })
    expect(bad.errors[0]?.field).toBe('/model/hidden_size')
  })

  test('a catalog id as model wins over the config\'s', async () => {
    const result = await importConfig(axolotl('', { model: 'qwen2.5-7b' }))
    expect(result.request.model).toBe('qwen2.5-7b')
    expect((await importError(axolotl('', { model: 'no-such-model' }))).errors[0]?.field).toBe('/model')
  })
})

describe('the request around the config', () => {
  test('no hardware: 400 naming /hardware; hardware without gpu: /hardware/gpu', async () => {
    const err = await importError({ format: 'axolotl', config: BASE })
    expect(err.errors).toEqual([{ field: '/hardware', message: expect.stringMatching(/no training config names its GPU/) }])
    expect((await importError({ format: 'axolotl', config: BASE, hardware: { count: 2 } })).errors[0]?.field).toBe('/hardware/gpu')
    const viaOverrides = await importConfig({ format: 'axolotl', config: BASE, overrides: { hardware: { gpu: 'l4' } } })
    expect(viaOverrides.request.hardware.gpu).toBe('l4')
  })

  test('overrides win field by field; another method type drops the config\'s method fields', async () => {
    const result = await importConfig(axolotl('adapter: lora\nlora_r: 64\n', { overrides: { training: { datasetTokens: 1_000_000, microBatchSize: 4 }, pricing: { usdPerGpuHour: 2 } } }))
    expect(result.request.training).toMatchObject({ datasetTokens: 1_000_000, microBatchSize: 4, sequenceLength: 2048 })
    expect(result.request.pricing).toEqual({ usdPerGpuHour: 2 })
    expect(result.estimate.cost.usdPerGpuHour).toBe(2)
    const full = await importConfig(axolotl('adapter: lora\nlora_r: 64\n', { overrides: { method: { type: 'full' } } }))
    expect(full.request.method).toEqual({ type: 'full' })
  })

  test('a value the estimate refuses is named at the config key that set it, or at the override', async () => {
    const rank = await importError(axolotl('adapter: lora\nlora_r: 5000\n'))
    expect(rank.errors).toEqual([{ field: '/config/lora_r', line: 5, column: 1, message: 'line 5, column 1: sets /method/rank, which must be <= 4096' }])
    const seq = await importError(axolotl('', { overrides: { training: { sequenceLength: 0 } } }))
    expect(seq.errors.map((e) => e.field)).toEqual(['/overrides/training/sequenceLength'])
    const gpu = await importError(axolotl('', { hardware: { gpu: 'no-such-gpu' } }))
    expect([gpu.status, gpu.errors[0]?.field]).toEqual([404, '/hardware/gpu'])
  })

  test('a YAML syntax error is a 400 with its line and column; so is a duplicate key and a non-mapping', async () => {
    const err = await importError({ format: 'axolotl', config: 'base_model: x\nadapter: [lora\nlora_r: 8\n', hardware: { gpu: 'l4' } })
    expect(err.code).toBe('CONFIG_SYNTAX')
    expect(err.errors[0]).toMatchObject({ field: '/config', line: expect.any(Number), column: expect.any(Number), message: expect.stringMatching(/^is not valid YAML or JSON: line \d+, column \d+: /) })
    const dup = await importError({ format: 'axolotl', config: 'base_model: x\nlora_r: 8\nlora_r: 16\n', hardware: { gpu: 'l4' } })
    expect(dup.errors[0]).toMatchObject({ field: '/config', line: 3, column: 1 })
    expect((await importError({ format: 'axolotl', config: '- a\n- b\n', hardware: { gpu: 'l4' } })).errors[0]?.message).toMatch(/must be a mapping/)
  })

  test('a value of the wrong type names its key', async () => {
    const err = await importError(axolotl('gradient_accumulation_steps: two\n'))
    expect(err.errors[0]).toMatchObject({ field: '/config/gradient_accumulation_steps', line: 4, message: 'line 4, column 1: must be a positive integer' })
  })
})

test('triples keep reading order (line by line)', async () => {
  const result = await importConfig(axolotl('adapter: lora\nlora_r: 8\n'))
  expect(triples(result).slice(0, 3)).toEqual([['base_model', '/model', 'llama-3.1-8b'], ['sequence_len', '/training/sequenceLength', 2048], ['micro_batch_size', '/training/microBatchSize', 1]])
})
