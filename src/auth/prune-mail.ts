import type { AuthContext } from './context.js'

/** Sent or abandoned mail is kept (without its body) this long: the record that it was sent. */
const MAIL_RECORD_MS = 30 * 24 * 60 * 60 * 1000

/** Deletes old records of sent mail, links past their expiry and expired second steps of logins. */
export async function pruneMail(ctx: Pick<AuthContext, 'clock' | 'store'>): Promise<number> {
  const now = ctx.clock.now()
  const mail = await ctx.store.pruneMail({ mailBefore: now - MAIL_RECORD_MS, tokensBefore: now })
  // The second steps of logins that were never completed go too.
  return mail + (await ctx.store.pruneMfaChallenges(now))
}
