import { generateLinkToken, hashLinkToken } from '../crypto/link-tokens.js'
import type { User } from '../domain/user.js'
import { AppError } from '../errors.js'
import type { AuthContext } from './context.js'

/** Contract §10: an mfaToken lives 300 s and dies after 5 codes tried. */
export const MFA_TOKEN_TTL_SECONDS = 300
export const MFA_MAX_ATTEMPTS = 5

/**
 * The password of a user with a second factor was right: no session yet, but a single-use
 * mfaToken (256 random bits, stored as its SHA-256 only) for `POST /api/auth/login/mfa`.
 */
export async function secondStepRequired(ctx: AuthContext, user: User, passwordHash: string): Promise<AppError> {
  const mfaToken = generateLinkToken()
  const createdAt = ctx.clock.now()
  await ctx.store.createMfaChallenge({
    tokenHash: hashLinkToken(mfaToken),
    userId: user.id,
    passwordHash,
    createdAt,
    expiresAt: createdAt + MFA_TOKEN_TTL_SECONDS * 1000,
  })
  return new AppError('mfa_required', 'Enter the code from your authenticator app, or a recovery code.', {
    members: { mfaToken, expiresIn: MFA_TOKEN_TTL_SECONDS },
  })
}
