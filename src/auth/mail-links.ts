import { generateLinkToken, hashLinkToken } from '../crypto/link-tokens.js'
import { randomId } from '../crypto/random-id.js'
import type { ComposedMail } from '../mail/compose.js'
import type { LinkPurpose, LinkToken, MailKind, NewMail } from '../persistence/store.js'
import type { AuthContext } from './context.js'

/** Contract §9: at most this many mails of a kind per account per hour; more still answer 202. */
export const MAILS_PER_HOUR = 3

const LINK_LIFETIME_MS: Record<LinkPurpose, number> = {
  verify: 24 * 60 * 60 * 1000,
  change: 24 * 60 * 60 * 1000,
  reset: 30 * 60 * 1000,
}

/** A new link: the token for the mail, and what the database keeps of it (its hash). */
export function newLink(ctx: Pick<AuthContext, 'clock'>, link: { userId: string; purpose: LinkPurpose; email: string }): { token: string; stored: LinkToken } {
  const token = generateLinkToken()
  const createdAt = ctx.clock.now()
  return { token, stored: { tokenHash: hashLinkToken(token), ...link, createdAt, expiresAt: createdAt + LINK_LIFETIME_MS[link.purpose] } }
}

export function newMail(ctx: Pick<AuthContext, 'clock'>, mail: { userId: string; kind: MailKind; recipient: string } & ComposedMail): NewMail {
  const { subject, text, ...rest } = mail
  return { id: randomId(), ...rest, subject, bodyText: text, createdAt: ctx.clock.now() }
}

/** A queued mail: one log line (never the token), and this process's sender woken. */
export function mailQueued(ctx: Pick<AuthContext, 'log' | 'mailer'>, event: string, userId: string): void {
  ctx.log.info({ event, userId }, 'security event')
  ctx.mailer?.nudge()
}
