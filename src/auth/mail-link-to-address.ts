import type { User } from '../domain/user.js'
import type { ComposedMail, LinkMailInput } from '../mail/compose.js'
import type { ClientInfo, LinkPurpose, MailKind, SecurityEventType } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { SEND_ANSWER_FLOOR_MS, withAnswerFloor } from './even-timing.js'
import { MAILS_PER_HOUR, mailQueued, newLink, newMail } from './mail-links.js'

export interface AddressMail {
  kind: MailKind
  purpose: LinkPurpose
  event: SecurityEventType
  compose: (input: LinkMailInput) => ComposedMail
  /** Whether the account with the address gets the mail (enabled, not yet verified, …). */
  eligible: (user: User) => boolean
  /** The user's live links of these purposes die when the new one is queued. */
  voids?: LinkPurpose[]
}

/**
 * The two `send` endpoints of contract §9: a link to the account with `email`, if it is
 * eligible and under the hourly cap. The caller answers 202 whatever happened: the same
 * statements run whether or not an account has the address (the store's are written so),
 * nothing is sent on this path, and the answer waits out a fixed floor (even-timing.ts).
 */
export function mailLinkToAddress(ctx: AuthContext, email: string, client: ClientInfo, what: AddressMail): Promise<void> {
  return withAnswerFloor(SEND_ANSWER_FLOOR_MS, async () => {
    const user = await ctx.store.findUserByEmail(email)
    const target = user !== undefined && what.eligible(user) ? user : undefined
    // Built for an unknown address too (and thrown away): the same work either way.
    const userId = target?.id ?? ''
    const recipient = target?.email ?? email
    const link = newLink(ctx, { userId, purpose: what.purpose, email: recipient })
    const mail = newMail(ctx, { userId, kind: what.kind, recipient, ...what.compose({ publicUrl: ctx.publicUrl(), token: link.token, userName: target?.userName ?? '' }) })
    const queued = await ctx.store.queueLinkMail({
      userId: target?.id,
      at: ctx.clock.now(),
      kind: what.kind,
      maxPerHour: MAILS_PER_HOUR,
      ...(what.voids === undefined ? {} : { voids: what.voids }),
      token: link.stored,
      mails: [mail],
      event: what.event,
      client,
    })
    if (queued) mailQueued(ctx, what.event, userId)
  })
}
