import type { SessionEndBroadcast } from '../access-tokens/index.js'
import type { Log } from '../logger.js'
import type { RevocationList } from '../access-tokens/index.js'
import { isBroadcastMessage, type Send, trySend } from './messages.js'

/** A worker's IPC channel to the primary (`process` in a cluster worker). */
export interface WorkerChannel {
  send: Send
  on(event: 'message', listener: (message: unknown) => void): unknown
  off(event: 'message', listener: (message: unknown) => void): unknown
}

/** How long a worker waits for the primary's "every worker knows" before answering anyway. */
const DEFAULT_TIMEOUT_MS = 2_000

/**
 * The session-end broadcast of a cluster worker: publishes through the primary and applies what
 * other workers publish. `publish` resolves when the primary reports that every other worker has
 * applied it, or after the timeout (a wedged primary must not hang responses; the database poll
 * still spreads the ending within a second).
 */
export function joinSessionEndBroadcast(
  channel: WorkerChannel,
  revocations: Pick<RevocationList, 'add'>,
  log: Log,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): SessionEndBroadcast & { close(): void } {
  let lastId = 0
  const waiting = new Map<number, () => void>()
  const onMessage = (message: unknown) => {
    if (isBroadcastMessage(message, 'apply')) {
      revocations.add(message.sessionIds)
      trySend(channel.send, { latchkey: 'applied', id: message.id }, () => {})
    } else if (isBroadcastMessage(message, 'relayed')) {
      waiting.get(message.id)?.()
    }
  }
  channel.on('message', onMessage)
  // From now on every ending reaches this worker, so the primary may wait for it. Endings relayed
  // before this were committed before it too, and the boot's load of ended sessions (which comes
  // after) reads them from the database.
  trySend(channel.send, { latchkey: 'ready', id: 0 }, () => {})

  return {
    publish(sessionIds, endedAt) {
      if (sessionIds.length === 0) return Promise.resolve()
      const id = ++lastId
      return new Promise<void>((resolve) => {
        const finish = () => {
          clearTimeout(timer)
          waiting.delete(id)
          resolve()
        }
        const timer = setTimeout(() => {
          log.warn({ sessions: sessionIds.length }, 'ended sessions not confirmed by every worker in time; the poll will reach them')
          finish()
        }, timeoutMs)
        waiting.set(id, finish)
        trySend(channel.send, { latchkey: 'ended', id, sessionIds: [...sessionIds], endedAt }, finish)
      })
    },
    close() {
      channel.off('message', onMessage)
      for (const finish of [...waiting.values()]) finish()
    },
  }
}
