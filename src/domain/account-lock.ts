// The flood rule (contract §4.5): once an account has had 100 failures in the last hour, from
// any address, only addresses (IP groups) that logged into it in the last 30 days may still try.

export const ACCOUNT_FAILURE_LIMIT = 100
export const ACCOUNT_FAILURE_WINDOW_MS = 60 * 60 * 1000
export const KNOWN_ADDRESS_MS = 30 * 24 * 60 * 60 * 1000

/**
 * Until when the account refuses unknown addresses, given the instant of its 100th most recent
 * failure: the hour's count drops below 100 when that failure leaves the window. Undefined when
 * the account is not locked (fewer than 100 failures, or the 100th is over an hour old).
 */
export function accountLockedUntil(hundredthLatestFailureAtMs: number | undefined, nowMs: number): number | undefined {
  if (hundredthLatestFailureAtMs === undefined) return undefined
  const untilMs = hundredthLatestFailureAtMs + ACCOUNT_FAILURE_WINDOW_MS
  return nowMs < untilMs ? untilMs : undefined
}

/** Did a successful login at `lastLoginAtMs` (if any) make the address known to the account at `nowMs`? */
export function isKnownAddress(lastLoginAtMs: number | undefined, nowMs: number): boolean {
  return lastLoginAtMs !== undefined && nowMs - lastLoginAtMs < KNOWN_ADDRESS_MS
}
