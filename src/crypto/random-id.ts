import { randomBytesPooled } from './random-pool.js'

/**
 * 96 random bits, base64url (16 characters): ids for users, sessions, token rows and events.
 * Ids are names, not secrets; 96 bits make collisions negligible and keep every access token
 * (which carries two of them) under 1 KiB even with RS256.
 */
export function randomId(): string {
  return randomBytesPooled(12).toString('base64url')
}

/**
 * 72 random bits, base64url (12 characters): an access token's `jti`. It only has to differ
 * between tokens (2^36 tokens before a collision is even likely), and its 4 characters fewer
 * keep an RS256 token with `amr`, a 64-character user name and ten roles under 1 KiB (contract §3).
 */
export function randomTokenId(): string {
  return randomBytesPooled(9).toString('base64url')
}
