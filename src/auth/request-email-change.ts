import { identifierKey } from '../domain/user.js'
import { emailChangeMail, emailChangeNotice } from '../mail/compose.js'
import { AppError, validationFailed } from '../errors.js'
import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { endAttempt } from './end-attempt.js'
import { MAILS_PER_HOUR, mailQueued, newLink, newMail } from './mail-links.js'
import { guardCurrentPassword, signedInUser } from './check-current-password.js'

export interface EmailChangeRequest {
  userId: string
  /** Valid by the registration grammar, NFC and trimmed. */
  newEmail: string
  currentPassword: string
  client: ClientInfo
}

/**
 * `POST /api/accounts/me/email`: with the current password, mails a change link to the new
 * address and a notice (no link) to the old one. The email changes only when the link is used.
 */
export async function requestEmailChange(ctx: AuthContext, request: EmailChangeRequest): Promise<void> {
  const user = await signedInUser(ctx, request.userId)
  if (identifierKey(request.newEmail) === identifierKey(user.email)) {
    throw validationFailed({ newEmail: ['Is already the address of this account.'] })
  }

  // A wrong current password is a guess like a failed login (contract §5): same back-off, same
  // hourly count, and while the key waits nothing is checked.
  await endAttempt(ctx, await guardCurrentPassword(ctx, user, request.currentPassword, request.client))
  // Only after the password: without it, nobody learns which addresses have accounts.
  const holder = await ctx.store.findUserByIdentifier(request.newEmail)
  if (holder !== undefined && holder.id !== user.id) throw new AppError('duplicate_email', 'That email address is already registered.')

  const link = newLink(ctx, { userId: user.id, purpose: 'change', email: request.newEmail })
  const mails = [
    newMail(ctx, {
      userId: user.id,
      kind: 'change',
      recipient: request.newEmail,
      ...emailChangeMail({ publicUrl: ctx.publicUrl(), token: link.token, userName: user.userName }),
    }),
    newMail(ctx, { userId: user.id, kind: 'change_notice', recipient: user.email, ...emailChangeNotice({ userName: user.userName }) }),
  ]
  const queued = await ctx.store.queueLinkMail({
    userId: user.id,
    at: ctx.clock.now(),
    kind: 'change',
    maxPerHour: MAILS_PER_HOUR,
    // Only the latest requested address can be confirmed.
    voids: ['change'],
    token: link.stored,
    mails,
    event: 'email_change_requested',
    client: request.client,
  })
  if (queued) mailQueued(ctx, 'email_change_requested', user.id)
}
