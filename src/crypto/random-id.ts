import { randomBytes } from 'node:crypto'

/** 128 random bits, base64url (22 characters): ids for sessions, token rows, events and `jti`. */
export function randomId(): string {
  return randomBytes(16).toString('base64url')
}
