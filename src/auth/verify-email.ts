import { hashLinkToken } from '../crypto/link-tokens.js'
import { AppError } from '../errors.js'
import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext } from './context.js'

/**
 * `POST /api/accounts/verify-email`: uses a verification link (the address is verified) or a
 * change-of-address link (the account's email becomes the new address, verified).
 */
export async function verifyEmail(ctx: AuthContext, token: string, client: ClientInfo): Promise<void> {
  const outcome = await ctx.store.confirmEmail({ tokenHash: hashLinkToken(token), at: ctx.clock.now(), client })
  switch (outcome.kind) {
    case 'invalid':
      throw invalidLink()
    case 'duplicate_email':
      throw new AppError('duplicate_email', 'Another account uses that email address now.')
    case 'verified':
      if (outcome.changed) ctx.log.info({ event: 'email_verified', userId: outcome.userId }, 'security event')
      return
    case 'changed':
      ctx.log.info({ event: 'email_changed', userId: outcome.userId }, 'security event')
  }
}

/** Unknown, expired, used or voided: one answer for all, whatever the token looked like. */
export function invalidLink(): AppError {
  return new AppError('invalid_link', 'The link is invalid, has expired or was already used.')
}
