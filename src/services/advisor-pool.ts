// Where the advisor's searches run. A full search is ~11 ms on a quiet core but holds the event
// loop for ~0.5 s under load (docs/performance.md), stalling every other route behind it; on
// worker threads it only costs the main thread the structured clone of its input and result.
// ADVISOR_WORKERS=0 keeps the search on the main thread, as before.
import { availableParallelism } from 'node:os'
import { ClientClosedError } from '../contract/errors.ts'
import { advise, type AdvisorInput, type AdvisorResult } from '../estimation/advisor.ts'
import { WorkerPool } from './worker-pool.ts'

export interface AdvisorRunner {
  /** `signal`: the caller has gone; a search still waiting for a worker is dropped (ClientClosedError). */
  advise(input: AdvisorInput, signal?: AbortSignal): Promise<AdvisorResult>
  /** Starts a worker ahead of the first search (nothing inline). */
  warm(): void
  /** Terminates the worker threads (none inline). */
  close(): Promise<void>
  /** Worker threads alive now (0 inline). */
  readonly threads: number
}

/** The search on the calling thread. */
export const inlineAdvisor: AdvisorRunner = {
  // Inline the search starts at once, so only a caller already gone is refused.
  advise: async (input, signal) => {
    if (signal?.aborted) throw new ClientClosedError()
    return advise(input)
  },
  warm: () => {},
  close: async () => {},
  threads: 0,
}

/**
 * Default thread count cap: each worker is its own V8 isolate with the engine loaded (~40 MiB RSS
 * each after a few full searches, measured on Node 20 under tsx: 4 workers added 163 MiB), and
 * recommendations are a minority of the traffic; larger machines can raise ADVISOR_WORKERS.
 */
const MAX_DEFAULT_WORKERS = 4

/** One core left to the event loop (HTTP, estimates, probes), at least one worker, at most MAX_DEFAULT_WORKERS. */
export function defaultAdvisorWorkers(cpus = availableParallelism()): number {
  return Math.min(MAX_DEFAULT_WORKERS, Math.max(1, cpus - 1))
}

/**
 * The worker module beside this one, in the form this one runs as: advisor.worker.js once compiled
 * (dist/, `npm start`), advisor.worker.ts from the sources (tsx, Vitest). A URL is not an import,
 * so the compiler's .ts → .js rewrite does not reach it.
 */
const ADVISOR_WORKER = new URL(`./advisor.worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)

export interface AdvisorPoolOptions {
  /** 0 = inline; unset = defaultAdvisorWorkers(). */
  workers?: number
  /** Searches waiting for a free worker before the next one is refused (503 OVERLOADED). */
  maxQueue: number
  onWorkerError?: (err: Error) => void
}

export function createAdvisorRunner(options: AdvisorPoolOptions): AdvisorRunner {
  const size = options.workers ?? defaultAdvisorWorkers()
  if (size === 0) return inlineAdvisor
  const pool = new WorkerPool<AdvisorInput, AdvisorResult>({
    module: ADVISOR_WORKER,
    size,
    maxQueue: options.maxQueue,
    what: 'advisor searches',
    ...(options.onWorkerError ? { onWorkerError: options.onWorkerError } : {}),
  })
  return {
    advise: (input, signal) => pool.run(input, signal),
    warm: () => pool.warm(),
    close: () => pool.close(),
    get threads() { return pool.threads },
  }
}
