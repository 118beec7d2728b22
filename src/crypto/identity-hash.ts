import { pbkdf2 } from 'node:crypto'
import { promisify } from 'node:util'

const pbkdf2Async = promisify(pbkdf2)

export type IdentityPrf = 'sha1' | 'sha256' | 'sha512'

/** The parts of an ASP.NET Core Identity password hash (PasswordHasher v2 or v3 format). */
export interface IdentityHash {
  prf: IdentityPrf
  iterations: number
  salt: Buffer
  /** The PBKDF2 output a correct password reproduces. */
  subkey: Buffer
}

const V3_PRFS: readonly IdentityPrf[] = ['sha1', 'sha256', 'sha512']
/** Far above Identity's own defaults; bounds the work one login can cost. */
const MAX_ITERATIONS = 1_000_000

/**
 * Reads a base64 Identity hash. v2: 0x00 | salt(16) | subkey(32), PBKDF2-HMAC-SHA1 × 1000.
 * v3: 0x01 | prf u32 | iterations u32 | salt length u32 | salt | subkey (big-endian).
 */
export function parseIdentityHash(base64: string): IdentityHash | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) return undefined
  const bytes = Buffer.from(base64, 'base64')
  if (bytes[0] === 0x00 && bytes.length === 1 + 16 + 32) {
    return { prf: 'sha1', iterations: 1000, salt: bytes.subarray(1, 17), subkey: bytes.subarray(17) }
  }
  if (bytes[0] !== 0x01 || bytes.length < 13) return undefined
  const prf = V3_PRFS[bytes.readUInt32BE(1)]
  const iterations = bytes.readUInt32BE(5)
  const saltLength = bytes.readUInt32BE(9)
  const subkeyLength = bytes.length - 13 - saltLength
  if (prf === undefined || iterations < 1 || iterations > MAX_ITERATIONS || saltLength < 16 || subkeyLength < 16 || subkeyLength > 64) {
    return undefined
  }
  return {
    prf,
    iterations,
    salt: bytes.subarray(13, 13 + saltLength),
    subkey: bytes.subarray(13 + saltLength),
  }
}

/** Recomputes the legacy subkey for `password` (on the thread pool). */
export async function deriveIdentitySubkey(
  password: string,
  params: { prf: IdentityPrf; iterations: number; salt: Buffer; length?: number },
): Promise<Buffer> {
  return pbkdf2Async(password, params.salt, params.iterations, params.length ?? 32, params.prf)
}
