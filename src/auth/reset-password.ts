import { hashLinkToken } from '../crypto/link-tokens.js'
import { checkNewPassword, normalizePassword } from '../domain/password-policy.js'
import { hasForbiddenCodePoints } from '../domain/text.js'
import { validationFailed } from '../errors.js'
import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { reportEndedSessions } from './report-ended-sessions.js'
import { invalidLink } from './verify-email.js'

/**
 * `POST /api/auth/password-reset`: sets the new password with a live reset link. Every session
 * of the user ends and the account's back-off counts are cleared in the same commit. A refused
 * password leaves the link usable; a link used meanwhile (by a racing request) is invalid.
 */
export async function resetPassword(ctx: AuthContext, request: { token: string; newPassword: string }, client: ClientInfo): Promise<void> {
  const tokenHash = hashLinkToken(request.token)
  const link = await ctx.store.findLinkToken(tokenHash, ctx.clock.now())
  const user = link?.purpose === 'reset' ? await ctx.store.findUserById(link.userId) : undefined
  // A disabled account stays locked: the operator disabled it, a mailbox cannot undo that.
  if (user === undefined || user.disabledAt !== null) throw invalidLink()

  const newPassword = normalizePassword(request.newPassword)
  const problems = hasForbiddenCodePoints(request.newPassword)
    ? ['Contains U+0000 or an unpaired surrogate.']
    : checkNewPassword(newPassword, ctx.passwordPolicy, { userName: user.userName, email: user.email })
  if (problems.length > 0) throw validationFailed({ newPassword: problems })

  const at = ctx.clock.now()
  const reset = await ctx.store.resetPassword({ tokenHash, newHash: await ctx.hasher.hash(newPassword), at, client })
  if (reset === undefined) throw invalidLink()
  ctx.log.info({ event: 'password_reset', userId: reset.userId }, 'security event')
  await reportEndedSessions(ctx, { sessionIds: reset.endedSessions, reason: 'password_reset', at })
}
