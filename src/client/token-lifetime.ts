import { decodeJwtClaims } from './jwt-claims.js'
import type { StoredTokens } from './token-storage.js'
import type { TokenResponse } from './wire-types.js'

/** `iat` and `exp` are whole seconds: the server signed somewhere in the second after `iat`. */
const SECOND_ROUNDING_MS = 1000
/** The timer's spread, as a share of the lead time: ±10 %. */
const JITTER_SHARE = 0.1

/**
 * The tokens of a login or refresh answer, with the access token's life placed on this device's
 * clock. The life is `exp − iat` of the JWT (read without verifying; `expiresIn` if it cannot be
 * read), counted from the moment the answer arrived, so a device clock minutes away from the
 * server's changes nothing. Because `iat` is rounded down, the token may have up to a second less
 * than that to live: the worst case is assumed, keeping at least half of the life.
 */
export function tokensFromResponse(response: TokenResponse, receivedAtMs: number): StoredTokens {
  const claims = decodeJwtClaims(response.accessToken.token)
  const lifeSeconds = claims?.exp !== undefined && claims.iat !== undefined ? claims.exp - claims.iat : response.accessToken.expiresIn
  const nominalMs = Math.max(0, lifeSeconds * 1000)
  const lifeMs = Math.max(nominalMs - SECOND_ROUNDING_MS, nominalMs / 2)
  return {
    accessToken: response.accessToken.token,
    refreshToken: response.refreshToken,
    receivedAtMs,
    expiresAtMs: receivedAtMs + lifeMs,
  }
}

/**
 * When to refresh `tokens` ahead of expiry (epoch ms, this device's clock): `refreshAheadMs` before
 * it expires, spread by `jitter` ∈ [−1, 1] times ±10 % of that lead so tabs and devices do not all
 * refresh in the same instant, and never before halfway through the token's life (a short-lived
 * token is not refreshed in a loop).
 */
export function refreshAtMs(tokens: StoredTokens, refreshAheadMs: number, jitter = 0): number {
  const halfwayMs = tokens.receivedAtMs + (tokens.expiresAtMs - tokens.receivedAtMs) / 2
  const leadMs = refreshAheadMs * (1 + JITTER_SHARE * Math.max(-1, Math.min(1, jitter)))
  return Math.max(halfwayMs, tokens.expiresAtMs - leadMs)
}
