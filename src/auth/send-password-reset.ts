import { passwordResetMail } from '../mail/compose.js'
import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { SEND_ANSWER_FLOOR_MS, withAnswerFloor } from './even-timing.js'
import { MAILS_PER_HOUR, mailQueued, newLink, newMail } from './mail-links.js'

/**
 * `POST /api/auth/password-reset/send`: queues a reset link for the account with this address
 * unless it is disabled; the new link voids the user's earlier ones. The caller answers 202
 * whatever happened: the same statements run whether or not an account has the address, and
 * the answer waits out a fixed floor.
 */
export function sendPasswordReset(ctx: AuthContext, email: string, client: ClientInfo): Promise<void> {
  // The same time for every address, whatever the work (even-timing.ts).
  return withAnswerFloor(SEND_ANSWER_FLOOR_MS, () => queueReset(ctx, email, client))
}

async function queueReset(ctx: AuthContext, email: string, client: ClientInfo): Promise<void> {
  const user = await ctx.store.findUserByEmail(email)
  const target = user !== undefined && user.disabledAt === null ? user : undefined
  const userId = target?.id ?? ''
  const link = newLink(ctx, { userId, purpose: 'reset', email: target?.email ?? email })
  const mail = newMail(ctx, {
    userId,
    kind: 'reset',
    recipient: target?.email ?? email,
    ...passwordResetMail({ publicUrl: ctx.publicUrl(), token: link.token, userName: target?.userName ?? '' }),
  })
  const queued = await ctx.store.queueLinkMail({
    userId: target?.id,
    at: ctx.clock.now(),
    kind: 'reset',
    maxPerHour: MAILS_PER_HOUR,
    voids: ['reset'],
    token: link.stored,
    mails: [mail],
    event: 'password_reset_requested',
    client,
  })
  if (queued) mailQueued(ctx, 'password_reset_requested', userId)
}
