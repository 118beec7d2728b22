import assert from 'node:assert/strict'
import { setImmediate as turn } from 'node:timers/promises'
import { describe, it } from 'node:test'
import { isAppError } from '../../src/errors.js'
import { createHashingQueue, decideAdmission, type QueueState } from '../../src/crypto/hashing-queue.js'

const S = 100
const MAX = 2_000

describe('decideAdmission', { timeout: 10_000 }, () => {
  // inFlight: jobs running or waiting; the new job waits ceil((inFlight − threads + 1) / threads) rounds.
  const table: [string, QueueState, { admit: true } | { retryAfterSeconds: number }][] = [
    ['an idle queue', { inFlight: 0, threads: 1, serviceMs: S, maxWaitMs: MAX }, { admit: true }],
    ['a free thread among busy ones: no wait', { inFlight: 3, threads: 4, serviceMs: S, maxWaitMs: MAX }, { admit: true }],
    ['every thread busy, none waiting: one round', { inFlight: 4, threads: 4, serviceMs: S, maxWaitMs: 0 }, { retryAfterSeconds: 1 }],
    ['a wait of exactly the limit', { inFlight: 20, threads: 1, serviceMs: S, maxWaitMs: MAX }, { admit: true }],
    ['one job past the limit, one thread', { inFlight: 21, threads: 1, serviceMs: S, maxWaitMs: MAX }, { retryAfterSeconds: 3 }],
    ['the last job of the last round within the limit, four threads', { inFlight: 83, threads: 4, serviceMs: S, maxWaitMs: MAX }, { admit: true }],
    ['the first job of the round past the limit, four threads', { inFlight: 84, threads: 4, serviceMs: S, maxWaitMs: MAX }, { retryAfterSeconds: 3 }],
    ['fast hashes admit a long queue', { inFlight: 401, threads: 2, serviceMs: 10, maxWaitMs: MAX }, { admit: true }],
    ['…but not an endless one', { inFlight: 402, threads: 2, serviceMs: 10, maxWaitMs: MAX }, { retryAfterSeconds: 3 }],
    ['one slow hash ahead is already too long', { inFlight: 1, threads: 1, serviceMs: 5_000, maxWaitMs: MAX }, { retryAfterSeconds: 5 }],
    ['a free thread is taken however slow hashing is', { inFlight: 0, threads: 1, serviceMs: 60_000, maxWaitMs: MAX }, { admit: true }],
  ]
  for (const [name, state, expected] of table) {
    it(`${'admit' in expected ? 'admits' : 'refuses'}: ${name}`, () => {
      const decision = decideAdmission(state)
      if ('admit' in expected) return assert.deepEqual(decision, { admit: true })
      assert.equal(decision.admit, false)
      assert.equal(!decision.admit && decision.retryAfterSeconds, expected.retryAfterSeconds)
    })
  }
})

/** A job the test finishes by hand, and the log of jobs started. */
function jobs() {
  const started: number[] = []
  const finishers = new Map<number, { resolve: (value: number) => void; reject: (error: Error) => void }>()
  return {
    started,
    job: (id: number) => () => {
      started.push(id)
      return new Promise<number>((resolve, reject) => finishers.set(id, { resolve, reject }))
    },
    finish: (id: number) => finishers.get(id)?.resolve(id),
    fail: (id: number) => finishers.get(id)?.reject(new Error(`job ${id} failed`)),
  }
}

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => assert.fail('expected a refusal'),
    (error: unknown) => error,
  )
  assert.ok(isAppError(error, 'service_unavailable'), String(error))
  return error
}

describe('createHashingQueue', { timeout: 10_000 }, () => {
  it('runs at most one job per thread, the others in arrival order', async () => {
    const queue = createHashingQueue({ threads: 2, maxWaitMs: 60_000 })
    const { started, job, finish } = jobs()
    const results = [1, 2, 3, 4, 5].map((id) => queue.run(job(id)))
    await turn()
    assert.deepEqual(started, [1, 2])
    assert.equal(queue.state().inFlight, 5)
    finish(2)
    await turn()
    assert.deepEqual(started, [1, 2, 3])
    for (const id of [1, 3, 4, 5]) {
      finish(id)
      await turn()
    }
    assert.deepEqual(await Promise.all(results), [1, 2, 3, 4, 5])
    assert.equal(queue.state().inFlight, 0)
  })

  it('refuses at once, without starting the job, when the expected wait is past the limit', async () => {
    // The default estimate before any measurement is 100 ms: a second job would wait one round.
    const queue = createHashingQueue({ threads: 1, maxWaitMs: 50 })
    const { started, job, finish } = jobs()
    const first = queue.run(job(1))
    const error = await refusal(queue.run(job(2)))
    assert.equal(error.extra.retryAfterSeconds, 1)
    await turn()
    assert.deepEqual(started, [1])
    assert.equal(queue.state().inFlight, 1)
    finish(1)
    assert.equal(await first, 1)
    // Drained: admitted again.
    const third = queue.run(job(3))
    await turn()
    finish(3)
    assert.equal(await third, 3)
  })

  it('estimates the service time from warm jobs only, then follows it', async () => {
    let nowMs = 0
    const queue = createHashingQueue({ threads: 2, maxWaitMs: 2_000, nowMs: () => nowMs })
    const { job, finish } = jobs()
    const timed = async (id: number, durationMs: number) => {
      const result = queue.run(job(id))
      await turn()
      nowMs += durationMs
      finish(id)
      await result
    }
    // One cold job per thread (starting the thread): not measured.
    await timed(1, 900)
    await timed(2, 900)
    assert.equal(queue.state().serviceMs, 100)
    await timed(3, 40)
    assert.equal(queue.state().serviceMs, 40)
    await timed(4, 140)
    assert.equal(queue.state().serviceMs, 60)
  })

  it('sets Retry-After to the expected wait, rounded up to whole seconds', async () => {
    let nowMs = 0
    const queue = createHashingQueue({ threads: 1, maxWaitMs: 2_000, nowMs: () => nowMs })
    const { job, finish } = jobs()
    for (const id of [1, 2]) {
      const result = queue.run(job(id))
      await turn()
      nowMs += 700
      finish(id)
      await result
    }
    const running = [3, 4, 5].map((id) => queue.run(job(id)))
    // 3 in flight on one thread: the next job waits 3 rounds of 700 ms = 2.1 s.
    const error = await refusal(queue.run(job(6)))
    assert.equal(error.extra.retryAfterSeconds, 3)
    for (const id of [3, 4, 5]) {
      await turn()
      finish(id)
    }
    await Promise.all(running)
  })

  it('frees the thread and the place in the queue when a job fails', async () => {
    const queue = createHashingQueue({ threads: 1, maxWaitMs: 60_000 })
    const { started, job, fail, finish } = jobs()
    const failing = queue.run(job(1))
    const next = queue.run(job(2))
    await turn()
    fail(1)
    await assert.rejects(failing, /job 1 failed/)
    await turn()
    assert.deepEqual(started, [1, 2])
    finish(2)
    assert.equal(await next, 2)
    assert.equal(queue.state().inFlight, 0)
  })
})
