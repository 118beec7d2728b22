import { type Argon2Pool, createArgon2Pool } from '../../src/crypto/argon2-pool.js'

/** The real argon2 threads (a dependency), wrapped to count the calls that reach them. */
export function countingPool() {
  const calls = { hash: 0, verify: 0 }
  const startPool = (threads: number): Argon2Pool => {
    const pool = createArgon2Pool(threads)
    return {
      hash: (password, options) => (calls.hash++, pool.hash(password, options)),
      verify: (hash, password) => (calls.verify++, pool.verify(hash, password)),
      close: () => pool.close(),
    }
  }
  return { calls, startPool }
}
