import { createHash } from 'node:crypto'
import { randomBytesPooled } from './random-pool.js'

/** A mailed link's token (contract §9): 32 random bytes (256 bits), base64url. */
export function generateLinkToken(): string {
  return randomBytesPooled(32).toString('base64url')
}

/**
 * What the database keeps instead of the token. A fast hash is enough: 256 random bits leave
 * nothing to brute-force, and whoever reads the table cannot rebuild a live link from it.
 */
export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url')
}
