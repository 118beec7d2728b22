import { randomBytesPooled } from './random-pool.js'

/**
 * 96 random bits, base64url (16 characters): ids for users, sessions, token rows, events and
 * `jti`. Ids are names, not secrets; 96 bits make collisions negligible and keep every access
 * token (which carries three of them) under 1 KiB even with RS256.
 */
export function randomId(): string {
  return randomBytesPooled(12).toString('base64url')
}
