import type { AccessTokenCheck, AccessTokenClaims } from '../crypto/access-tokens.js'
import type { KeyRing } from './key-ring.js'
import type { RevocationList } from './revocation-list.js'

/** What bearer authentication reads: the keys and the ended sessions, both in memory. */
export interface Verifiers {
  readonly keys: Pick<KeyRing, 'verifyNow' | 'verify'>
  readonly revocations: Pick<RevocationList, 'isEnded'>
}

/** A refusal is `invalid_token` (contract §3): `reason` is safe to show, `tokenExpired` sets `Token-Expired`. */
export type Authentication = { ok: true; claims: AccessTokenClaims } | { ok: false; reason: string; tokenExpired: boolean }

/**
 * Checks a bearer token in the contract's order: header, signature, iss/aud/nbf, exp, then
 * that its session has not ended (from memory, no database read). `Token-Expired` is set only
 * when every check but `exp` passed, the session's included.
 *
 * Answers at once when it can (a token verified before: the usual case, kept free of
 * promises); a new token waits for its signature check, one naming an unknown key for the
 * key reload.
 */
export function authenticate(
  ctx: Verifiers,
  token: string,
): Authentication | Promise<Authentication> {
  if (token === '') return refused('The token is empty.')
  const check = ctx.keys.verifyNow(token)
  if (check === undefined) return ctx.keys.verify(token).then((reloaded) => decide(ctx, reloaded))
  if (check instanceof Promise) return check.then((settled) => decide(ctx, settled))
  return decide(ctx, check)
}

function decide(ctx: Pick<Verifiers, 'revocations'>, check: AccessTokenCheck): Authentication {
  if (check.ok) {
    // The session check runs on every request, cached token or not: an ended session is dead at once.
    return ctx.revocations.isEnded(check.claims.sid) ? refused('The session has ended.') : check
  }
  // Token-Expired invites a refresh: never for a token whose session has ended, expired or not.
  if (check.expired && check.claims !== undefined && ctx.revocations.isEnded(check.claims.sid)) {
    return refused('The session has ended.')
  }
  return refused(check.reason, check.expired)
}

function refused(reason: string, tokenExpired = false): Authentication {
  return { ok: false, reason, tokenExpired }
}
