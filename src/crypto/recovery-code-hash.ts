import { createHmac, scryptSync } from 'node:crypto'

// What the database keeps instead of a recovery code (contract §10).
//
// A bare SHA-256 is too weak here: a code has 47.5 random bits, and one GPU computes about 2^34
// SHA-256 a second, so whoever holds the database could enumerate all 27^10 codes — every
// user's at once, with no salt — in a few hours. That would make the recovery codes the weak
// spot exactly when KEY_ENCRYPTION_KEY keeps the TOTP secrets sealed. So the hash is an
// HMAC-SHA-256 keyed with a pepper derived from KEY_ENCRYPTION_KEY, which is not in the
// database. Without that key the TOTP secrets are stored readable anyway, and the fixed public
// pepper still keeps the codes themselves out of the database.
//
// Online guessing needs no slow hash: 10 codes of 47.5 bits, each usable once, behind the
// rate limit and login back-off (§4.5) and a 5-try mfaToken.

const PUBLIC_PEPPER = Buffer.from('latchkey recovery code v1 (no KEY_ENCRYPTION_KEY)', 'utf8')

/**
 * The HMAC key for recovery-code hashes. scrypt, not a bare hash, because the operator's key
 * may be a passphrase; derived once per process, on first use (it takes tens of milliseconds). Its own salt
 * keeps it independent of the key that seals signing keys and TOTP secrets.
 */
export function deriveRecoveryCodePepper(keyEncryptionKey: string | undefined): Buffer {
  if (keyEncryptionKey === undefined) return PUBLIC_PEPPER
  return scryptSync(keyEncryptionKey, 'latchkey recovery-code pepper v1', 32)
}

/** HMAC-SHA-256 of a normalized code (see normalizeRecoveryCode) under the pepper, base64url. */
export function hashRecoveryCode(normalized: string, pepper: Buffer): string {
  return createHmac('sha256', pepper).update(normalized, 'utf8').digest('base64url')
}
