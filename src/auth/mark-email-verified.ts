import type { AuthContext } from './context.js'

/** `users verify-email`: an operator vouches for the address. Undefined when no such user exists. */
export async function markEmailVerified(
  ctx: Pick<AuthContext, 'store' | 'clock' | 'log'>,
  identifier: string,
): Promise<{ userId: string; userName: string; changed: boolean } | undefined> {
  const user = await ctx.store.findUserByIdentifier(identifier)
  if (user === undefined) return undefined
  const changed = await ctx.store.markEmailVerified(user.id, ctx.clock.now())
  if (changed) ctx.log.info({ event: 'email_verified', userId: user.id, by: 'operator' }, 'security event')
  return { userId: user.id, userName: user.userName, changed }
}
