// Contract §9: a mail that cannot be delivered is retried with growing delays for at least 24
// hours, so an SMTP outage of minutes (or a day) loses nothing.

/** The first retry waits this long; each further one twice as long as the one before … */
export const FIRST_RETRY_MS = 2_000
/** … up to this: once SMTP is back, a waiting mail leaves within five minutes. */
export const MAX_RETRY_MS = 5 * 60_000
/** A mail still undelivered this long after it was queued is given up (its link has expired anyway). */
export const GIVE_UP_AFTER_MS = 48 * 60 * 60_000

/** When a mail whose `attempts`-th delivery just failed is tried again; undefined: give up. */
export function nextAttemptAt(mail: { createdAt: number; attempts: number }, nowMs: number): number | undefined {
  if (nowMs - mail.createdAt >= GIVE_UP_AFTER_MS) return undefined
  const doublings = Math.min(Math.max(mail.attempts - 1, 0), 30)
  return nowMs + Math.min(FIRST_RETRY_MS * 2 ** doublings, MAX_RETRY_MS)
}
