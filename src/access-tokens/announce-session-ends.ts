import type { RevocationList } from './revocation-list.js'
import type { SessionEndBroadcast } from './session-end-broadcast.js'

/**
 * Makes ended sessions' access tokens stop working: on this process at once, and on every other
 * worker of this instance before this resolves, so the caller's response goes out after they all
 * know. Other instances learn it from the database (`session_ends`: pushed on PostgreSQL, polled
 * every second everywhere).
 */
export async function announceSessionEnds(
  revocation: { revocations: Pick<RevocationList, 'add'>; sessionEnds?: SessionEndBroadcast },
  sessionIds: readonly string[],
  endedAt: number,
): Promise<void> {
  if (sessionIds.length === 0) return
  revocation.revocations.add(sessionIds)
  await revocation.sessionEnds?.publish(sessionIds, endedAt)
}
