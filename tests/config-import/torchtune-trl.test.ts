// torchtune and TRL keys one by one, beyond the examples.
import { describe, expect, test } from 'vitest'
import { catalogIdOfBuilder } from '../../src/services/config-import/torchtune.ts'
import { ALL_LINEAR } from '../../src/services/config-import/vocabulary.ts'
import { example, importConfig, importError, mappedTo } from './helpers.ts'

const tune = (model: string, rest = '', extra: object = {}) => ({
  format: 'torchtune',
  config: `model:\n${model}tokenizer:\n  max_seq_len: 2048\nbatch_size: 2\n${rest}`,
  hardware: { gpu: 'a100-80gb' },
  ...extra,
})

describe('torchtune', () => {
  test.each([
    ['lora_llama3_1_8b', 'llama-3.1-8b'], ['qlora_llama3_2_3b', 'llama-3.2-3b'], ['llama2_7b', 'llama-2-7b'],
    ['lora_qwen2_5_7b_instruct', 'qwen2.5-7b'], ['qwen2_5_0_5b', 'qwen2.5-0.5b'], ['qwen3_30b_a3b_base', 'qwen3-30b-a3b'],
    ['qwen3_1_7b_instruct', 'qwen3-1.7b'], ['lora_gemma2_9b', 'gemma-2-9b'], ['mistral_7b', 'mistral-7b-v0.1'], ['phi3_mini', 'phi-3-mini-4k-instruct'],
    ['llama3_8b', null], ['lora_code_llama2_7b', null],
  ])('builder %s is catalog model %s', (builder, id) => {
    expect(catalogIdOfBuilder(builder)).toBe(id)
  })

  test('a qlora builder: nf4 base with double quantization (torchao NF4); LoRA to the output', async () => {
    const result = await importConfig(tune('  _component_: torchtune.models.llama3_2.qlora_llama3_2_3b\n  lora_attn_modules: [q_proj, k_proj, v_proj, output_proj]\n  apply_lora_to_output: True\n  lora_rank: 16\n'))
    expect(result.request.model).toBe('llama-3.2-3b')
    expect(result.request.method).toEqual({ type: 'qlora', quantization: 'nf4', doubleQuantization: true, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'lm_head'], rank: 16 })
    expect(result.defaults).toContainEqual({ field: '/method/doubleQuantization', value: true, source: expect.stringMatching(/NF4Tensor/) })
    const quantizeBase = await importConfig(tune('  _component_: torchtune.models.llama3_2.lora_llama3_2_3b\n  lora_attn_modules: [q_proj]\n  quantize_base: True\n'))
    expect(quantizeBase.request.method.type).toBe('qlora')
  })

  test('a full builder; LoRA arguments with it are a contradiction', async () => {
    const result = await importConfig(tune('  _component_: torchtune.models.llama3_2.llama3_2_3b\n'))
    expect(result.request.method).toEqual({ type: 'full' })
    const err = await importError(tune('  _component_: torchtune.models.llama3_2.llama3_2_3b\n  lora_rank: 8\n'))
    expect(err.errors.map((e) => [e.field, e.line])).toEqual([['/config/model/lora_rank', 3], ['/config/model/_component_', 2]])
  })

  test('an unknown builder falls back to the checkpoint directory\'s name; without one, 400 naming the builder', async () => {
    const model = '  _component_: torchtune.models.llama3.lora_llama3_8b\n  lora_attn_modules: [q_proj, v_proj]\n'
    const byDir = await importConfig(tune(model, 'checkpointer:\n  checkpoint_dir: /tmp/Meta-Llama-3.1-8B-Instruct/\n'))
    expect(byDir.request.model).toBe('llama-3.1-8b')
    expect(mappedTo(byDir, '/model')).toMatchObject({ key: 'checkpointer.checkpoint_dir', note: expect.stringMatching(/checkpoint directory/) })
    const err = await importError(tune(model))
    expect(err.errors).toEqual([{ field: '/model', message: expect.stringMatching(/lora_llama3_8b matches no catalog model/) }])
    const fixed = await importConfig(tune(model, '', { model: 'llama-3.1-8b' }))
    expect(fixed.request.model).toBe('llama-3.1-8b')
  })

  test('max_seq_len null: 400 naming it, unless the overrides give the length', async () => {
    const body = { format: 'torchtune', config: 'model:\n  _component_: torchtune.models.llama3_1.llama3_1_8b\ntokenizer:\n  max_seq_len: null\nbatch_size: 1\n', hardware: { gpu: 'h100-sxm-80gb' } }
    const err = await importError(body)
    expect(err.errors).toEqual([{ field: '/config/tokenizer/max_seq_len', line: 4, column: 3, message: expect.stringMatching(/overrides\.training\.sequenceLength/) }])
    expect((await importConfig({ ...body, overrides: { training: { sequenceLength: 8192 } } })).request.training.sequenceLength).toBe(8192)
  })

  test('optimizer, loss, offloading, compile, dtype and FSDP CPU offload components', async () => {
    const rest = [
      'optimizer:\n  _component_: bitsandbytes.optim.PagedAdamW8bit\n  lr: 2e-5\n',
      'loss:\n  _component_: torchtune.modules.loss.LinearCrossEntropyLoss\n',
      'enable_activation_offloading: True\ncompile: True\ndtype: fp32\nfsdp_cpu_offload: True\noptimizer_in_bwd: True\n',
    ].join('')
    const result = await importConfig(tune('  _component_: torchtune.models.llama3_2.llama3_2_3b\n', rest, { hardware: { gpu: 'a100-80gb', count: 2 } }))
    expect(result.request.training).toMatchObject({ optimizer: 'paged-adamw-8bit', loss: 'fused', activationOffload: true, compile: true, precision: 'fp32' })
    expect(result.request.forgetting).toEqual({ learningRate: 2e-5 })
    expect(result.request.hardware).toEqual({ gpu: 'a100-80gb', count: 2, sharding: 'fsdp', offload: 'optimizer-and-params' })
    expect(result.caveats.map((c) => c.key)).toEqual(['optimizer_in_bwd'])
  })

  test('an unknown optimizer or loss component, or dtype fp16, is a 400 naming it', async () => {
    const model = '  _component_: torchtune.models.llama3_2.llama3_2_3b\n'
    expect((await importError(tune(model, 'optimizer:\n  _component_: torch.optim.RMSprop\n'))).errors[0]).toMatchObject({ field: '/config/optimizer/_component_', line: 7, column: 3 })
    expect((await importError(tune(model, 'loss:\n  _component_: my.Loss\n'))).errors[0]?.field).toBe('/config/loss/_component_')
    expect((await importError(tune(model, 'dtype: fp16\n'))).errors[0]?.field).toBe('/config/dtype')
  })

  test('one GPU: no sharding default; a list of packed datasets fixes the shapes', async () => {
    const result = await importConfig(tune('  _component_: torchtune.models.llama3_2.llama3_2_3b\n', 'dataset:\n  - _component_: a\n    packed: True\n  - _component_: b\n    packed: True\n'))
    expect(result.request.hardware).toEqual({ gpu: 'a100-80gb' })
    expect(result.request.training.sequenceLengths).toBe('fixed')
  })
})

