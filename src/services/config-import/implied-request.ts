// What a config says, as estimate-request fields, with the key each came from: the mappers fill
// it, the service completes it (model, GPUs, overrides) and sends it to the estimate service.
import type { FieldError } from '../../contract/errors.ts'
import type { MappedKey, ToolDefault } from '../../contract/config-import.schemas.ts'
import type { FRAMEWORKS } from '../../contract/estimate.schemas.ts'

type FrameworkName = (typeof FRAMEWORKS)[number]
import type { ConfigReader } from './config-document.ts'

/** Where a request field came from: a config key at a position, for errors about that field. */
export interface Origin {
  reader: ConfigReader
  path: string
}

export type Fields = Record<string, unknown>

export interface Caveat {
  key: string
  line?: number
  message: string
}

/** What a reading needs of the model: its decoder layers. */
export interface ModelShape {
  numLayers: number
}

export interface ImpliedRequest {
  method: Fields
  training: Fields
  hardware: Fields
  forgetting: Fields
}

/** A step count the config fixes; it becomes datasetTokens once the GPU count is known. */
export interface StepBudget {
  steps: number
  origin: Origin
  /** torchtune: steps per epoch, so epochs multiply them. */
  perEpoch: boolean
}

export class Implied {
  readonly request: ImpliedRequest = { method: {}, training: {}, hardware: {}, forgetting: {} }
  readonly mapped: MappedKey[] = []
  readonly defaults: ToolDefault[] = []
  /** Request field (JSON pointer) → the config key that set it. */
  readonly origins = new Map<string, Origin>()
  /** The model the config names (a repository id, a catalog id or a path) and its key. */
  model: { name: string; origin: Origin; note?: string } | null = null
  /** A component name (torchtune) that names a catalog model by its own convention. */
  modelCandidates: string[] = []
  steps: StepBudget | null = null
  /** A cap on the training samples (LLaMA-Factory max_samples): with no step budget, samples × sequence length bound the tokens. */
  samples: { samples: number; origin: Origin } | null = null
  /** Required request fields the config leaves open, and the key to name when nothing else sets them. */
  readonly missing = new Map<string, Origin & { message: string }>()
  /** Keys that move memory or speed in a way the request cannot say, and what the estimate does instead. */
  readonly caveats: Caveat[] = []
  /** Readings that need the model's architecture (axolotl unfrozen_parameters), run once it is resolved. */
  readonly afterModel: ((model: ModelShape) => void)[] = []
  /** How a multi-GPU run without DeepSpeed or FSDP settings is sharded by this tool. */
  multiGpuSharding: { sharding: 'ddp' | 'fsdp'; note: string } = { sharding: 'ddp', note: 'launched on several GPUs without DeepSpeed or FSDP settings: data parallel (DDP)' }
  /** A GPU count the config itself states (torchtune nproc_per_node). */
  count: { value: number; origin: Origin } | null = null
  private readonly pendingDefaults: ToolDefault[] = []

  constructor(readonly framework: FrameworkName) {}

  /** Sets `field` (e.g. "/method/rank") from config key `path`, recording the mapping. */
  set(reader: ConfigReader, path: string, field: string, value: unknown, note?: string): void {
    if (value === undefined) return
    writeField(this.request, field, value)
    this.origins.set(field, { reader, path })
    const line = reader.line(path)
    this.mapped.push({ key: reader.name(path), field, value, ...(line !== undefined ? { line } : {}), ...(note ? { note } : {}) })
  }

  caveat(reader: ConfigReader, path: string, message: string): void {
    const line = reader.line(path)
    this.caveats.push({ key: reader.name(path), ...(line !== undefined ? { line } : {}), message })
  }

  /** Whether a field has been set by a key. */
  isSet(field: string): boolean {
    return readField(this.request, field) !== undefined
  }

  get(field: string): unknown {
    return readField(this.request, field)
  }

  /** The tool's own value for a field no key set; applied by finish() only if still unset then. */
  toolDefault(field: string, value: unknown, source: string): void {
    this.pendingDefaults.push({ field, value, source })
  }

  /** Applies the tool defaults that no key overrode. */
  finish(): void {
    for (const d of this.pendingDefaults) {
      if (this.isSet(d.field)) continue
      writeField(this.request, d.field, d.value)
      this.defaults.push(d)
    }
    this.pendingDefaults.length = 0
  }

  /** A field error about a request field, named at the config key that set it when there is one. */
  errorFor(field: string, message: string): FieldError | null {
    // The deepest origin that contains the field: /method/targetModules/3 → /method/targetModules.
    for (let f = field; f.length > 0; f = f.slice(0, f.lastIndexOf('/'))) {
      const origin = this.origins.get(f)
      if (origin) return origin.reader.error(origin.path, `sets ${field}, which ${message}`)
    }
    return null
  }
}

export function readField(root: object, pointer: string): unknown {
  let value: unknown = root
  for (const part of pointer.split('/').slice(1)) {
    if (typeof value !== 'object' || value === null) return undefined
    value = (value as Fields)[part]
  }
  return value
}

export function writeField(root: object, pointer: string, value: unknown): void {
  const parts = pointer.split('/').slice(1)
  let node = root as Fields
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {}
    node = node[part] as Fields
  }
  node[parts.at(-1)!] = value
}
