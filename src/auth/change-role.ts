import { ROLE_NAME } from '../domain/user.js'
import { validationFailed } from '../errors.js'
import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { endSessions } from './end-sessions.js'

/**
 * Grants or revokes one role, idempotently. Revoking a role the user had ends every session
 * of the user, so access tokens still carrying it stop working at once instead of at `exp`.
 * Undefined when no such user exists.
 */
export async function changeRole(
  ctx: AuthContext,
  identifier: string,
  change: { action: 'grant' | 'revoke'; role: string },
  client: ClientInfo,
): Promise<{ userId: string; userName: string; changed: boolean; endedSessions: number } | undefined> {
  if (!ROLE_NAME.test(change.role)) throw validationFailed({ role: [`Must match ${ROLE_NAME.source}.`] })
  const user = await ctx.store.findUserByIdentifier(identifier)
  if (user === undefined) return undefined
  const changed =
    change.action === 'grant' ? await ctx.store.grantRole(user.id, change.role) : await ctx.store.revokeRole(user.id, change.role)
  if (!changed) return { userId: user.id, userName: user.userName, changed, endedSessions: 0 }

  await ctx.store.recordEvent({ userId: user.id, type: 'roles_changed', at: ctx.clock.now(), client })
  ctx.log.info({ event: 'roles_changed', userId: user.id, action: change.action, role: change.role }, 'security event')
  const ended = change.action === 'revoke' ? await endSessions(ctx, { selector: { userId: user.id }, reason: 'roles_changed', client }) : []
  return { userId: user.id, userName: user.userName, changed, endedSessions: ended.length }
}
