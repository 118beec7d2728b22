import { discardBody } from './http-request.js'
import type { SessionTokens } from './session-tokens.js'
import type { StoredTokens } from './token-storage.js'

/** What a `401` says about the access token that was sent. */
type Unauthorized = 'expired' | 'ended' | 'other'

/**
 * Sends a request with the session's access token (refreshed first when due). A `401` with
 * `Token-Expired: true` refreshes (once for all concurrent callers) and retries the request once;
 * a `401 invalid_token` without it means the session has ended: the client signs out (no refresh,
 * so no loop). Any other answer is returned as it is. `send` must be callable twice.
 */
export async function fetchWithSession(
  session: SessionTokens,
  now: () => number,
  send: (accessToken: string | undefined) => Promise<Response>,
): Promise<Response> {
  const used = await session.forRequest()
  const first = await send(used?.accessToken)
  if (first.status !== 401 || used === undefined) return first
  const verdict = classifyUnauthorized(first, used, now())
  if (verdict === 'other') return first
  if (verdict === 'ended') {
    await session.end(used, 'token_rejected')
    return first
  }
  await discardBody(first)
  const fresh = await session.refresh(used)
  const second = await send(fresh.accessToken)
  if (second.status === 401 && classifyUnauthorized(second, fresh, now()) === 'ended') await session.end(fresh, 'token_rejected')
  return second
}

function classifyUnauthorized(response: Response, sent: StoredTokens, nowMs: number): Unauthorized {
  if (response.headers.get('token-expired')?.trim().toLowerCase() === 'true') return 'expired'
  // RFC 6750: only an invalid_token challenge is about the token itself (not a missing one).
  if (!/\berror="?invalid_token\b/i.test(response.headers.get('www-authenticate') ?? '')) return 'other'
  // An API that does not send Token-Expired: trust our own clock for an expired token.
  return nowMs >= sent.expiresAtMs ? 'expired' : 'ended'
}
