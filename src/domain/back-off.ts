import { createHash } from 'node:crypto'
import { secondsUntil } from './wait.js'

// Login back-off (contract §4.5), per (account key, client IP group): after failure k ≥ N
// (`LOGIN_MAX_FAILURES`) that IP's next attempt for that key waits min(2^(k−N), 900) s after
// the failure. A success from the IP, or an hour without a failure from it, resets its count.

export const BACK_OFF_CAP_SECONDS = 900
/** An hour without a failure from an IP forgets its count. */
export const FAILURE_MEMORY_MS = 60 * 60 * 1000
/** How long an attempt admitted while the key is counting may take before its reservation lapses. */
export const RESERVATION_MS = 30_000

/** What the database keeps per (account key, IP group). Zeros mean "nothing known". */
export interface BackOffState {
  failures: number
  lastFailureAtMs: number
  /** Attempts admitted and still being checked (password hashing), while `inFlightUntilMs`. */
  inFlight: number
  inFlightUntilMs: number
  /** When `login_throttled` was last recorded for this key, so it is recorded once per wait. */
  throttleNoticedAtMs: number
}

export const NOTHING_KNOWN: BackOffState = { failures: 0, lastFailureAtMs: 0, inFlight: 0, inFlightUntilMs: 0, throttleNoticedAtMs: 0 }

export type AttemptDecision =
  /** `reserve`: count the attempt as in flight until it is decided (the key has recent failures). */
  | { kind: 'proceed'; reserve: boolean }
  /** `notice`: the first refusal of this wait, to be recorded as `login_throttled`. */
  | { kind: 'wait'; retryAfterSeconds: number; notice: boolean }

/** Seconds failure number `failures` makes the next attempt wait: none before the N-th, then 1, 2, 4 … 900. */
export function backOffSeconds(failures: number, maxFailures: number): number {
  if (failures < maxFailures) return 0
  return Math.min(2 ** (failures - maxFailures), BACK_OFF_CAP_SECONDS)
}

/** The failures still counted at `nowMs`: an hour without a failure resets the count. */
export function failuresAt(state: BackOffState, nowMs: number): number {
  return nowMs - state.lastFailureAtMs >= FAILURE_MEMORY_MS ? 0 : state.failures
}

/** May an attempt at `nowMs` be checked, given what is known of its (key, IP)? */
export function decideAttempt(state: BackOffState, nowMs: number, maxFailures: number): AttemptDecision {
  const failures = failuresAt(state, nowMs)
  // No recent failure: nothing to wait for and nothing to serialise, so logins racing one
  // another from one address (scripts, tabs) all go through.
  if (failures === 0) return { kind: 'proceed', reserve: false }
  const backOffMs = backOffSeconds(failures, maxFailures) * 1000
  const waitUntilMs = state.lastFailureAtMs + backOffMs
  // Below the N-th failure nothing waits — even when a racing request (or another process's
  // clock) recorded its failure at an instant later than this attempt's `nowMs`.
  if (backOffMs > 0 && nowMs < waitUntilMs) {
    return { kind: 'wait', retryAfterSeconds: secondsUntil(waitUntilMs, nowMs), notice: state.throttleNoticedAtMs < state.lastFailureAtMs }
  }
  // Attempts still being checked may each fail: a burst sent at once must not get past the
  // N-th failure, or past a wait's end, before the waits it causes are known.
  const inFlight = inFlightAt(state, nowMs)
  if (inFlight > 0 && failures + inFlight >= maxFailures) return { kind: 'wait', retryAfterSeconds: 1, notice: false }
  return { kind: 'proceed', reserve: true }
}

export function withReservation(state: BackOffState, nowMs: number): BackOffState {
  return { ...state, inFlight: inFlightAt(state, nowMs) + 1, inFlightUntilMs: nowMs + RESERVATION_MS }
}

export function withoutReservation(state: BackOffState): BackOffState {
  return { ...state, inFlight: Math.max(0, state.inFlight - 1) }
}

/** The state after a failed attempt at `nowMs` (one that held a reservation gives it back). */
export function afterFailure(state: BackOffState, nowMs: number, reserved: boolean): BackOffState {
  const settled = reserved ? withoutReservation(state) : state
  return { ...settled, failures: failuresAt(state, nowMs) + 1, lastFailureAtMs: nowMs }
}

/** Undefined when the state holds nothing worth keeping (no failures, nothing in flight). */
export function worthKeeping(state: BackOffState, nowMs: number): BackOffState | undefined {
  return failuresAt(state, nowMs) === 0 && inFlightAt(state, nowMs) === 0 ? undefined : state
}

function inFlightAt(state: BackOffState, nowMs: number): number {
  // A reservation whose attempt never reported back (a crash) lapses instead of blocking the key.
  return nowMs < state.inFlightUntilMs ? state.inFlight : 0
}

/**
 * The account key of an attempt: the account when the identifier names one, else the lower-cased
 * identifier, hashed, so that what strangers type (a password in the wrong field, say) is not
 * kept in the database.
 */
export function subjectKey(attempt: { userId?: string | undefined; identifier?: string | undefined }): string {
  if (attempt.userId !== undefined) return `user:${attempt.userId}`
  const digest = createHash('sha256').update((attempt.identifier ?? '').toLowerCase(), 'utf8').digest('base64url')
  return `name:${digest}`
}
