import { ACCOUNT_FAILURE_LIMIT, ACCOUNT_FAILURE_WINDOW_MS, accountLockedUntil, isKnownAddress } from '../domain/account-lock.js'
import { type AttemptDecision, type BackOffState, decideAttempt, subjectKey, withReservation, worthKeeping } from '../domain/back-off.js'
import { ipGroup } from '../domain/ip-group.js'
import { secondsUntil } from '../domain/wait.js'
import { AppError } from '../errors.js'
import type { AttemptKey, ClientInfo } from '../persistence/store.js'
import type { AuthContext } from './context.js'

export type AttemptContext = Pick<AuthContext, 'config' | 'clock' | 'store' | 'log'>

/** A password check that `guardAttempt` let through: a login, or a password change's current password. */
export interface Attempt {
  readonly key: AttemptKey
  /** The account, when the identifier named one. */
  readonly userId: string | undefined
  readonly client: ClientInfo
  /** Counted as in flight until it is recorded as failed or successful, or ended. */
  reserved: boolean
}

export interface AttemptRequest {
  /** The account the identifier names, if any. */
  userId?: string | undefined
  /** What the client typed, for an identifier that names no account (never logged). */
  identifier?: string | undefined
  client: ClientInfo
}

/** A user id no account has (ids are 16 base64url characters). */
const NO_ACCOUNT = ''

/** The back-off row that carries the flood rule's once-an-hour notice: no IP group is upper-case. */
const EVERY_ADDRESS = 'ALL'

/**
 * Contract §4.5, before any password is checked. Throws `too_many_requests` (with
 * `retryAfterSeconds`) while this client's IP group must wait for this account key, or while
 * the account, after 100 failures in an hour, refuses addresses that have not logged into it in
 * 30 days. A refused attempt is neither checked nor counted. Give the attempt to
 * `recordFailedAttempt` or `recordSuccessfulLogin`, and in any case to `endAttempt` (`finally`).
 */
export async function guardAttempt(ctx: AttemptContext, request: AttemptRequest): Promise<Attempt> {
  const nowMs = ctx.clock.now()
  const key = { subjectKey: subjectKey(request), ipKey: ipGroup(request.client.ipAddress ?? '') }
  const attempt: Attempt = { key, userId: request.userId, client: request.client, reserved: false }
  // Read for an unknown identifier too (it finds nothing), so the answer's time does not tell
  // whether the identifier names an account.
  await refuseStrangersOfFloodedAccount(ctx, attempt, attempt.userId ?? NO_ACCOUNT, nowMs)

  const decide = (state: BackOffState) => decideAttempt(state, nowMs, ctx.config.loginMaxFailures)
  const seen = await ctx.store.findBackOff(key)
  const glance: AttemptDecision = seen === undefined ? { kind: 'proceed', reserve: false } : decide(seen)
  // Most attempts come from a key without recent failures: no write, nothing to serialise.
  if (glance.kind === 'proceed' && !glance.reserve) return attempt
  if (glance.kind === 'wait' && !glance.notice) throw tooManyAttempts(glance.retryAfterSeconds)

  // Reserving a place, or the first refusal of a wait: decided again under the row's lock.
  const decision = await ctx.store.changeBackOff<AttemptDecision>(key, (state) => {
    const verdict = decide(state)
    if (verdict.kind === 'proceed') return { next: verdict.reserve ? withReservation(state, nowMs) : worthKeeping(state, nowMs), verdict }
    return { next: verdict.notice ? { ...state, throttleNoticedAtMs: nowMs } : state, verdict }
  })
  if (decision.kind === 'proceed') {
    attempt.reserved = decision.reserve
    return attempt
  }
  if (decision.notice) await noticeThrottling(ctx, attempt, nowMs)
  throw tooManyAttempts(decision.retryAfterSeconds)
}

async function refuseStrangersOfFloodedAccount(ctx: AttemptContext, attempt: Attempt, userId: string, nowMs: number): Promise<void> {
  const lockedUntilMs = accountLockedUntil(await ctx.store.nthLatestLoginFailure(userId, ACCOUNT_FAILURE_LIMIT), nowMs)
  if (lockedUntilMs === undefined) return
  // The owner's own addresses may still try, so a flood from elsewhere cannot lock them out.
  if (isKnownAddress(await ctx.store.lastLoginFrom({ userId, ipKey: attempt.key.ipKey }), nowMs)) return
  const noticeKey = { subjectKey: attempt.key.subjectKey, ipKey: EVERY_ADDRESS }
  const dueNotice = (state: BackOffState) => nowMs - state.throttleNoticedAtMs >= ACCOUNT_FAILURE_WINDOW_MS
  const seen = await ctx.store.findBackOff(noticeKey)
  if (seen === undefined || dueNotice(seen)) {
    const noticed = await ctx.store.changeBackOff(noticeKey, (state) =>
      dueNotice(state) ? { next: { ...state, throttleNoticedAtMs: nowMs }, verdict: true } : { next: state, verdict: false },
    )
    if (noticed) await noticeThrottling(ctx, attempt, nowMs)
  }
  throw tooManyAttempts(secondsUntil(lockedUntilMs, nowMs))
}

/** `login_throttled`, at most once per wait: an event for an account, a log line either way (never the identifier). */
async function noticeThrottling(ctx: AttemptContext, attempt: Attempt, nowMs: number): Promise<void> {
  if (attempt.userId !== undefined) {
    await ctx.store.recordEvent({ userId: attempt.userId, type: 'login_throttled', at: nowMs, client: attempt.client })
  }
  ctx.log.info({ event: 'login_throttled', userId: attempt.userId ?? null }, 'security event')
}

function tooManyAttempts(retryAfterSeconds: number): AppError {
  return new AppError('too_many_requests', 'Too many failed attempts; try again later.', { retryAfterSeconds })
}
