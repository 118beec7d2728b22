import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createPasswordHasher, type PasswordHasher } from '../../src/crypto/password-hasher.js'
import type { Log } from '../../src/logger.js'
import { TESTS_QUEUE_WAIT_MS, type Registration, type TestResponse, type TestServer, type TokenBody } from './test-app.js'

// Driving contract §10 through HTTP: codes computed from the secret the server returned, at the
// server's fake clock, as an authenticator app would — with RFC 6238 written out again here
// rather than imported from src/crypto/totp.ts, so a server computing codes some other way
// (another hash, digit count or step) is caught by the HTTP tests, not agreed with.

/** One TOTP step (RFC 6238: 30 s). */
export const STEP_MS = 30_000

/** The step `atMs` falls in: RFC 6238 T = floor((unix time − T0) / X), T0 = 0, X = 30 s. */
export function stepAt(atMs: number): number {
  return Math.floor(atMs / STEP_MS)
}

/** RFC 4648 base32 (upper or lower case, `=` padding optional) to bytes. */
export function base32Bytes(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const value = alphabet.indexOf(char)
    assert.ok(value >= 0, `${JSON.stringify(char)} is not base32`)
    bits += value.toString(2).padStart(5, '0')
  }
  const bytes: number[] = []
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2))
  return Buffer.from(bytes)
}

/** RFC 4226 HOTP over HMAC-SHA-1 with the step as counter, 6 digits (RFC 6238's TOTP). */
export function hotpSha1(key: Buffer, counter: number): string {
  const message = Buffer.alloc(8)
  message.writeBigUInt64BE(BigInt(counter))
  const mac = createHmac('sha1', key).update(message).digest()
  const offset = mac[19]! & 0x0f
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!
  return String(binary % 1_000_000).padStart(6, '0')
}

/** The 6-digit code of `secret` (base32, as enrollment returned it) for TOTP step `step`. */
export function codeOfStep(secret: string, step: number): string {
  return hotpSha1(base32Bytes(secret), step)
}

/** The code an app shows at `atMs`. */
export function codeAt(secret: string, atMs: number): string {
  return codeOfStep(secret, stepAt(atMs))
}

/** A 6-digit code that is the code of no step within two of `atMs` (the window and just past it). */
export function wrongCode(secret: string, atMs: number): string {
  const near = new Set([-2, -1, 0, 1, 2].map((delta) => codeOfStep(secret, stepAt(atMs) + delta)))
  return ['000000', '111111', '222222', '333333', '444444', '555555'].find((code) => !near.has(code))!
}

export type User = Registration & { id: string }

/** A user with the factor on: its secret, the recovery codes shown once, and the session that turned it on. */
export interface Enrolled {
  user: User
  pair: TokenBody
  secret: string
  otpauthUri: string
  recoveryCodes: string[]
}

/** A request with the access token of `pair` as its bearer. */
export function asUser(server: TestServer, pair: TokenBody, method: string, path: string, body?: unknown): Promise<TestResponse> {
  return server.request(method, path, { token: pair.accessToken.token, ...(body === undefined ? {} : { body }) })
}

/** `POST /api/accounts/me/mfa/totp`: the pending secret, asserted 200. */
export async function beginEnrollment(server: TestServer, pair: TokenBody, password: string): Promise<{ secret: string; otpauthUri: string }> {
  const started = await asUser(server, pair, 'POST', '/api/accounts/me/mfa/totp', { currentPassword: password })
  assert.equal(started.status, 200, started.text)
  return started.body as { secret: string; otpauthUri: string }
}

/**
 * Registers (unless given) a user, logs in, and turns the factor on with the current code; the
 * clock then moves one step on, so the next code is not a replay of the confirmation's.
 */
export async function enroll(server: TestServer, given?: { user: User; pair?: TokenBody }): Promise<Enrolled> {
  const user = given?.user ?? (await server.register())
  const pair = given?.pair ?? (await server.login(user.userName, user.password))
  const { secret, otpauthUri } = await beginEnrollment(server, pair, user.password)
  const confirmed = await asUser(server, pair, 'POST', '/api/accounts/me/mfa/totp/confirm', { code: codeAt(secret, server.clock.now()) })
  assert.equal(confirmed.status, 200, confirmed.text)
  server.clock.advance(STEP_MS)
  return { user, pair, secret, otpauthUri, recoveryCodes: confirmed.body.recoveryCodes as string[] }
}

/** The first step of a login: the password. */
export function passwordStep(server: TestServer, user: { userName: string; password: string }): Promise<TestResponse> {
  return server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: user.password } })
}

/** The first step of a login of a user whose factor is on: its mfaToken, asserted 403 mfa_required. */
export async function mfaTokenFor(server: TestServer, user: { userName: string; password: string }): Promise<string> {
  const first = await passwordStep(server, user)
  assert.equal(first.status, 403, first.text)
  assert.equal(first.body.code, 'mfa_required')
  return first.body.mfaToken as string
}

/** The second step of a login: `POST /api/auth/login/mfa`. */
export function secondStep(server: TestServer, mfaToken: unknown, code: unknown): Promise<TestResponse> {
  return server.request('POST', '/api/auth/login/mfa', { body: { mfaToken, code } })
}

/** Asserts a problem answer's status and code. */
export function assertProblem(response: TestResponse, status: number, code: string, context = ''): void {
  assert.equal(response.status, status, `${context} ${response.text}`)
  assert.equal(response.body.code, code, `${context} ${response.text}`)
}

/** A Log that keeps every line as JSON text, to search for what must never be there. */
export function capturingLog(): Log & { lines: string[] } {
  const lines: string[] = []
  const keep = (fields: object, message: string) => lines.push(JSON.stringify({ ...fields, msg: message }))
  return { lines, info: keep, warn: keep, error: keep }
}

/**
 * The real argon2id hasher (a third-party dependency), wrapped so a test can hold the next
 * `verify` — the password check of a login — while it does something meanwhile.
 */
export function gatedHasher(): PasswordHasher & { holdNextVerify(): { reached: Promise<void>; release(): void } } {
  const inner = createPasswordHasher({ maxQueueWaitMs: TESTS_QUEUE_WAIT_MS })
  let gate: { reached: () => void; released: Promise<void> } | undefined
  return {
    async verify(stored, password) {
      const held = gate
      gate = undefined
      if (held !== undefined) {
        held.reached()
        await held.released
      }
      return inner.verify(stored, password)
    },
    hash: (password) => inner.hash(password),
    verifyDummy: (password) => inner.verifyDummy(password),
    needsRehash: (stored) => inner.needsRehash(stored),
    close: () => inner.close(),
    holdNextVerify() {
      let reached = () => {}
      let release = () => {}
      const reachedPromise = new Promise<void>((resolve) => (reached = resolve))
      const released = new Promise<void>((resolve) => (release = resolve))
      gate = { reached, released }
      return { reached: reachedPromise, release }
    },
  }
}
