import { verificationMail } from '../mail/compose.js'
import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { SEND_ANSWER_FLOOR_MS, withAnswerFloor } from './even-timing.js'
import { MAILS_PER_HOUR, mailQueued, newLink, newMail } from './mail-links.js'

/**
 * `POST /api/accounts/verify-email/send`: queues a verification link for the account with this
 * address if it is not verified yet. The caller answers 202 whatever happened: the same
 * statements run whether or not an account has the address, and nothing is sent on this path.
 */
export function sendVerificationMail(ctx: AuthContext, email: string, client: ClientInfo): Promise<void> {
  // The same time for every address, whatever the work (even-timing.ts).
  return withAnswerFloor(SEND_ANSWER_FLOOR_MS, () => queueVerification(ctx, email, client))
}

async function queueVerification(ctx: AuthContext, email: string, client: ClientInfo): Promise<void> {
  const user = await ctx.store.findUserByEmail(email)
  const target = user !== undefined && user.disabledAt === null && user.emailVerifiedAt === null ? user : undefined
  const userId = target?.id ?? ''
  const link = newLink(ctx, { userId, purpose: 'verify', email: target?.email ?? email })
  const mail = newMail(ctx, {
    userId,
    kind: 'verification',
    recipient: target?.email ?? email,
    ...verificationMail({ publicUrl: ctx.publicUrl(), token: link.token, userName: target?.userName ?? '' }),
  })
  const queued = await ctx.store.queueLinkMail({
    userId: target?.id,
    at: ctx.clock.now(),
    kind: 'verification',
    maxPerHour: MAILS_PER_HOUR,
    token: link.stored,
    mails: [mail],
    event: 'verification_sent',
    client,
  })
  if (queued) mailQueued(ctx, 'verification_sent', userId)
}
