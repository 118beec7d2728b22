import { isLatchkeyError } from './latchkey-error.js'
import { createRefreshTimer } from './refresh-timer.js'
import { refreshAtMs } from './token-lifetime.js'
import type { StoredTokens } from './token-storage.js'

/** A failed proactive refresh is tried again this soon (while the token still works). */
const RETRY_MS = 5_000

export interface ProactiveRefresh {
  /** Plans the refresh of `tokens` ahead of their expiry, replacing any earlier plan. */
  schedule(tokens: StoredTokens): void
  cancel(): void
}

/** Refreshes the stored tokens shortly before they expire, on a jittered, unref'd timer. */
export function createProactiveRefresh(deps: {
  now: () => number
  refreshAheadMs: number
  read: () => Promise<StoredTokens | undefined>
  refresh: (used: StoredTokens) => Promise<StoredTokens>
}): ProactiveRefresh {
  const { now } = deps
  const timer = createRefreshTimer()

  const schedule = (tokens: StoredTokens): void => {
    const atMs = refreshAtMs(tokens, deps.refreshAheadMs, Math.random() * 2 - 1)
    timer.set(atMs - now(), () => void fire(tokens.refreshToken, atMs))
  }

  async function fire(plannedFor: string, atMs: number): Promise<void> {
    const tokens = await deps.read()
    if (tokens === undefined) return
    // Refreshed meanwhile (by a request, or another tab): plan for the new tokens.
    if (tokens.refreshToken !== plannedFor) return schedule(tokens)
    // The clock (the `now` option) may disagree with the timer: wait for it.
    if (now() < atMs) return timer.set(atMs - now(), () => void fire(plannedFor, atMs))
    try {
      await deps.refresh(tokens) // on success the new tokens are scheduled by whoever stores them
    } catch (error) {
      const leftMs = tokens.expiresAtMs - now()
      if (!isLatchkeyError(error, 'session_ended') && leftMs > 0) {
        timer.set(Math.min(RETRY_MS, leftMs / 2), () => void fire(plannedFor, atMs))
      }
    }
  }

  return { schedule, cancel: () => timer.cancel() }
}
