import { hash, verify } from '@node-rs/argon2'

/** The server's argon2id parameters (src/crypto/password-hasher.ts): 19 MiB, 2 passes, 1 lane. */
const ARGON2ID = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

/** argon2id verifications per second at `concurrency`, straight on @node-rs/argon2. */
export async function verifyPasswordsPerSecond(concurrency: number, seconds: number): Promise<number> {
  const password = 'bench passphrase 7f3c9a'
  const stored = await hash(password, ARGON2ID)
  const deadline = performance.now() + seconds * 1000
  const startedAt = performance.now()
  let count = 0
  const worker = async () => {
    while (performance.now() < deadline) {
      if (!(await verify(stored, password))) throw new Error('argon2 verify failed')
      count++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return count / ((performance.now() - startedAt) / 1000)
}
