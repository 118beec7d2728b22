import type { Clock } from '../clock.js'
import type { SessionStore } from '../persistence/store.js'

/** Session ends read per query; a read goes on page after page until it has them all. */
const PAGE_SIZE = 5_000

/**
 * The sessions that ended while access tokens of theirs may still be unexpired. Checked on
 * every authenticated request from memory (no database read per request); filled by this
 * process as it ends sessions, and by following the database's session ends for those other
 * processes ended.
 *
 * It follows positions, not times: a session end is read once its position passes the cursor,
 * however late it committed and whatever clock stamped it (the database makes positions visible
 * in increasing order). An entry is kept for `retainMs` from when this process learnt of it, by
 * this process's clock, so a peer whose clock runs behind cannot make it go early.
 */
export class RevocationList {
  /** Session id → when (by this clock) the entry can go. Added in that order, so swept from the front. */
  private readonly ended = new Map<string, number>()
  /** The highest session-end position read so far. */
  private cursor = 0
  private inFlight: Promise<void> | undefined
  private queued: Promise<void> | undefined

  constructor(
    private readonly store: Pick<SessionStore, 'listSessionEndsAfter'>,
    private readonly clock: Clock,
    /** How long after its end a session can still have an unexpired access token. */
    private readonly retainMs: number,
  ) {}

  isEnded(sessionId: string): boolean {
    return this.ended.has(sessionId)
  }

  /** Records ended sessions: from this process, another worker's broadcast, or the poll. */
  add(sessionIds: Iterable<string>): void {
    const forgetAt = this.clock.now() + this.retainMs
    // The first time counts: it came after the end, so it already keeps the entry long enough.
    for (const id of sessionIds) if (!this.ended.has(id)) this.ended.set(id, forgetAt)
  }

  /**
   * Reads the session ends recorded since the last read (by any process), then forgets the
   * stale. One read at a time: calls made during a read share one more read after it, so each
   * resolves only after a read that began after the call (bursts of signals coalesce).
   */
  poll(): Promise<void> {
    if (this.queued !== undefined) return this.queued
    if (this.inFlight === undefined) return this.start()
    this.queued = this.inFlight
      .catch(() => {})
      .then(() => {
        this.queued = undefined
        return this.start()
      })
    return this.queued
  }

  /** The position of the last session end read. */
  get position(): number {
    return this.cursor
  }

  get size(): number {
    return this.ended.size
  }

  private start(): Promise<void> {
    const read = this.readNew().finally(() => (this.inFlight = undefined))
    this.inFlight = read
    return read
  }

  private async readNew(): Promise<void> {
    for (;;) {
      const from = this.cursor
      const ends = await this.store.listSessionEndsAfter(from, PAGE_SIZE)
      // Every row is applied, even one at or below the cursor: refusing more is always safe.
      this.add(ends.map((end) => end.sessionId))
      for (const end of ends) this.cursor = Math.max(this.cursor, end.position)
      if (ends.length < PAGE_SIZE || this.cursor === from) break
    }
    this.forgetStale()
  }

  private forgetStale(): void {
    const now = this.clock.now()
    for (const [id, forgetAt] of this.ended) {
      if (forgetAt > now) break
      this.ended.delete(id)
    }
  }
}
