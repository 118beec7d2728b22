import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decideRefresh, idleExpiry, type RefreshDecision, type RefreshTokenRecord } from '../../src/domain/session.js'

const SECOND = 1000
const HOUR = 3600 * SECOND
/** The token's issue time; every other time below is an offset from it. */
const T0 = Date.UTC(2026, 10, 26, 12)
const REFRESH_TTL = 5 * 24 * HOUR
const SESSION_TTL = 30 * 24 * HOUR

/** A live session's newest token, unused, issued at T0 (contract defaults for every TTL). */
function token(
  changes: Partial<Omit<RefreshTokenRecord, 'session'>> & { session?: Partial<RefreshTokenRecord['session']> } = {},
): RefreshTokenRecord {
  const { session, ...own } = changes
  return {
    id: 'token-1',
    sessionId: 'session-1',
    userId: 'user-1',
    issuedAt: T0,
    expiresAt: T0 + REFRESH_TTL,
    usedAt: null,
    successorId: null,
    successorSealed: null,
    session: { endedAt: null, expiresAt: T0 + REFRESH_TTL, absoluteExpiresAt: T0 + SESSION_TTL, amr: ['pwd'], ...session },
    user: { userName: 'ada', roles: ['api_access'], disabled: false },
    ...own,
  }
}

/** The same token once used at `usedAtMs`: its successor recorded and still sealed on the row. */
function used(usedAtMs: number, changes: Parameters<typeof token>[0] = {}): RefreshTokenRecord {
  return token({ usedAt: usedAtMs, successorId: 'token-2', successorSealed: 'sealed-token-2', ...changes })
}

const USED_AT = T0 + HOUR
const GRACE: RefreshDecision = { kind: 'grace', successorId: 'token-2', successorSealed: 'sealed-token-2' }
const ROTATE: RefreshDecision = { kind: 'rotate' }
const REUSE: RefreshDecision = { kind: 'reuse' }
const REJECT: RefreshDecision = { kind: 'reject' }

interface DecideRow {
  name: string
  record: RefreshTokenRecord
  nowMs: number
  graceSeconds: number
  expected: RefreshDecision
}

