import assert from 'node:assert/strict'
import { setImmediate as turn } from 'node:timers/promises'
import { after, describe, it } from 'node:test'
import { createPasswordHasher } from '../../src/crypto/password-hasher.js'
import { isAppError } from '../../src/errors.js'
import { countingPool } from '../support/counting-pool.js'

/** Settles `promise` if it settles before the event loop turns once, else reports 'pending'. */
async function settledAtOnce(promise: Promise<unknown>): Promise<unknown> {
  return Promise.race([promise.then((value) => ({ value }), (error: unknown) => ({ error })), turn().then(() => 'pending')])
}

describe('password hasher under overload', { timeout: 30_000 }, () => {
  // One thread and no wait allowed: a job is admitted only while the thread is free.
  const { calls, startPool } = countingPool()
  const hasher = createPasswordHasher({ threads: 1, maxQueueWaitMs: 0, startPool })
  after(() => hasher.close())

  it('refuses hash, verify and the unknown-user verifyDummy alike, at once, and hands argon2 none of them', async () => {
    const stored = await hasher.hash('correct horse battery staple')
    const before = { ...calls }
    const busy = hasher.verify(stored, 'correct horse battery staple')
    const refused = [hasher.hash('another password'), hasher.verify(stored, 'correct horse battery staple'), hasher.verifyDummy('who is this')]
    for (const attempt of refused) {
      const outcome = await settledAtOnce(attempt)
      assert.ok(typeof outcome === 'object' && outcome !== null && 'error' in outcome, `settled at once: ${JSON.stringify(outcome)}`)
      assert.ok(isAppError(outcome.error, 'service_unavailable'))
      assert.ok((outcome.error.extra.retryAfterSeconds ?? 0) >= 1)
    }
    assert.equal(await busy, true)
    assert.deepEqual(calls, { hash: before.hash, verify: before.verify + 1 })
  })

  it('admits every entry point again once the thread is free', async () => {
    const stored = await hasher.hash('correct horse battery staple')
    assert.equal(await hasher.verify(stored, 'correct horse battery staple'), true)
    assert.equal(await hasher.verify(stored, 'wrong password'), false)
    await hasher.verifyDummy('who is this')
  })
})

describe('password hasher at the default limit', { timeout: 60_000 }, () => {
  const hasher = createPasswordHasher({ threads: 2 })
  after(() => hasher.close())

  it('admits the concurrency of ordinary use (ten at once) without a refusal', async () => {
    const stored = await hasher.hash('correct horse battery staple')
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? hasher.verify(stored, 'correct horse battery staple') : hasher.hash(`password ${i}`))))
    assert.equal(results.length, 10)
  })
})
