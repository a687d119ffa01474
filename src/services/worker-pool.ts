// A small pool of worker threads for CPU-bound pure functions (the advisor's search), so a long
// computation never holds the event loop that answers every other request. Each worker runs one
// task at a time; tasks beyond the busy workers wait in a bounded queue, and a full queue is a
// 503 OVERLOADED at once rather than a backlog that outlives the request. A waiting task whose
// caller has gone (its signal aborted) leaves the queue, so abandoned work neither runs nor holds
// a place a live caller could have. A worker that dies fails only its own task (503
// WORKER_UNAVAILABLE) and is replaced when the next task needs it.
//
// Written here rather than taken from piscina: the service needs ~150 lines of it (lazy start,
// one bounded FIFO queue, crash → 503, terminate on close, domain errors carried back with their
// code), and the one thing that is not generic, loading TypeScript in the worker when the service
// runs from its sources (below), piscina would not do either.
import { parentPort, Worker } from 'node:worker_threads'
import { AppError, ClientClosedError, OverloadedError, RETRY_AFTER_S, type FieldError } from '../contract/errors.ts'

const SHUTTING_DOWN = 'The service is shutting down'

/** The task's worker died under it, could not start, or the pool is closing. */
export class WorkerUnavailableError extends AppError {
  override readonly name = 'WorkerUnavailableError'
  readonly retryAfterSeconds = RETRY_AFTER_S
  constructor(reason: string) {
    super('WORKER_UNAVAILABLE', 503, `${reason}; retry after ${RETRY_AFTER_S} s`)
  }
}

/** An error as it crosses the thread boundary: structured clone keeps an Error's message, not its class or fields. */
interface SerializedError {
  name: string
  message: string
  stack?: string
  app?: { code: string; status: number; errors: FieldError[] }
}

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: SerializedError }

function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) }
  const out: SerializedError = { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) }
  if (err instanceof AppError) out.app = { code: err.code, status: err.status, errors: err.errors }
  return out
}

/** The same kind of error the function would have thrown on the main thread: AppErrors keep code, status and fields. */
function revive(serialized: SerializedError): Error {
  const err = serialized.app
    ? new AppError(serialized.app.code, serialized.app.status, serialized.message, serialized.app.errors)
    : new Error(serialized.message)
  Object.defineProperty(err, 'name', { value: serialized.name, configurable: true, writable: true })
  if (serialized.stack) err.stack = serialized.stack
  return err
}

/** The worker side: answers each task message with `handler(input)` or the error it threw. */
export function serveTasks<In, Out>(handler: (input: In) => Out): void {
  if (!parentPort) throw new Error('serveTasks() runs inside a worker thread')
  const port = parentPort
  port.on('message', ({ id, input }: { id: number; input: In }) => {
    let reply: Reply
    try {
      reply = { id, ok: true, value: handler(input) }
    } catch (err) {
      reply = { id, ok: false, error: serializeError(err) }
    }
    port.postMessage(reply)
  })
}

/**
 * The worker's entry. A compiled module (under dist/, `npm start`) is imported as it is. A
 * TypeScript one (tsx in development, Vitest) needs tsx registered first: Node 20 runs neither the
 * parent's `--import tsx` nor any other `--import` in worker threads, and loading a .ts entry
 * directly fails (ERR_UNKNOWN_FILE_EXTENSION); Vitest's processes have no tsx at all. tsx is
 * resolved only then, so a production install without it still starts workers.
 */
function bootstrap(module: URL): string {
  if (!module.pathname.endsWith('.ts')) return `import(${JSON.stringify(module.href)})`
  const tsx = import.meta.resolve('tsx/esm/api')
  return `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(module.href)}) })`
}

export interface WorkerPoolOptions {
  /** The worker module: calls serveTasks() once. */
  module: URL
  /** Most threads at once (≥ 1); they start when tasks need them (or warm()) and stay until close(). */
  size: number
  /** Most tasks waiting for a thread; one more is refused with OverloadedError. */
  maxQueue: number
  /** Names the work in error messages ("advisor searches"). */
  what: string
  /** Told when a worker fails to start or dies (the task gets its own 503). */
  onWorkerError?: (err: Error) => void
}

interface Task {
  id: number
  input: unknown
  resolve(value: unknown): void
  reject(err: Error): void
  /** Removes the abort listener of a queued task (set only while it waits). */
  detach?: () => void
}

interface Slot {
  worker: Worker
  task: Task | null
}

export class WorkerPool<In, Out> {
  private readonly slots: Slot[] = []
  private readonly queue: Task[] = []
  private readonly code: string
  private nextId = 1
  private closed = false