// "The successor has already been presented" is not in the record: the store's atomic grace claim
// (claimGraceSuccessor) decides it, and refreshSession turns a lost claim into reuse. An unknown
// token never reaches decideRefresh either (refreshSession answers invalid_grant first).
const decideRows: DecideRow[] = [
  // A disabled user (§8): refused whatever the token, never reuse.
  { name: 'rejects an unused token of a disabled user', record: token({ user: { userName: 'ada', roles: ['api_access'], disabled: true } }), nowMs: T0 + HOUR, graceSeconds: 10, expected: REJECT },
  { name: 'rejects a used token of a disabled user, with no reuse', record: used(USED_AT, { user: { userName: 'ada', roles: [], disabled: true } }), nowMs: USED_AT + HOUR, graceSeconds: 10, expected: REJECT },
  // Unused tokens (§4.2): once, within REFRESH_TOKEN_TTL, within the session.
  { name: 'rotates an unused token of a live session', record: token(), nowMs: T0 + HOUR, graceSeconds: 10, expected: ROTATE },
  { name: 'rotates an unused token at the instant it is issued', record: token(), nowMs: T0, graceSeconds: 10, expected: ROTATE },
  { name: 'rotates an unused token 1 ms before it expires', record: token({ session: { expiresAt: T0 + 2 * REFRESH_TTL } }), nowMs: T0 + REFRESH_TTL - 1, graceSeconds: 10, expected: ROTATE },
  { name: 'rejects an unused token at the instant it expires', record: token({ session: { expiresAt: T0 + 2 * REFRESH_TTL } }), nowMs: T0 + REFRESH_TTL, graceSeconds: 10, expected: REJECT },
  { name: 'rejects an unused token after it expired, with no reuse', record: token({ session: { expiresAt: T0 + 2 * REFRESH_TTL } }), nowMs: T0 + REFRESH_TTL + HOUR, graceSeconds: 10, expected: REJECT },

  // Grace (§4.3): strictly now − usedAt < grace.
  { name: 'hands back the same successor when the used token comes back at once', record: used(USED_AT), nowMs: USED_AT, graceSeconds: 10, expected: GRACE },
  { name: 'hands back the same successor at now − usedAt = grace − 1 ms', record: used(USED_AT), nowMs: USED_AT + 10 * SECOND - 1, graceSeconds: 10, expected: GRACE },
  { name: 'detects reuse at now − usedAt = grace exactly (strictly less)', record: used(USED_AT), nowMs: USED_AT + 10 * SECOND, graceSeconds: 10, expected: REUSE },
  { name: 'detects reuse at now − usedAt = grace + 1 ms', record: used(USED_AT), nowMs: USED_AT + 10 * SECOND + 1, graceSeconds: 10, expected: REUSE },
  { name: 'hands back the successor at grace − 1 ms with a 1-second grace', record: used(USED_AT), nowMs: USED_AT + 999, graceSeconds: 1, expected: GRACE },
  { name: 'detects reuse at 1 s with a 1-second grace', record: used(USED_AT), nowMs: USED_AT + SECOND, graceSeconds: 1, expected: REUSE },
  { name: 'hands back the successor at grace − 1 ms with the largest grace (60 s)', record: used(USED_AT), nowMs: USED_AT + 60 * SECOND - 1, graceSeconds: 60, expected: GRACE },
  { name: 'detects reuse at 60 s with the largest grace (60 s)', record: used(USED_AT), nowMs: USED_AT + 60 * SECOND, graceSeconds: 60, expected: REUSE },
  { name: 'never grants grace when the grace is 0, even in the same millisecond', record: used(USED_AT), nowMs: USED_AT, graceSeconds: 0, expected: REUSE },
  { name: 'detects reuse 1 ms after use when the grace is 0', record: used(USED_AT), nowMs: USED_AT + 1, graceSeconds: 0, expected: REUSE },
  { name: 'treats a usedAt a little ahead of now (another instance’s clock) as within the grace', record: used(USED_AT), nowMs: USED_AT - 5, graceSeconds: 10, expected: GRACE },
  { name: 'detects reuse within the grace when the successor was already erased', record: used(USED_AT, { successorSealed: null }), nowMs: USED_AT + SECOND, graceSeconds: 10, expected: REUSE },
  { name: 'detects reuse within the grace when no successor is recorded', record: used(USED_AT, { successorId: null, successorSealed: null }), nowMs: USED_AT + SECOND, graceSeconds: 10, expected: REUSE },
  { name: 'detects reuse of an older ancestor, its successor long erased', record: used(T0 + SECOND, { successorSealed: null }), nowMs: T0 + 2 * HOUR, graceSeconds: 10, expected: REUSE },

  // A used token past its own expiry: reuse while the session lives (README "Decisions").
  { name: 'detects reuse of a used token presented after its own expiry while the session lives', record: used(USED_AT, { session: { expiresAt: T0 + 2 * REFRESH_TTL } }), nowMs: T0 + REFRESH_TTL + HOUR, graceSeconds: 10, expected: REUSE },
  { name: 'hands back the successor within the grace even when the used token expired meanwhile', record: used(T0 + REFRESH_TTL - SECOND, { session: { expiresAt: T0 + 2 * REFRESH_TTL } }), nowMs: T0 + REFRESH_TTL + SECOND, graceSeconds: 10, expected: GRACE },

  // Sessions that are over: reject, never reuse (§4.3 "a session that ended some other way").
  { name: 'rejects an unused token of an ended session', record: token({ session: { endedAt: T0 + HOUR } }), nowMs: T0 + 2 * HOUR, graceSeconds: 10, expected: REJECT },
  { name: 'rejects a used token of an ended session, outside the grace, without reuse', record: used(USED_AT, { session: { endedAt: USED_AT + HOUR } }), nowMs: USED_AT + 2 * HOUR, graceSeconds: 10, expected: REJECT },
  { name: 'rejects a used token of an ended session, within the grace', record: used(USED_AT, { session: { endedAt: USED_AT } }), nowMs: USED_AT + SECOND, graceSeconds: 10, expected: REJECT },
  { name: 'rejects an unused token of a session ended in the same millisecond', record: token({ session: { endedAt: T0 + HOUR } }), nowMs: T0 + HOUR, graceSeconds: 10, expected: REJECT },
  { name: 'rotates an unused token 1 ms before its session goes idle', record: token({ expiresAt: T0 + 2 * REFRESH_TTL }), nowMs: T0 + REFRESH_TTL - 1, graceSeconds: 10, expected: ROTATE },
  { name: 'rejects an unused token at the instant its session goes idle', record: token({ expiresAt: T0 + 2 * REFRESH_TTL }), nowMs: T0 + REFRESH_TTL, graceSeconds: 10, expected: REJECT },
  { name: 'rejects a used token, within the grace, once its session went idle', record: used(T0 + REFRESH_TTL - SECOND), nowMs: T0 + REFRESH_TTL, graceSeconds: 10, expected: REJECT },
  { name: 'rejects a used token, outside the grace, once its session went idle', record: used(USED_AT), nowMs: T0 + REFRESH_TTL + HOUR, graceSeconds: 10, expected: REJECT },
  {
    name: 'rotates an unused token 1 ms before the session’s absolute end',
    record: token({ expiresAt: T0 + 2 * SESSION_TTL, session: { expiresAt: T0 + 2 * SESSION_TTL } }),
    nowMs: T0 + SESSION_TTL - 1,
    graceSeconds: 10,
    expected: ROTATE,
  },
  {
    name: 'rejects an unused token at the session’s absolute end, whatever the idle end says',
    record: token({ expiresAt: T0 + 2 * SESSION_TTL, session: { expiresAt: T0 + 2 * SESSION_TTL } }),
    nowMs: T0 + SESSION_TTL,
    graceSeconds: 10,
    expected: REJECT,
  },
  {
    name: 'rejects a used token, outside the grace, past the session’s absolute end',
    record: used(USED_AT, { session: { expiresAt: T0 + 2 * SESSION_TTL } }),
    nowMs: T0 + SESSION_TTL + HOUR,
    graceSeconds: 10,
    expected: REJECT,
  },
  {
    name: 'rejects a used token, within the grace, at the session’s absolute end',
    record: used(T0 + SESSION_TTL - SECOND, { session: { expiresAt: T0 + 2 * SESSION_TTL } }),
    nowMs: T0 + SESSION_TTL,
    graceSeconds: 10,
    expected: REJECT,
  },
]

