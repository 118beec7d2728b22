import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { reportEndedSessions } from './report-ended-sessions.js'

/**
 * `users mfa-reset`: an operator's recovery path for a user who lost the device. The factor is
 * erased and every session of the user ends in the same commit. Undefined when no such user exists.
 */
export async function resetMfa(
  ctx: AuthContext,
  identifier: string,
  client: ClientInfo,
): Promise<{ userName: string; wasEnabled: boolean; endedSessions: number } | undefined> {
  const user = await ctx.store.findUserByIdentifier(identifier)
  if (user === undefined) return undefined
  const at = ctx.clock.now()
  const { endedSessions } = await ctx.store.disableMfa({ userId: user.id, at, client, endSessions: true })
  if (user.mfaEnabledAt != null) ctx.log.info({ event: 'mfa_disabled', userId: user.id, by: 'operator' }, 'security event')
  await reportEndedSessions(ctx, { sessionIds: endedSessions, reason: 'mfa_reset', at })
  return { userName: user.userName, wasEnabled: user.mfaEnabledAt != null, endedSessions: endedSessions.length }
}
