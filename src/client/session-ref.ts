import { decodeJwtClaims } from './jwt-claims.js'
import type { StoredTokens } from './token-storage.js'

/** Which session, and whose, a set of tokens belongs to. */
export interface SessionRef {
  sessionId: string
  userId: string | undefined
}

/** From the access token's `sid` and `sub` (read, not verified); the refresh token stands in for a JWT without `sid`. */
export function sessionOf(tokens: StoredTokens): SessionRef {
  const claims = decodeJwtClaims(tokens.accessToken)
  return { sessionId: claims?.sid ?? tokens.refreshToken, userId: claims?.sub }
}
