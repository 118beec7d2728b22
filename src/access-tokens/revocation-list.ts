import type { Clock } from '../clock.js'
import type { SessionStore } from '../persistence/store.js'

/** How far back each poll looks again, so a slow commit or a skewed clock is not missed. */
const POLL_OVERLAP_MS = 5_000

/**
 * The sessions that ended while access tokens of theirs may still be unexpired. Checked on
 * every authenticated request from memory (no database read per request); filled by this
 * process as it ends sessions, and by polling the database for those other processes ended.
 */
export class RevocationList {
  /** Session id → when its last access token has expired and the entry can go. */
  private readonly ended = new Map<string, number>()
  private cursor: number

  constructor(
    private readonly store: Pick<SessionStore, 'listSessionsEndedSince'>,
    private readonly clock: Clock,
    /** How long after its end a session can still have an unexpired access token. */
    private readonly retainMs: number,
  ) {
    this.cursor = clock.now() - retainMs
  }

  isEnded(sessionId: string): boolean {
    return this.ended.has(sessionId)
  }

  /** Records ended sessions: from this process, another worker's broadcast, or the poll. */
  add(sessionIds: Iterable<string>, endedAt = this.clock.now()): void {
    for (const id of sessionIds) this.ended.set(id, endedAt + this.retainMs)
  }

  /** Reads the sessions ended since the last poll (by any process) and forgets the stale. */
  async poll(): Promise<void> {
    const now = this.clock.now()
    const since = this.cursor - POLL_OVERLAP_MS
    for (const { id, endedAt } of await this.store.listSessionsEndedSince(since)) this.add([id], endedAt)
    this.cursor = now
    for (const [id, until] of this.ended) if (until <= now) this.ended.delete(id)
  }
}
