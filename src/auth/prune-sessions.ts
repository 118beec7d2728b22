import type { AuthContext } from './context.js'

/** Deletes sessions that can never be used again and erases successors whose grace is over. */
export function pruneSessions(ctx: Pick<AuthContext, 'config' | 'clock' | 'store'>): Promise<{ sessions: number; successorsErased: number }> {
  return ctx.store.prune(ctx.clock.now(), ctx.config.refreshReuseGraceSeconds * 1000)
}
