import { hashRefreshToken } from '../crypto/refresh-tokens.js'
import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { endSessions } from './end-sessions.js'

/**
 * Ends the session a refresh token belongs to — any token ever issued in it, used or not, so a
 * client holding a stale token can still log out. Quiet about tokens it does not know: the
 * answer is the same, so logout tells nothing about which tokens exist.
 */
export async function logout(ctx: AuthContext, refreshToken: string, client: ClientInfo): Promise<void> {
  const record = await ctx.store.findRefreshToken(hashRefreshToken(refreshToken))
  if (record === undefined || record.session.endedAt !== null) return
  await endSessions(ctx, { selector: { sessionId: record.sessionId }, reason: 'logout', client })
}
