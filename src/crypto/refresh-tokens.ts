import { createHash, hkdfSync, randomBytes } from 'node:crypto'
import { open, seal } from './aead.js'

/** 32 random bytes (256 bits), base64url: unguessable, so refresh needs no rate limit. */
export function generateRefreshToken(): string {
  return randomBytes(32).toString('base64url')
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

function successorKey(usedToken: string): Buffer {
  return Buffer.from(hkdfSync('sha256', usedToken, '', 'latchkey refresh successor v1', 32))
}
