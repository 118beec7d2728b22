import { availableParallelism } from 'node:os'
import { hash } from '@node-rs/argon2'
import { type Argon2Pool, createArgon2Pool } from './argon2-pool.js'
import { createHashingQueue, MAX_QUEUE_WAIT_MS } from './hashing-queue.js'
import { deriveIdentitySubkey, type IdentityHash, type IdentityPrf } from './identity-hash.js'

/**
 * Hashes and checks passwords on low-priority worker threads, off the event loop. `hash`,
 * `verify` and `verifyDummy` wait in one bounded queue and throw `AppError('service_unavailable')`
 * (with `retryAfterSeconds`) at once when the wait would be too long.
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>
  /** True when `password` matches `stored`, which may be a wrapped legacy hash. */
  verify(stored: string, password: string): Promise<boolean>
  /** True when `stored` is not this server's own current argon2id hash and should be replaced. */
  needsRehash(stored: string): boolean
  /** Burns the time of one verification, for logins that name no user (no timing oracle). */
  verifyDummy(password: string): Promise<void>
  /** Stops the worker threads. */
  close(): Promise<void>
}

/** OWASP's argon2id parameters: 19 MiB, 2 passes, 1 lane. */
const ARGON2ID = { algorithm: 2 /* Algorithm.Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const
const OWN_PREFIX = '$argon2id$v=19$m=19456,t=2,p=1$'
/**
 * Prefix of an imported ASP.NET Core Identity hash:
 * `$identity$<prf>$<iterations>$<subkey bytes>$<salt, base64url>` followed by the argon2id hash
 * (itself starting with `$argon2id$`) of the legacy PBKDF2 subkey.
 */
export const WRAPPED_PREFIX = '$identity$'
const WRAPPED = /^\$identity\$(sha1|sha256|sha512)\$([1-9]\d{0,6})\$([1-9]\d?)\$([A-Za-z0-9_-]+)(\$argon2id\$.+)$/

export interface PasswordHasherOptions {
  /** Hashing threads; one per core by default. */
  threads?: number
  /** Refuse a job expected to wait longer than this for a thread (contract §4.5: about 2 s). */
  maxQueueWaitMs?: number
  /** Starts the argon2 threads; tests wrap it to count the calls that reach them. */
  startPool?: (threads: number) => Argon2Pool
}

export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher {
  const threadCount = options.threads ?? availableParallelism()
  const startPool = options.startPool ?? createArgon2Pool
  // Every entry point goes through this one queue, so under overload an unknown user is
  // refused exactly like a known one (the 503 is no user-name oracle) and a flood of any kind
  // of request waits a bounded time or not at all.
  const queue = createHashingQueue({ threads: threadCount, maxWaitMs: options.maxQueueWaitMs ?? MAX_QUEUE_WAIT_MS })
  // Started on first use, so commands that never hash pay nothing for the threads.
  let pool: Argon2Pool | undefined
  // A real hash of a random password: verifying against it costs exactly what a real check costs.
  let dummyHash: Promise<string> | undefined
  const threads = () => {
    if (pool === undefined) {
      pool = startPool(threadCount)
      dummyHash = pool.hash(crypto.randomUUID(), ARGON2ID)
    }
    return pool
  }
  const verify = (stored: string, password: string) => threads().verify(stored, password)

  return {
    hash: (password) => queue.run(() => threads().hash(password, ARGON2ID)),
    // A wrapped hash's PBKDF2 runs inside the job: bounded, and counted in the service time, too.
    verify: (stored, password) =>
      queue.run(() => (stored.startsWith(WRAPPED_PREFIX) ? verifyWrapped(stored, password, verify) : verify(stored, password))),
    needsRehash: (stored) => !stored.startsWith(OWN_PREFIX),
    verifyDummy: (password) =>
      queue.run(async () => {
        threads()
        await verify(await (dummyHash as Promise<string>), password)
      }),
    close: async () => {
      await pool?.close()
      pool = undefined
    },
  }
}

/**
 * Stores an imported Identity hash without keeping it bare: the legacy subkey is what a
 * correct password reproduces, so it is itself a password-equivalent secret and only its
 * argon2id hash is kept (a leaked database then costs argon2id per guess, not PBKDF2).
 */
export async function wrapIdentityHash(legacy: IdentityHash): Promise<string> {
  const params = `${legacy.prf}$${legacy.iterations}$${legacy.subkey.length}$${legacy.salt.toString('base64url')}`
  return `${WRAPPED_PREFIX}${params}${await hash(argon2Input(legacy.subkey), ARGON2ID)}`
}

/** @node-rs/argon2's verify reads a byte password as UTF-8 text, so the subkey goes in as base64. */
function argon2Input(subkey: Buffer): string {
  return subkey.toString('base64')
}

async function verifyWrapped(
  stored: string,
  password: string,
  verify: (hash: string, password: string) => Promise<boolean>,
): Promise<boolean> {
  const match = WRAPPED.exec(stored)
  if (match === null) return false
  const [, prf, iterations, length, salt, inner] = match as unknown as [string, IdentityPrf, string, string, string, string]
  // Identity hashed the UTF-8 bytes of the password exactly as typed.
  const subkey = await deriveIdentitySubkey(password, {
    prf,
    iterations: Number(iterations),
    salt: Buffer.from(salt, 'base64url'),
    length: Number(length),
  })
  return verify(inner, argon2Input(subkey))
}
