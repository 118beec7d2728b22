import { hash, verify } from '@node-rs/argon2'
import { deriveIdentitySubkey, parseIdentityHash } from './identity-hash.js'

/** Hashes and checks passwords. Both calls run on libuv's thread pool, off the event loop. */
export interface PasswordHasher {
  hash(password: string): Promise<string>
  /** True when `password` matches `stored`, which may be a wrapped legacy hash. */
  verify(stored: string, password: string): Promise<boolean>
  /** True when `stored` is not this server's own current argon2id hash and should be replaced. */
  needsRehash(stored: string): boolean
  /** Burns the time of one verification, for logins that name no user (no timing oracle). */
  verifyDummy(password: string): Promise<void>
}

/** OWASP's argon2id parameters: 19 MiB, 2 passes, 1 lane. */
const ARGON2ID = { algorithm: 2 /* Algorithm.Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const
const OWN_PREFIX = '$argon2id$v=19$m=19456,t=2,p=1$'
/** Prefix of an imported ASP.NET Core Identity hash: `$identity$<params>$<argon2id over the legacy subkey>`. */
export const WRAPPED_PREFIX = '$identity$'

export function createPasswordHasher(): PasswordHasher {
  // A real hash of a random password: verifying against it costs exactly what a real check costs.
  const dummyHash = hash(crypto.randomUUID(), ARGON2ID)

  return {
    hash: (password) => hash(password, ARGON2ID),
    async verify(stored, password) {
      if (stored.startsWith(WRAPPED_PREFIX)) return verifyWrapped(stored, password)
      return verify(stored, password)
    },
    needsRehash: (stored) => !stored.startsWith(OWN_PREFIX),
    async verifyDummy(password) {
      await verify(await dummyHash, password)
    },
  }
}

/** Stores an imported Identity hash without keeping it bare: argon2id over the legacy subkey. */
export async function wrapIdentityHash(identityHashBase64: string): Promise<string | undefined> {
  const parsed = parseIdentityHash(identityHashBase64)
  if (parsed === undefined) return undefined
  const params = `${parsed.prf}$${parsed.iterations}$${parsed.subkey.length}$${parsed.salt.toString('base64url')}`
  return `${WRAPPED_PREFIX}${params}$${await hash(parsed.subkey, ARGON2ID)}`
}

async function verifyWrapped(stored: string, password: string): Promise<boolean> {
  const [prf, iterations, length, salt, ...rest] = stored.slice(WRAPPED_PREFIX.length).split('$')
  if (prf === undefined || iterations === undefined || length === undefined || salt === undefined) return false
  const inner = `$${rest.join('$')}`
  const subkey = await deriveIdentitySubkey(password, {
    prf: prf as 'sha1' | 'sha256' | 'sha512',
    iterations: Number(iterations),
    salt: Buffer.from(salt, 'base64url'),
    length: Number(length),
  })
  return verify(inner, subkey)
}
