import type { Log } from '../logger.js'
import { isBroadcastMessage, type Send, trySend } from './messages.js'

/** A worker as the primary sees it (node:cluster's `Worker`). */
export interface RelayWorker {
  id: number
  send: Send
}

/** The primary's view of its workers (node:cluster in the primary). */
export interface WorkerPool {
  workers(): Iterable<RelayWorker>
  on(event: 'message', listener: (worker: RelayWorker, message: unknown) => void): unknown
  on(event: 'exit', listener: (worker: RelayWorker) => void): unknown
}

/** How long the primary waits for every worker's `applied` before telling the sender anyway. */
const DEFAULT_TIMEOUT_MS = 1_000

/**
 * Runs in the primary: hands each worker's ended sessions to every other worker and tells the
 * sender once all have applied them. A worker that exits stops being waited for; one that does
 * not answer is waited for at most `timeoutMs`, so no request hangs on it.
 */
export function relaySessionEnds(pool: WorkerPool, log: Log, timeoutMs = DEFAULT_TIMEOUT_MS): void {
  let lastRelayId = 0
  const relays = new Map<number, { waitingFor: Set<number>; finish: () => void }>()

  const applied = (relayId: number, workerId: number) => {
    const relay = relays.get(relayId)
    if (relay === undefined) return
    relay.waitingFor.delete(workerId)
    if (relay.waitingFor.size === 0) relay.finish()
  }

  pool.on('message', (sender, message) => {
    if (isBroadcastMessage(message, 'applied')) return applied(message.id, sender.id)
    if (!isBroadcastMessage(message, 'ended')) return
    const relayId = ++lastRelayId
    const others = [...pool.workers()].filter((worker) => worker.id !== sender.id)
    const waitingFor = new Set(others.map((worker) => worker.id))
    const finish = () => {
      clearTimeout(timer)
      relays.delete(relayId)
      trySend(sender.send, { latchkey: 'relayed', id: message.id }, () => {})
    }
    const timer = setTimeout(() => {
      log.warn({ workers: waitingFor.size }, 'workers did not confirm ended sessions in time; the poll will reach them')
      finish()
    }, timeoutMs)
    relays.set(relayId, { waitingFor, finish })
    if (waitingFor.size === 0) return finish()
    const apply = { latchkey: 'apply', id: relayId, sessionIds: message.sessionIds, endedAt: message.endedAt } as const
    for (const worker of others) trySend(worker.send, apply, () => applied(relayId, worker.id))
  })

  pool.on('exit', (worker) => {
    for (const relayId of [...relays.keys()]) applied(relayId, worker.id)
  })
}
