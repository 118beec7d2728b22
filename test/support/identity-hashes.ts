import { pbkdf2Sync, randomBytes } from 'node:crypto'

/** An ASP.NET Core Identity hash as an export holds it (base64), and the subkey it carries. */
export interface IdentityExportHash {
  hash: string
  subkey: Buffer
}

/** Identity v2: 0x00 | salt(16) | PBKDF2-HMAC-SHA1 × 1000 subkey(32). */
export function identityV2(password: string): IdentityExportHash {
  const salt = randomBytes(16)
  const subkey = pbkdf2Sync(password, salt, 1000, 32, 'sha1')
  return { hash: Buffer.concat([Buffer.from([0x00]), salt, subkey]).toString('base64'), subkey }
}

/** Identity v3: 0x01 | prf | iterations | salt length (big-endian u32) | salt | subkey, HMAC-SHA512. */
export function identityV3Sha512(password: string, iterations: number): IdentityExportHash {
  const salt = randomBytes(16)
  const subkey = pbkdf2Sync(password, salt, iterations, 32, 'sha512')
  const header = Buffer.alloc(13)
  header.writeUInt8(0x01, 0)
  header.writeUInt32BE(2 /* HMACSHA512 */, 1)
  header.writeUInt32BE(iterations, 5)
  header.writeUInt32BE(salt.length, 9)
  return { hash: Buffer.concat([header, salt, subkey]).toString('base64'), subkey }
}