  constructor(private readonly options: WorkerPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError(`size must be an integer ≥ 1 (got ${options.size})`)
    if (!Number.isInteger(options.maxQueue) || options.maxQueue < 0) throw new RangeError(`maxQueue must be an integer ≥ 0 (got ${options.maxQueue})`)
    this.code = bootstrap(options.module)
  }

  /** Threads alive now. */
  get threads(): number {
    return this.slots.length
  }

  /**
   * Runs `input` on a free thread, or queues it. `signal` says the caller has gone: an aborted
   * signal is refused at once and an abort while the task waits takes it out of the queue, both
   * with ClientClosedError. A task already on a thread runs to its end (stopping it would cost a
   * thread restart, ~0.3–1 s) and the caller drops its answer.
   */
  run(input: In, signal?: AbortSignal): Promise<Out> {
    if (this.closed) return Promise.reject(new WorkerUnavailableError(SHUTTING_DOWN))
    if (signal?.aborted) return Promise.reject(this.clientClosed())
    return new Promise<Out>((resolve, reject) => {
      const task: Task = { id: this.nextId++, input, resolve: resolve as (value: unknown) => void, reject }
      const idle = this.slots.find((s) => !s.task)
      if (idle) this.dispatch(idle, task)
      else if (this.slots.length < this.options.size) this.dispatch(this.spawn(), task)
      else if (this.queue.length < this.options.maxQueue) this.enqueue(task, signal)
      else reject(new OverloadedError(RETRY_AFTER_S, `${this.queue.length} ${this.options.what} already waiting`))
    })
  }

  /** Starts one thread ahead of the first task, if none is alive (its start, ~0.3–1 s of tsx and imports, then costs no request). */
  warm(): void {
    if (this.closed || this.slots.length > 0) return
    this.spawn().worker.unref()
  }

  /** Refuses what is waiting, terminates every thread (a running task gets a 503) and resolves once they are gone. */
  async close(): Promise<void> {
    this.closed = true
    for (const task of this.queue.splice(0)) {
      task.detach?.()
      task.reject(new WorkerUnavailableError(SHUTTING_DOWN))
    }
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()))
  }

  private spawn(): Slot {
    const worker = new Worker(this.code, { eval: true, execArgv: [] })
    const slot: Slot = { worker, task: null }
    this.slots.push(slot)
    worker.on('message', (reply: Reply) => {
      const task = slot.task
      if (!task || task.id !== reply.id) return
      slot.task = null
      if (reply.ok) task.resolve(reply.value)
      else task.reject(revive(reply.error))
      this.next(slot)
    })
    // 'error' (an uncaught exception, a failed start) is always followed by 'exit'.
    worker.on('error', (err) => this.options.onWorkerError?.(err))
    worker.on('exit', (exitCode) => {
      this.slots.splice(this.slots.indexOf(slot), 1)
      const task = slot.task
      slot.task = null
      if (task) task.reject(new WorkerUnavailableError(this.closed ? SHUTTING_DOWN : `A worker running ${this.options.what} stopped (exit code ${exitCode})`))
      if (!this.closed && this.queue.length > 0) this.dispatch(this.spawn(), this.queue.shift()!)
    })
    return slot
  }

  private enqueue(task: Task, signal: AbortSignal | undefined): void {
    this.queue.push(task)
    if (!signal) return
    const onAbort = () => {
      task.detach = undefined
      const at = this.queue.indexOf(task)
      if (at === -1) return
      this.queue.splice(at, 1)
      task.reject(this.clientClosed())
    }
    signal.addEventListener('abort', onAbort, { once: true })
    task.detach = () => {
      task.detach = undefined
      signal.removeEventListener('abort', onAbort)
    }
  }

  private clientClosed(): ClientClosedError {
    return new ClientClosedError(`The client closed the request before a worker took it (${this.options.what})`)
  }

  private dispatch(slot: Slot, task: Task): void {
    // On a thread it runs to its end whatever the signal says: the listener has nothing left to do.
    task.detach?.()
    try {
      slot.worker.postMessage({ id: task.id, input: task.input })
    } catch (err) {
      // The input could not be cloned (a function, a symbol): the caller's error, the worker is still idle.
      task.reject(err as Error)
      this.next(slot)
      return
    }
    slot.task = task
    // A busy worker keeps the process alive; an idle one does not (a forgotten pool never hangs an exit).
    slot.worker.ref()
  }

  private next(slot: Slot): void {
    const task = this.queue.shift()
    if (task) this.dispatch(slot, task)
    else slot.worker.unref()
  }
}
