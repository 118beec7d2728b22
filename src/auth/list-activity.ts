import type { SecurityEvent } from '../persistence/store.js'
import type { AuthContext } from './context.js'

/** How many of the user's security events the activity view shows. */
export const ACTIVITY_SHOWN = 50

/** The user's latest security events, newest first. */
export function listActivity(ctx: Pick<AuthContext, 'store'>, userId: string): Promise<SecurityEvent[]> {
  return ctx.store.listEvents(userId, ACTIVITY_SHOWN)
}
