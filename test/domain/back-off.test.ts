import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  afterFailure,
  type AttemptDecision,
  backOffSeconds,
  type BackOffState,
  decideAttempt,
  failuresAt,
  NOTHING_KNOWN,
  RESERVATION_MS,
  subjectKey,
  withoutReservation,
  withReservation,
  worthKeeping,
} from '../../src/domain/back-off.js'

const SECOND = 1000
const HOUR = 3600 * SECOND
/** The last failure; every other time below is an offset from it. */
const T0 = Date.UTC(2026, 10, 30, 12)
const N = 5

function state(changes: Partial<BackOffState> = {}): BackOffState {
  return { ...NOTHING_KNOWN, lastFailureAtMs: T0, ...changes }
}

describe('backOffSeconds: min(2^(k−N), 900) after failure k ≥ N', { timeout: 10_000 }, () => {
  const rows: { k: number; n: number; seconds: number }[] = [
    { k: 0, n: 5, seconds: 0 },
    { k: 4, n: 5, seconds: 0 }, // k = N−1: no wait yet
    { k: 5, n: 5, seconds: 1 }, // k = N
    { k: 6, n: 5, seconds: 2 }, // k = N+1
    { k: 7, n: 5, seconds: 4 },
    { k: 14, n: 5, seconds: 512 },
    { k: 15, n: 5, seconds: 900 }, // 1024 capped
    { k: 1000, n: 5, seconds: 900 }, // large k capped
    { k: 5000, n: 1, seconds: 900 }, // 2^4999 is Infinity: still 900
    { k: 1, n: 1, seconds: 1 },
    { k: 99, n: 100, seconds: 0 },
    { k: 100, n: 100, seconds: 1 },
  ]
  for (const { k, n, seconds } of rows) {
    it(`k=${k}, N=${n} → ${seconds} s`, { timeout: 1_000 }, () => assert.equal(backOffSeconds(k, n), seconds))
  }
})

describe('failuresAt: an hour without a failure resets the count', { timeout: 10_000 }, () => {
  const rows: { name: string; nowMs: number; failures: number }[] = [
    { name: 'just after the failure', nowMs: T0, failures: 7 },
    { name: 'a millisecond short of an hour', nowMs: T0 + HOUR - 1, failures: 7 },
    { name: 'an hour after the failure', nowMs: T0 + HOUR, failures: 0 },
    { name: 'a day later', nowMs: T0 + 24 * HOUR, failures: 0 },
  ]
  for (const row of rows) {
    it(row.name, { timeout: 1_000 }, () => assert.equal(failuresAt(state({ failures: 7 }), row.nowMs), row.failures))
  }
})

