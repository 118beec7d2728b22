import { createHash, createHmac } from 'node:crypto'
import { open, seal } from './aead.js'
import { randomBytesPooled } from './random-pool.js'

/** 32 random bytes (256 bits), base64url: unguessable, so refresh needs no rate limit. */
export function generateRefreshToken(): string {
  return randomBytesPooled(32).toString('base64url')
}

/**
 * What the database keeps instead of the token. A fast hash is enough: the token has 256
 * random bits, so there is nothing to brute-force, and the lookup stays one indexed read.
 */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url')
}

/**
 * Seals the successor under a key derived from the used token. Only someone holding the used
 * token can open it, so a stolen database does not yield live refresh tokens.
 */
export function sealSuccessor(usedToken: string, successor: string): string {
  return seal(successorKey(usedToken), successor)
}

/** The successor, or undefined when `sealed` was not made with this token. */
export function openSuccessor(usedToken: string, sealed: string): string | undefined {
  return open(successorKey(usedToken), sealed)
}

/**
 * HMAC-SHA256 keyed with the used token: the token is 256 uniformly random bits, so it is
 * already a pseudorandom key and HMAC over a fixed label is exactly HKDF-Expand's one block
 * (without HKDF's extraction step, which only matters for non-uniform input).
 */
function successorKey(usedToken: string): Buffer {
  return createHmac('sha256', usedToken).update('latchkey refresh successor v1\x01').digest()
}
