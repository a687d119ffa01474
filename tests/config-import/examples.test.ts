// The four configs under examples/, read key by key: every key each one maps, the field and the
// value it sets (checked by hand against the file), the keys left unused, and the estimate, which
// must equal POST /v1/estimates' answer to the implied request (the same engine through another door).
import { describe, expect, test } from 'vitest'
import { ALL_LINEAR } from '../../src/services/config-import/vocabulary.ts'
import { ctx, estimates, EXAMPLES, importConfig, triples } from './helpers.ts'

const ALL = [...ALL_LINEAR]

describe('examples/axolotl/llama-3.1-8b-qlora.yml', () => {
  test('maps every key that moves memory, speed or cost', async () => {
    const result = await importConfig(EXAMPLES.axolotl)
    expect(triples(result)).toEqual([
      ['base_model', '/model', 'llama-3.1-8b'],
      ['load_in_4bit', '/method/quantization', 'nf4'],
      ['adapter', '/method/type', 'qlora'],
      ['bnb_config_kwargs.bnb_4bit_use_double_quant', '/method/doubleQuantization', true],
      ['lora_r', '/method/rank', 32],
      ['lora_alpha', '/method/alpha', 16],
      ['lora_dropout', '/method/dropout', 0.05],
      ['lora_target_linear', '/method/targetModules', ALL],
      ['sequence_len', '/training/sequenceLength', 4096],
      ['sample_packing', '/training/sequenceLengths', 'fixed'],
      ['micro_batch_size', '/training/microBatchSize', 2],
      ['gradient_accumulation_steps', '/training/gradientAccumulationSteps', 4],
      // 500 steps × 2 × 4 × 1 GPU × 4096 tokens
      ['max_steps', '/training/datasetTokens', 16_384_000],
      ['max_steps', '/training/epochs', 1],
      ['optimizer', '/training/optimizer', 'paged-adamw-8bit'],
      ['learning_rate', '/forgetting/learningRate', 0.0002],
      ['bf16', '/training/precision', 'bf16-mixed'],
      ['gradient_checkpointing', '/training/gradientCheckpointing', true],
      ['flash_attention', '/training/attention', 'flash'],
      ['liger_fused_linear_cross_entropy', '/training/loss', 'fused'],
    ])
    expect(result.mapped.find((m) => m.key === 'base_model')).toMatchObject({ line: 3, note: 'meta-llama/Llama-3.1-8B-Instruct is catalog model llama-3.1-8b' })
    expect(result.ignored).toEqual([
      'model_type', 'tokenizer_type', 'datasets', 'dataset_prepared_path', 'val_set_size', 'output_dir', 'lr_scheduler',
      'warmup_steps', 'logging_steps', 'saves_per_epoch', 'wandb_project', 'special_tokens',
    ])
    expect(result.defaults).toEqual([])
    expect(result.caveats).toEqual([])
    expect(result.request.training.framework).toEqual({ name: 'axolotl' })
    expect(result.request.hardware).toEqual({ gpu: 'h100-sxm-80gb' })
  })
})

describe('examples/llama-factory/qwen2.5-7b-lora-sft.yaml', () => {
  test('maps every key that moves memory, speed or cost', async () => {
    const result = await importConfig(EXAMPLES['llama-factory'])
    expect(triples(result)).toEqual([
      ['model_name_or_path', '/model', 'qwen2.5-7b'],
      ['flash_attn', '/training/attention', 'flash'],
      ['enable_liger_kernel', '/training/loss', 'fused'],
      ['finetuning_type', '/method/type', 'lora'],
      ['lora_rank', '/method/rank', 16],
      ['lora_alpha', '/method/alpha', 32],
      ['lora_dropout', '/method/dropout', 0.05],
      ['lora_target', '/method/targetModules', ALL],
      ['deepspeed', '/hardware/sharding', 'zero3'],
      ['cutoff_len', '/training/sequenceLength', 2048],
      // max_samples 20000 × cutoff_len 2048: an upper bound on the tokens
      ['max_samples', '/training/datasetTokens', 40_960_000],
      ['per_device_train_batch_size', '/training/microBatchSize', 2],
      ['gradient_accumulation_steps', '/training/gradientAccumulationSteps', 8],
      ['learning_rate', '/forgetting/learningRate', 0.0001],
      ['num_train_epochs', '/training/epochs', 3],
      ['bf16', '/training/precision', 'bf16-mixed'],
    ])
    expect(result.mapped.find((m) => m.key === 'deepspeed')?.note).toMatch(/inferred from the file name examples\/deepspeed\/ds_z3_config\.json/)
    expect(result.ignored).toEqual([
      'trust_remote_code', 'do_train', 'dataset', 'template', 'overwrite_cache', 'preprocessing_num_workers', 'output_dir', 'logging_steps',
      'save_steps', 'plot_loss', 'overwrite_output_dir', 'report_to', 'lr_scheduler_type', 'warmup_ratio', 'ddp_timeout',
    ])
    expect(result.request.hardware).toEqual({ gpu: 'a100-80gb', count: 2, sharding: 'zero3' })
  })
})