describe('decideAttempt', { timeout: 10_000 }, () => {
  const PROCEED_FREE: AttemptDecision = { kind: 'proceed', reserve: false }
  const PROCEED_RESERVED: AttemptDecision = { kind: 'proceed', reserve: true }
  const wait = (retryAfterSeconds: number, notice: boolean): AttemptDecision => ({ kind: 'wait', retryAfterSeconds, notice })
  const rows: { name: string; state: BackOffState; nowMs: number; expected: AttemptDecision }[] = [
    { name: 'nothing known: proceed, nothing to reserve', state: NOTHING_KNOWN, nowMs: T0, expected: PROCEED_FREE },
    { name: 'k = N−1: no wait, the attempt is reserved', state: state({ failures: N - 1 }), nowMs: T0, expected: PROCEED_RESERVED },
    { name: 'k = N−1 recorded after this attempt\'s now (a racing request): no wait', state: state({ failures: N - 1 }), nowMs: T0 - 5, expected: PROCEED_RESERVED },
    { name: 'k = N recorded after this attempt\'s now: waits out the second from the failure', state: state({ failures: N }), nowMs: T0 - 5, expected: wait(2, true) },
    { name: 'k = N: waits 1 s after the failure', state: state({ failures: N }), nowMs: T0, expected: wait(1, true) },
    { name: 'k = N, 999 ms later: still waits, 1 s rounded up', state: state({ failures: N }), nowMs: T0 + 999, expected: wait(1, true) },
    { name: 'k = N, 1 s later: may try', state: state({ failures: N }), nowMs: T0 + SECOND, expected: PROCEED_RESERVED },
    { name: 'k = N+1: waits 2 s', state: state({ failures: N + 1 }), nowMs: T0, expected: wait(2, true) },
    { name: 'k = N+1, 1.5 s later: 1 s left (0.5 rounded up)', state: state({ failures: N + 1 }), nowMs: T0 + 1500, expected: wait(1, true) },
    { name: 'k = N+3, 1 ms later: 8 s rounded up', state: state({ failures: N + 3 }), nowMs: T0 + 1, expected: wait(8, true) },
    { name: 'large k: waits 900 s', state: state({ failures: N + 50 }), nowMs: T0, expected: wait(900, true) },
    { name: 'large k, 900 s later: may try', state: state({ failures: N + 50 }), nowMs: T0 + 900 * SECOND, expected: PROCEED_RESERVED },
    { name: 'an hour without a failure: the count is gone', state: state({ failures: N + 50 }), nowMs: T0 + HOUR, expected: PROCEED_FREE },
    {
      name: 'a wait already noticed is not noticed again',
      state: state({ failures: N + 2, throttleNoticedAtMs: T0 + 10 }),
      nowMs: T0 + 20,
      expected: wait(4, false),
    },
    {
      name: 'a notice of an earlier wait does not cover the new one',
      state: state({ failures: N + 2, throttleNoticedAtMs: T0 - 10 }),
      nowMs: T0 + 20,
      expected: wait(4, true),
    },
    {
      name: 'attempts in flight that could reach the N-th failure: wait 1 s',
      state: state({ failures: N - 2, inFlight: 2, inFlightUntilMs: T0 + RESERVATION_MS }),
      nowMs: T0,
      expected: wait(1, false),
    },
    {
      name: 'attempts in flight that cannot reach it: proceed',
      state: state({ failures: N - 3, inFlight: 2, inFlightUntilMs: T0 + RESERVATION_MS }),
      nowMs: T0,
      expected: PROCEED_RESERVED,
    },
    {
      name: 'past a wait, one attempt at a time',
      state: state({ failures: N + 1, inFlight: 1, inFlightUntilMs: T0 + 10 * SECOND }),
      nowMs: T0 + 2 * SECOND,
      expected: wait(1, false),
    },
    {
      name: 'a lapsed reservation no longer counts',
      state: state({ failures: N + 1, inFlight: 1, inFlightUntilMs: T0 + 2 * SECOND }),
      nowMs: T0 + 2 * SECOND,
      expected: PROCEED_RESERVED,
    },
  ]
  for (const row of rows) {
    it(row.name, { timeout: 1_000 }, () => assert.deepEqual(decideAttempt(row.state, row.nowMs, N), row.expected))
  }
})

describe('state changes', { timeout: 10_000 }, () => {
  it('counts a failure and gives back its reservation', { timeout: 1_000 }, () => {
    const reserved = withReservation(state({ failures: 2 }), T0 + SECOND)
    assert.deepEqual(reserved, state({ failures: 2, inFlight: 1, inFlightUntilMs: T0 + SECOND + RESERVATION_MS }))
    assert.deepEqual(afterFailure(reserved, T0 + 2 * SECOND, true), state({ failures: 3, lastFailureAtMs: T0 + 2 * SECOND, inFlight: 0, inFlightUntilMs: reserved.inFlightUntilMs }))
  })

  it('starts counting from one again after an hour without a failure', { timeout: 1_000 }, () => {
    assert.equal(afterFailure(state({ failures: 40 }), T0 + HOUR, false).failures, 1)
    assert.equal(afterFailure(state({ failures: 40 }), T0 + HOUR - 1, false).failures, 41)
  })

  it('keeps a state only while it holds failures or live reservations', { timeout: 1_000 }, () => {
    assert.equal(worthKeeping(withoutReservation(withReservation(NOTHING_KNOWN, T0)), T0), undefined)
    assert.equal(worthKeeping(state({ failures: 1 }), T0 + HOUR), undefined)
    assert.ok(worthKeeping(state({ failures: 1 }), T0 + HOUR - 1))
    assert.ok(worthKeeping(withReservation(NOTHING_KNOWN, T0), T0))
    assert.equal(withoutReservation(NOTHING_KNOWN).inFlight, 0)
  })
})

describe('subjectKey', { timeout: 10_000 }, () => {
  it('is the account when the identifier names one', { timeout: 1_000 }, () => {
    assert.equal(subjectKey({ userId: 'u1', identifier: 'Ada' }), 'user:u1')
  })
  it('is the lower-cased identifier otherwise, hashed, never the identifier itself', { timeout: 1_000 }, () => {
    const key = subjectKey({ identifier: 'Nobody.Here@Example.com' })
    assert.equal(key, subjectKey({ identifier: 'nobody.here@example.com' }))
    assert.notEqual(key, subjectKey({ identifier: 'somebody.else@example.com' }))
    assert.ok(!key.toLowerCase().includes('nobody'))
  })
})
