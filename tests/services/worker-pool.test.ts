// The worker pool apart from the advisor: work runs off the main thread, errors come back as the
// same errors, a dead worker fails its task with a 503 and is replaced, the queue is bounded,
// a waiting task whose caller has gone leaves it, close() terminates the threads. Each task is a few ms except where a test spins on purpose.
import { getEventListeners } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { AppError, ClientClosedError, OverloadedError } from '../../src/contract/errors.ts'
import { WorkerPool, WorkerUnavailableError } from '../../src/services/worker-pool.ts'
import type { TestTask } from './fixtures/tasks.worker.ts'

const MODULE = new URL('./fixtures/tasks.worker.ts', import.meta.url)
const pools: WorkerPool<TestTask, unknown>[] = []

function pool(size = 1, maxQueue = 4, onWorkerError?: (err: Error) => void) {
  const p = new WorkerPool<TestTask, unknown>({ module: MODULE, size, maxQueue, what: 'test tasks', ...(onWorkerError ? { onWorkerError } : {}) })
  pools.push(p)
  return p
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()))
})

describe('WorkerPool', () => {
  it('keeps the event loop free while a task holds its thread', async () => {
    const p = pool()
    await p.run({ echo: 'warm' }) // thread started and tsx loaded: what follows times the task only
    const SPIN_MS = 1000
    const task = p.run({ spinMs: SPIN_MS, echo: 'done' })
    const t0 = performance.now()
    const lag = await new Promise<number>((resolve) => setTimeout(() => resolve(performance.now() - t0), 0))
    let ticks = 0
    const ticker = setInterval(() => { ticks++ }, 10)
    expect(await task).toBe('done')
    clearInterval(ticker)
    // On the main thread the timer would wait out the whole spin and no tick would fire before it ends;
    // the bounds leave a loaded 2-core machine a wide margin.
    expect(lag).toBeLessThan(SPIN_MS / 3)
    expect(ticks).toBeGreaterThanOrEqual(10)
  })

  it('answers with the task\'s value, structured-cloned', async () => {
    const p = pool()
    const value = { n: 1.5, big: 2 ** 53 - 1, neg0: -0, inf: Infinity, list: [1, 'a', null], nested: { u: undefined } }
    expect(await p.run({ echo: value })).toStrictEqual(value)
  })

  it('brings back an AppError with its code, status and fields, and any other error with its name and message', async () => {
    const p = pool()
    const validation = await p.run({ throwValidation: true }).catch((e: unknown) => e)
    expect(validation).toBeInstanceOf(AppError)
    expect(validation).toMatchObject({
      code: 'VALIDATION_FAILED', status: 400, message: '/training/sequenceLength must be >= 1',
      errors: [{ field: '/training/sequenceLength', message: 'must be >= 1' }],
    })
    const plain = await p.run({ throwType: 'x is not a function' }).catch((e: unknown) => e)
    expect(plain).not.toBeInstanceOf(AppError)
    expect(plain).toMatchObject({ name: 'TypeError', message: 'x is not a function' })
    expect(await p.run({ echo: 'still serving' })).toBe('still serving')
    expect(p.threads).toBe(1)
  })

  it('fails the task of a worker that dies with a 503 and replaces the worker', async () => {
    const p = pool()
    const crash = await p.run({ exit: 7 }).catch((e: unknown) => e)
    expect(crash).toBeInstanceOf(WorkerUnavailableError)
    expect(crash).toMatchObject({ code: 'WORKER_UNAVAILABLE', status: 503, message: 'A worker running test tasks stopped (exit code 7); retry after 5 s', retryAfterSeconds: 5 })
    expect(p.threads).toBe(0)
    expect(await p.run({ echo: 'replaced' })).toBe('replaced')
    expect(p.threads).toBe(1)
  })

  it('moves the queue to a new worker when a busy one dies', async () => {
    const p = pool(1, 2)
    const crash = p.run({ exit: 1 }).catch((e: unknown) => e)
    const queued = p.run({ echo: 'after the crash' })
    expect(await crash).toBeInstanceOf(WorkerUnavailableError)
    expect(await queued).toBe('after the crash')
  })

  it('reports a worker that cannot start and fails its task with a 503 instead of hanging', async () => {
    const reported: Error[] = []
    const broken = new WorkerPool<TestTask, unknown>({ module: new URL('./fixtures/no-such.worker.ts', import.meta.url), size: 1, maxQueue: 0, what: 'test tasks', onWorkerError: (e) => reported.push(e) })
    pools.push(broken)
    const err = await broken.run({ echo: 1 }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'WORKER_UNAVAILABLE', status: 503 })
    expect(reported).toHaveLength(1)
    expect(reported[0]!.message).toContain('no-such.worker.ts')
  })

  it('queues up to maxQueue tasks behind busy workers and refuses the next with 503 OVERLOADED', async () => {
    const p = pool(1, 1)
    await p.run({ echo: 'warm' })
    const running = p.run({ spinMs: 300, echo: 'first' })
    const queued = p.run({ echo: 'second' })
    const refused = await p.run({ echo: 'third' }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(OverloadedError)
    expect(refused).toMatchObject({ code: 'OVERLOADED', status: 503, retryAfterSeconds: 5, message: 'The service is overloaded (1 test tasks already waiting); retry after 5 s' })
    expect(await running).toBe('first')
    expect(await queued).toBe('second')
  })

  it('drops a waiting task whose signal aborts: rejected with 499 at once, never run, its place freed', async () => {
    const p = pool(1, 1)
    await p.run({ echo: 'warm' })
    let firstSettled = false
    const running = p.run({ spinMs: 500, echo: 'first' }).finally(() => { firstSettled = true })
    const caller = new AbortController()
    const abandoned = p.run({ echo: 'nobody reads this' }, caller.signal).catch((e: unknown) => e)
    // The queue (1) is full: without the abort the next task would be refused with 503.
    expect(await p.run({ echo: 'refused' }).catch((e: unknown) => e)).toBeInstanceOf(OverloadedError)
    caller.abort()
    const err = await abandoned
    // Rejected while the first task still holds the thread, not when a worker would have taken it.
    expect(firstSettled).toBe(false)
    expect(err).toBeInstanceOf(ClientClosedError)
    expect(err).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST', status: 499, message: 'The client closed the request before a worker took it (test tasks)' })
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0)
    const accepted = p.run({ handled: true })
    expect(await running).toBe('first')
    // warm, first, this one: the abandoned task never reached the thread.
    expect(await accepted).toBe(3)
  })

  it('refuses an already aborted signal without queuing or starting a thread', async () => {
    const p = pool(1, 1)
    const err = await p.run({ echo: 'never' }, AbortSignal.abort()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ClientClosedError)
    expect(err).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST', status: 499 })
    expect(p.threads).toBe(0)
    expect(await p.run({ handled: true })).toBe(1)
  })

  it('lets a task run to its end once a thread has it, and leaves no abort listener behind', async () => {
    const p = pool(1, 1)
    await p.run({ echo: 'warm' })
    const first = new AbortController()
    const running = p.run({ spinMs: 300, echo: 'first' }, first.signal)
    const second = new AbortController()
    const queued = p.run({ handled: true }, second.signal)
    expect(getEventListeners(second.signal, 'abort')).toHaveLength(1)
    first.abort() // on the thread already: it finishes, the caller would drop the answer
    expect(await running).toBe('first')
    expect(await queued).toBe(3)
    // Dispatched from the queue: its listener went with it; aborting now changes nothing.
    expect(getEventListeners(second.signal, 'abort')).toHaveLength(0)
    expect(getEventListeners(first.signal, 'abort')).toHaveLength(0)
    second.abort()
    expect(await p.run({ handled: true })).toBe(4)
  })

  it('removes the abort listener of a queued task refused by close()', async () => {
    const p = pool(1, 1)
    await p.run({ echo: 'warm' })
    const running = p.run({ spinMs: 20_000 }).catch((e: unknown) => e)
    const caller = new AbortController()
    const queued = p.run({ echo: 'never' }, caller.signal).catch((e: unknown) => e)
    await p.close()
    expect(await queued).toMatchObject({ code: 'WORKER_UNAVAILABLE' })
    expect(await running).toMatchObject({ code: 'WORKER_UNAVAILABLE' })
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0)
  })

  it('starts threads only as tasks need them, up to size', async () => {
    const p = pool(2, 4)
    expect(p.threads).toBe(0)
    await p.run({ echo: 1 })
    expect(p.threads).toBe(1) // one task at a time reuses one idle thread
    await Promise.all([p.run({ spinMs: 50 }), p.run({ spinMs: 50 }), p.run({ spinMs: 50 })])
    expect(p.threads).toBe(2)
  })

  it('warm() starts one thread ahead of the first task, once', async () => {
    const p = pool(2, 4)
    p.warm()
    p.warm()
    expect(p.threads).toBe(1)
    expect(await p.run({ echo: 'on the warm thread' })).toBe('on the warm thread')
    expect(p.threads).toBe(1)
  })

  it('close() terminates busy threads at once, refuses what waits and what comes after', async () => {
    const p = pool(1, 2)
    await p.run({ echo: 'warm' })
    const running = p.run({ spinMs: 20_000 }).catch((e: unknown) => e)
    const queued = p.run({ echo: 'never' }).catch((e: unknown) => e)
    const t0 = performance.now()
    await p.close()
    // Terminated, not waited for: the spin had 20 s left.
    expect(performance.now() - t0).toBeLessThan(5_000)
    expect(p.threads).toBe(0)
    for (const err of [await running, await queued, await p.run({ echo: 1 }).catch((e: unknown) => e)]) {
      expect(err).toMatchObject({ code: 'WORKER_UNAVAILABLE', status: 503, message: 'The service is shutting down; retry after 5 s' })
    }
  })

  it('refuses sizes that would run nothing or queue without bound', () => {
    expect(() => new WorkerPool({ module: MODULE, size: 0, maxQueue: 1, what: 't' })).toThrow('size must be an integer ≥ 1 (got 0)')
    expect(() => new WorkerPool({ module: MODULE, size: 1, maxQueue: Infinity, what: 't' })).toThrow('maxQueue must be an integer ≥ 0 (got Infinity)')
  })
})