describe('examples/torchtune/llama3_1_8b_lora_distributed.yaml', () => {
  test('maps every key that moves memory, speed or cost', async () => {
    const result = await importConfig(EXAMPLES.torchtune)
    expect(triples(result)).toEqual([
      ['nproc_per_node', '/hardware/count', 2],
      ['model._component_', '/method/type', 'lora'],
      ['model._component_', '/model', 'llama-3.1-8b'],
      ['model.lora_attn_modules', '/method/targetModules', ['q_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']],
      ['model.lora_rank', '/method/rank', 8],
      ['model.lora_alpha', '/method/alpha', 16],
      ['model.lora_dropout', '/method/dropout', 0],
      ['tokenizer.max_seq_len', '/training/sequenceLength', 4096],
      ['dataset.packed', '/training/sequenceLengths', 'fixed'],
      ['batch_size', '/training/microBatchSize', 4],
      ['optimizer._component_', '/training/optimizer', 'adamw'],
      ['optimizer.lr', '/forgetting/learningRate', 0.0003],
      ['loss._component_', '/training/loss', 'chunked'],
      ['epochs', '/training/epochs', 1],
      // 400 steps per epoch × 4 × 4 × 2 GPUs × 4096 tokens
      ['max_steps_per_epoch', '/training/datasetTokens', 52_428_800],
      ['gradient_accumulation_steps', '/training/gradientAccumulationSteps', 4],
      ['compile', '/training/compile', false],
      ['enable_activation_checkpointing', '/training/gradientCheckpointing', true],
      ['enable_activation_offloading', '/training/activationOffload', false],
      ['dtype', '/training/precision', 'bf16'],
    ])
    // Two GPUs and no sharding key: torchtune's distributed recipes shard with FSDP2.
    expect(result.defaults).toEqual([{ field: '/hardware/sharding', value: 'fsdp', source: expect.stringMatching(/FSDP2/) }])
    expect(result.request.hardware).toEqual({ gpu: 'a100-80gb', count: 2, sharding: 'fsdp' })
    expect(result.ignored).toEqual(expect.arrayContaining(['tokenizer._component_', 'tokenizer.path', 'checkpointer.checkpoint_files', 'optimizer.weight_decay', 'lr_scheduler', 'metric_logger']))
    expect(result.ignored).not.toContain('optimizer._component_')
  })
})

describe('examples/trl/sft-llama-3.2-3b-qlora.yaml with adapter_config.json', () => {
  test('maps every key of both files', async () => {
    const result = await importConfig(EXAMPLES.trl)
    expect(triples(result)).toEqual([
      ['model_name_or_path', '/model', 'llama-3.2-3b'],
      ['torch_dtype', '/training/weightsDtype', 'bf16'],
      ['attn_implementation', '/training/attention', 'flash'],
      ['load_in_4bit', '/method/type', 'qlora'],
      ['load_in_4bit', '/method/quantization', 'nf4'],
      ['use_bnb_nested_quant', '/method/doubleQuantization', true],
      ['max_length', '/training/sequenceLength', 2048],
      ['packing', '/training/sequenceLengths', 'fixed'],
      ['per_device_train_batch_size', '/training/microBatchSize', 4],
      ['gradient_accumulation_steps', '/training/gradientAccumulationSteps', 4],
      // 1000 steps × 4 × 4 × 1 GPU × 2048 tokens
      ['max_steps', '/training/datasetTokens', 32_768_000],
      ['max_steps', '/training/epochs', 1],
      ['learning_rate', '/forgetting/learningRate', 0.0002],
      ['optim', '/training/optimizer', 'paged-adamw-8bit'],
      ['bf16', '/training/precision', 'bf16-mixed'],
      ['gradient_checkpointing', '/training/gradientCheckpointing', true],
      ['use_liger_kernel', '/training/loss', 'fused'],
      ['adapter_config.r', '/method/rank', 16],
      ['adapter_config.lora_alpha', '/method/alpha', 32],
      ['adapter_config.lora_dropout', '/method/dropout', 0.05],
      ['adapter_config.target_modules', '/method/targetModules', ALL],
    ])
    expect(result.ignored).toEqual(['dataset_name', 'lr_scheduler_type', 'warmup_ratio', 'output_dir', 'logging_steps', 'save_strategy', 'save_steps', 'report_to'])
  })
})

describe.each(Object.entries(EXAMPLES))('%s example', (_format, body) => {
  test('the estimate is POST /v1/estimates\' answer to the implied request', async () => {
    const result = await importConfig(body)
    const direct = await estimates.estimate(structuredClone(result.request), ctx)
    expect(result.estimate).toEqual(direct)
    expect(result.estimate.memory.fits).toBe(true)
    expect(result.estimate.speed.trainingHours).toBeGreaterThan(0)
    expect(result.estimate.cost.totalUsd).toBeGreaterThan(0)
    expect(result.estimate.assumptions.framework?.name).toBe(result.request.training.framework?.name)
  })
})