const trl = (yaml: string, extra: object = {}) => ({ format: 'trl', config: `model_name_or_path: meta-llama/Llama-3.2-3B\n${yaml}`, hardware: { gpu: 'l40s' }, ...extra })

describe('trl', () => {
  test('no PEFT: full fine-tuning by ModelConfig\'s default, max_length 1024 and batch 8 by default', async () => {
    const result = await importConfig(trl(''))
    expect(result.request.method).toEqual({ type: 'full' })
    expect(result.request.training).toMatchObject({ sequenceLength: 1024, microBatchSize: 8 })
  })

  test('use_peft with ModelConfig\'s lora_* keys, and its defaults (r 16, alpha 32, dropout 0.05) when absent', async () => {
    const given = await importConfig(trl('use_peft: true\nlora_r: 64\nlora_alpha: 16\nlora_dropout: 0.1\nlora_target_modules: [all-linear]\n'))
    expect(given.request.method).toEqual({ type: 'lora', rank: 64, alpha: 16, dropout: 0.1, targetModules: [...ALL_LINEAR] })
    const bare = await importConfig(trl('use_peft: true\n'))
    expect(bare.request.method).toEqual({ type: 'lora', rank: 16, alpha: 32, dropout: 0.05 })
    expect(bare.defaults.map((d) => [d.field, d.value])).toEqual(expect.arrayContaining([['/method/rank', 16], ['/method/alpha', 32], ['/method/dropout', 0.05]]))
  })

  test('load_in_8bit: qlora int8; load_in_4bit without nested quant: no double quantization (TRL\'s default)', async () => {
    expect((await importConfig(trl('use_peft: true\nload_in_8bit: true\n'))).request.method).toMatchObject({ type: 'qlora', quantization: 'int8' })
    const q4 = await importConfig(trl('use_peft: true\nload_in_4bit: true\n'))
    expect(q4.request.method).toMatchObject({ type: 'qlora', quantization: 'nf4', doubleQuantization: false })
  })

  test('quantized weights without PEFT, 4 and 8 bits, max_length with max_seq_length: 400 naming the keys', async () => {
    expect((await importError(trl('load_in_4bit: true\nuse_peft: false\n'))).errors.map((e) => [e.field, e.line])).toEqual([['/config/load_in_4bit', 2], ['/config/use_peft', 3]])
    expect((await importError(trl('use_peft: true\nload_in_4bit: true\nload_in_8bit: true\n'))).errors.map((e) => e.field)).toEqual(['/config/load_in_4bit', '/config/load_in_8bit'])
    expect((await importError(trl('max_length: 512\nmax_seq_length: 1024\n'))).errors.map((e) => e.field)).toEqual(['/config/max_length', '/config/max_seq_length'])
  })

  test('dtype auto is a caveat; bf16 off over bf16 weights is pure bf16; max_seq_length; model_init_kwargs', async () => {
    const auto = await importConfig(trl('torch_dtype: auto\n'))
    expect(auto.request.training.weightsDtype).toBeUndefined()
    expect(auto.caveats[0]).toMatchObject({ key: 'torch_dtype', line: 2 })
    const pure = await importConfig(trl('dtype: bfloat16\nbf16: false\nmax_seq_length: 4096\n'))
    expect(pure.request.training).toMatchObject({ weightsDtype: 'bf16', precision: 'bf16', sequenceLength: 4096 })
    const nested = await importConfig(trl('model_init_kwargs:\n  torch_dtype: float16\n  attn_implementation: sdpa\nfp16: true\n'))
    expect(nested.request.training).toMatchObject({ weightsDtype: 'fp16', attention: 'sdpa', precision: 'fp16-mixed' })
  })

  test('DeepSpeed as an inline dict; FSDP options as one string; loss_type', async () => {
    const ds = await importConfig(trl('deepspeed:\n  zero_optimization:\n    stage: 3\n    offload_optimizer: {device: cpu}\n    offload_param: {device: cpu}\n', { hardware: { gpu: 'l40s', count: 4 } }))
    expect(ds.request.hardware).toEqual({ gpu: 'l40s', count: 4, sharding: 'zero3', offload: 'optimizer-and-params' })
    const fsdp = await importConfig(trl('fsdp: full_shard auto_wrap offload\n', { hardware: { gpu: 'l40s', count: 4 } }))
    expect(fsdp.request.hardware).toMatchObject({ sharding: 'fsdp', offload: 'optimizer-and-params' })
    const sgo = await importConfig(trl('fsdp: shard_grad_op auto_wrap\n', { hardware: { gpu: 'l40s', count: 4 } }))
    expect(sgo.request.hardware.sharding).toBe('zero2')
    expect((await importConfig(trl('loss_type: nll\n'))).request.training.loss).toBe('fp32')
    expect((await importConfig(trl('loss_type: chunked_nll\n'))).request.training.loss).toBe('fused')
    expect((await importError(trl('loss_type: focal\n'))).errors[0]?.field).toBe('/config/loss_type')
  })

  test('adapter_config.json: its base model when the config has none; target_modules as a regex; its caveats', async () => {
    const adapterConfig = JSON.stringify({
      peft_type: 'LORA', base_model_name_or_path: 'Qwen/Qwen2.5-1.5B-Instruct', r: 4, target_modules: '.*\\.(q_proj|v_proj)',
      modules_to_save: ['lm_head'], layers_to_transform: [0, 1], rank_pattern: { q_proj: 8 },
    }, null, 2)
    const result = await importConfig({ format: 'trl', config: 'per_device_train_batch_size: 1\n', adapterConfig, hardware: { gpu: 'l4' } })
    expect(result.request.model).toBe('qwen2.5-1.5b')
    expect(mappedTo(result, '/model')?.key).toBe('adapter_config.base_model_name_or_path')
    expect(result.request.method).toEqual({ type: 'lora', rank: 4, alpha: 8, targetModules: ['q_proj', 'v_proj'] })
    // Pretty-printed JSON: modules_to_save opens on line 6, its list ends on 8.
    expect(result.caveats.map((c) => [c.key, c.line])).toEqual([['adapter_config.modules_to_save', 6], ['adapter_config.layers_to_transform', 9], ['adapter_config.rank_pattern', 13]])
    expect((await importError({ format: 'trl', config: 'a: 1\n', adapterConfig: '{"peft_type": "IA3"}', hardware: { gpu: 'l4' } })).errors[0]).toMatchObject({ field: '/adapterConfig/peft_type', line: 1 })
  })

  test('adapterConfig applies to trl only; a JSON TrainingArguments file reads as well as YAML', async () => {
    expect((await importError({ format: 'axolotl', config: 'base_model: x\n', adapterConfig: '{}', hardware: { gpu: 'l4' } })).errors[0]?.field).toBe('/adapterConfig')
    const json = JSON.stringify({ model_name_or_path: 'meta-llama/Llama-3.2-1B', per_device_train_batch_size: 2, gradient_accumulation_steps: 8, bf16: true, optim: 'adamw_torch_fused' }, null, 2)
    const result = await importConfig({ format: 'trl', config: json, hardware: { gpu: 'l4' } })
    expect(result.request.training).toMatchObject({ microBatchSize: 2, gradientAccumulationSteps: 8, precision: 'bf16-mixed', optimizer: 'adamw' })
    expect(mappedTo(result, '/training/gradientAccumulationSteps')?.line).toBe(4)
  })

  test('the example\'s adapter config alone sets the LoRA even with ModelConfig lora keys present (they are then unused)', async () => {
    const result = await importConfig({ format: 'trl', config: `${example('trl/sft-llama-3.2-3b-qlora.yaml')}lora_r: 99\n`, adapterConfig: example('trl/adapter_config.json'), hardware: { gpu: 'l40s' } })
    expect(result.request.method.rank).toBe(16)
    expect(result.ignored).toContain('lora_r')
  })
})
