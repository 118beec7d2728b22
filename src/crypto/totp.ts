// node:crypto, no package: HOTP is one HMAC and a truncation, and otplib/otpauth would add
// dependencies yet leave the replay rule and the constant-time window check (below) to us.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

// Two-factor codes (contract §10): RFC 6238 TOTP over RFC 4226 HOTP with HMAC-SHA-1, 6 digits,
// 30-second steps; the current step and one step either side are accepted, each step once.

const STEP_MS = 30_000
const DIGITS = 6
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
/** A remainder of 1, 3 or 6 characters after whole 8-character groups is never produced by an encoder. */
const IMPOSSIBLE_TAIL_LENGTHS = new Set([1, 3, 6])

/** 20 random bytes: the 160 bits RFC 4226 recommends and contract §10 requires. */
export function generateTotpSecret(): Buffer {
  return randomBytes(20)
}

/** RFC 4648 base32, upper-case, without `=` padding (what authenticator apps expect). */
export function base32Encode(bytes: Buffer): string {
  let text = ''
  let pending = 0
  let pendingBits = 0
  for (const byte of bytes) {
    pending = ((pending << 8) | byte) & 0xfff
    pendingBits += 8
    while (pendingBits >= 5) {
      pendingBits -= 5
      text += BASE32_ALPHABET.charAt((pending >>> pendingBits) & 31)
    }
  }
  if (pendingBits > 0) text += BASE32_ALPHABET.charAt((pending << (5 - pendingBits)) & 31)
  return text
}

/**
 * The bytes of RFC 4648 base32 text, ignoring case, spaces and `=`; undefined for any other
 * character or a length no encoder produces. Unused trailing bits are ignored.
 */
export function base32Decode(text: string): Buffer | undefined {
  const compact = text.replace(/[ =]/g, '').toUpperCase()
  if (IMPOSSIBLE_TAIL_LENGTHS.has(compact.length % 8)) return undefined
  const bytes: number[] = []
  let pending = 0
  let pendingBits = 0
  for (const char of compact) {
    const value = BASE32_ALPHABET.indexOf(char)
    if (value < 0) return undefined
    pending = ((pending << 5) | value) & 0x1fff
    pendingBits += 5
    if (pendingBits >= 8) {
      pendingBits -= 8
      bytes.push((pending >>> pendingBits) & 0xff)
    }
  }
  return Buffer.from(bytes)
}

/** The 30-second step that `atMs` (epoch milliseconds) falls in. */
export function totpStep(atMs: number): number {
  return Math.floor(atMs / STEP_MS)
}

/** The 6-digit code of `step` (RFC 4226 HOTP with the step as counter), zero-padded. */
export function totpCode(secret: Buffer, step: number): string {
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`a TOTP step must be a non-negative integer, got ${step}`)
  const counter = Buffer.alloc(8)
  counter.writeUInt32BE(Math.floor(step / 2 ** 32), 0)
  counter.writeUInt32BE(step >>> 0, 4)
  const mac = createHmac('sha1', secret).update(counter).digest()
  const offset = mac[mac.length - 1]! & 0x0f
  const truncated = mac.readUInt32BE(offset) & 0x7fffffff
  return String(truncated % 10 ** DIGITS).padStart(DIGITS, '0')
}

/**
 * The step whose code `code` is, among the step of `atMs` and one either side, provided it is
 * later than `lastUsedStep`; undefined otherwise. Spaces are ignored ("123 456" as apps show it).
 */
export function matchTotp(secret: Buffer, code: string, atMs: number, lastUsedStep: number | undefined): number | undefined {
  const digits = code.replaceAll(' ', '')
  // Anything but exactly 6 ASCII digits is refused before any HMAC: that rule is public, so the
  // early return leaks nothing, and a malformed code never reaches timingSafeEqual (which throws
  // on unequal lengths).
  if (!/^[0-9]{6}$/.test(digits)) return undefined
  const presented = Buffer.from(digits, 'ascii')
  const current = totpStep(atMs)
  let matched: number | undefined
  // All three steps are computed and compared every time, in constant time and without an
  // early exit, so the response time says nothing about whether or where the code matched.
  for (const step of [current - 1, current, current + 1]) {
    const expected = Buffer.from(totpCode(secret, Math.max(step, 0)), 'ascii')
    const equal = timingSafeEqual(presented, expected)
    // Replay rule: a step at or before the last accepted one is refused, so a code works once.
    const unused = step >= 0 && (lastUsedStep === undefined || step > lastUsedStep)
    // Ascending order keeps the latest matching step: should one code match two steps, recording
    // the later one refuses a replay of it at either.
    if (equal && unused) matched = step
  }
  return matched
}

export interface OtpauthUriInput {
  issuer: string
  accountName: string
  secretBase32: string
}

/**
 * The Key URI authenticator apps scan: `otpauth://totp/<issuer>:<account>?secret=…&issuer=…`
 * (contract §10), then the algorithm, digits and period spelled out for apps that want them.
 * Label parts are percent-encoded, so a `:` inside the issuer cannot split the label.
 */
export function otpauthUri({ issuer, accountName, secretBase32 }: OtpauthUriInput): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`
  const query = `secret=${encodeURIComponent(secretBase32)}&issuer=${encodeURIComponent(issuer)}`
  return `otpauth://totp/${label}?${query}&algorithm=SHA1&digits=${DIGITS}&period=${STEP_MS / 1000}`
}