interface IdleRow {
  name: string
  nowMs: number
  refreshTokenTtlSeconds: number
  absoluteExpiresAt: number
  expected: number
}

const idleRows: IdleRow[] = [
  { name: 'is now + REFRESH_TOKEN_TTL well before the absolute end', nowMs: T0, refreshTokenTtlSeconds: 432_000, absoluteExpiresAt: T0 + SESSION_TTL, expected: T0 + REFRESH_TTL },
  { name: 'is the absolute end when now + REFRESH_TOKEN_TTL would pass it', nowMs: T0 + SESSION_TTL - HOUR, refreshTokenTtlSeconds: 432_000, absoluteExpiresAt: T0 + SESSION_TTL, expected: T0 + SESSION_TTL },
  { name: 'is both when now + REFRESH_TOKEN_TTL meets the absolute end exactly', nowMs: T0 + SESSION_TTL - REFRESH_TTL, refreshTokenTtlSeconds: 432_000, absoluteExpiresAt: T0 + SESSION_TTL, expected: T0 + SESSION_TTL },
  { name: 'is the absolute end when REFRESH_TOKEN_TTL equals SESSION_TTL at login', nowMs: T0, refreshTokenTtlSeconds: 2_592_000, absoluteExpiresAt: T0 + SESSION_TTL, expected: T0 + SESSION_TTL },
  { name: 'counts REFRESH_TOKEN_TTL in seconds', nowMs: T0, refreshTokenTtlSeconds: 1, absoluteExpiresAt: T0 + SESSION_TTL, expected: T0 + SECOND },
  { name: 'never extends a session past an absolute end already reached', nowMs: T0 + SESSION_TTL, refreshTokenTtlSeconds: 432_000, absoluteExpiresAt: T0 + SESSION_TTL, expected: T0 + SESSION_TTL },
]

describe('decideRefresh: rotate, grace, reuse or reject (contract §4.2–4.3)', { timeout: 10_000 }, () => {
  for (const row of decideRows) {
    it(row.name, () => {
      assert.deepEqual(decideRefresh(row.record, row.nowMs, row.graceSeconds), row.expected)
    })
  }
})

describe('idleExpiry: when a session refreshed now next goes idle', { timeout: 10_000 }, () => {
  for (const row of idleRows) {
    it(row.name, () => {
      assert.equal(idleExpiry(row.nowMs, row.refreshTokenTtlSeconds, row.absoluteExpiresAt), row.expected)
    })
  }
})
