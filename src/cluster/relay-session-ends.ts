import type { Log } from '../logger.js'
import { isBroadcastMessage, type Send, trySend } from './messages.js'

/** A worker as the primary sees it (node:cluster's `Worker`). */
export interface RelayWorker {
  id: number
  send: Send
  /** Stops the worker at once: it serves with a stale list of ended sessions. */
  kill(): void
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
 * sender once all ready workers have applied them. A worker still booting is sent them but not
 * waited for (it loads the ended sessions from the database before it serves). A worker that
 * exits stops being waited for; one that does not answer within `timeoutMs` is killed, since it
 * would go on accepting the access tokens of ended sessions (the primary starts a new one).
 */
export function relaySessionEnds(pool: WorkerPool, log: Log, timeoutMs = DEFAULT_TIMEOUT_MS): void {
  let lastRelayId = 0
  const ready = new Set<number>()
  const relays = new Map<number, { waitingFor: Set<number>; finish: () => void }>()

  const applied = (relayId: number, workerId: number) => {
    const relay = relays.get(relayId)
    if (relay === undefined) return
    relay.waitingFor.delete(workerId)
    if (relay.waitingFor.size === 0) relay.finish()
  }

  pool.on('message', (sender, message) => {
    if (isBroadcastMessage(message, 'ready')) return void ready.add(sender.id)
    if (isBroadcastMessage(message, 'applied')) return applied(message.id, sender.id)
    if (!isBroadcastMessage(message, 'ended')) return
    const relayId = ++lastRelayId
    const others = [...pool.workers()].filter((worker) => worker.id !== sender.id)
    const waitingFor = new Set(others.filter((worker) => ready.has(worker.id)).map((worker) => worker.id))
    const finish = () => {
      clearTimeout(timer)
      relays.delete(relayId)
      trySend(sender.send, { latchkey: 'relayed', id: message.id }, () => {})
    }
    const timer = setTimeout(() => {
      for (const worker of others) {
        if (!waitingFor.has(worker.id)) continue
        log.error({ workerId: worker.id }, 'a worker did not apply ended sessions in time: stopping it')
        ready.delete(worker.id)
        worker.kill()
      }
      finish()
    }, timeoutMs)
    relays.set(relayId, { waitingFor, finish })
    if (waitingFor.size === 0) return finish()
    const apply = { latchkey: 'apply', id: relayId, sessionIds: message.sessionIds, endedAt: message.endedAt } as const
    for (const worker of others) trySend(worker.send, apply, () => applied(relayId, worker.id))
  })

  pool.on('exit', (worker) => {
    ready.delete(worker.id)
    for (const relayId of [...relays.keys()]) applied(relayId, worker.id)
  })
}
