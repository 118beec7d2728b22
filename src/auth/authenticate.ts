import type { AccessTokenClaims } from '../crypto/access-tokens.js'
import { AppError } from '../errors.js'
import type { AuthContext } from './context.js'

/**
 * Checks a bearer token in the contract's order: header, signature, iss/aud/nbf, exp, then
 * that its session has not ended (from memory, no database read). `Token-Expired` is set only
 * when every check but `exp` passed, the session's included.
 */
export async function authenticate(
  ctx: Pick<AuthContext, 'keys' | 'revocations'>,
  token: string,
): Promise<AccessTokenClaims> {
  if (token === '') throw invalidToken('The token is empty.')
  const check = await ctx.keys.verify(token)
  if (!check.ok) {
    // Token-Expired invites a refresh: never for a token whose session has ended, expired or not.
    if (check.expired && check.claims !== undefined && ctx.revocations.isEnded(check.claims.sid)) {
      throw invalidToken('The session has ended.')
    }
    throw invalidToken(check.reason, check.expired)
  }
  if (ctx.revocations.isEnded(check.claims.sid)) throw invalidToken('The session has ended.')
  return check.claims
}

function invalidToken(description: string, expired = false): AppError {
  return new AppError('invalid_token', description, { tokenExpired: expired })
}
