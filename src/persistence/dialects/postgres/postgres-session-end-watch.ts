import pg from 'pg'
import type { SessionEndWatcher } from '../../database.js'

/** The NOTIFY channel an ending transaction signals on (at its commit). */
export const SESSION_ENDS_CHANNEL = 'latchkey_session_ends'
/** The listener connection's application_name, so operators (and tests) can find it in pg_stat_activity. */
export const SESSION_END_LISTENER_NAME = 'latchkey-session-end-listener'

const FIRST_RETRY_MS = 100
const MAX_RETRY_MS = 5_000
/** A connection that lived this long was healthy: after it drops, retries start again from the first delay. */
const HEALTHY_AFTER_MS = 30_000

/**
 * One dedicated connection that LISTENs for session ends and calls `watcher.signal` on each
 * notification. When it drops it reconnects with growing delays (100 ms doubling to 5 s), and
 * signals once it listens again, for what was announced while nobody listened. Resolves after
 * the first attempt, whether it connected or not: the caller's poll covers the gap meanwhile.
 */
export async function watchPostgresSessionEnds(url: string, watcher: SessionEndWatcher): Promise<{ close(): Promise<void> }> {
  let closed = false
  let current: pg.Client | undefined
  let retry: NodeJS.Timeout | undefined
  let failures = 0
  /** When the current connection started listening. */
  let listeningSince: number | undefined

  const connect = async (): Promise<void> => {
    // keepAlive: a peer that vanishes without closing the socket is noticed, not waited on forever.
    const client = new pg.Client({ connectionString: url, application_name: SESSION_END_LISTENER_NAME, keepAlive: true })
    let gone = false
    const lose = (error: unknown) => {
      if (gone) return
      gone = true
      if (current === client) current = undefined
      if (closed) return
      client.end().catch(() => {})
      if (listeningSince !== undefined && Date.now() - listeningSince >= HEALTHY_AFTER_MS) failures = 0
      listeningSince = undefined
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** failures++)
      watcher.lost(error, delay)
      retry = setTimeout(() => void connect(), delay)
      retry.unref()
    }
    client.on('error', lose)
    client.on('end', () => lose(new Error('the listener connection ended')))
    client.on('notification', () => watcher.signal())
    try {
      await client.connect()
      await client.query(`listen ${SESSION_ENDS_CHANNEL}`)
    } catch (error) {
      lose(error)
      return
    }
    if (closed) return void (await client.end().catch(() => {}))
    listeningSince = Date.now()
    current = client
    // Ends committed while no connection listened were announced to nobody: catch up now.
    watcher.signal()
  }

  await connect()
  return {
    async close() {
      closed = true
      clearTimeout(retry)
      const client = current
      current = undefined
      await client?.end().catch(() => {})
    },
  }
}
