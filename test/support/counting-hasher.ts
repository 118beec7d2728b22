import { createPasswordHasher, type PasswordHasher } from '../../src/crypto/password-hasher.js'
import { TESTS_QUEUE_WAIT_MS } from './test-app.js'

/** The real argon2id hasher, wrapped to count its calls (a third-party dependency, not our code). */
export function countingHasher(): PasswordHasher & { calls: { hash: number; verify: number; dummy: number } } {
  const inner = createPasswordHasher({ maxQueueWaitMs: TESTS_QUEUE_WAIT_MS })
  const calls = { hash: 0, verify: 0, dummy: 0 }
  return {
    calls,
    hash: (password) => (calls.hash++, inner.hash(password)),
    verify: (stored, password) => (calls.verify++, inner.verify(stored, password)),
    verifyDummy: (password) => (calls.dummy++, inner.verifyDummy(password)),
    needsRehash: (stored) => inner.needsRehash(stored),
    close: () => inner.close(),
  }
}
