import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { describe, it } from 'node:test'
import { joinSessionEndBroadcast, type WorkerChannel } from '../../src/cluster/join-session-end-broadcast.js'
import type { BroadcastMessage } from '../../src/cluster/messages.js'
import { relaySessionEnds, type RelayWorker, type WorkerPool } from '../../src/cluster/relay-session-ends.js'

const silentLog = { info() {}, warn() {}, error() {} }

/** A primary and its workers over in-memory channels that copy messages and deliver them later, as IPC does. */
function fakeCluster(workerCount: number, relayTimeoutMs = 1_000) {
  const primary = new EventEmitter()
  const live = new Map<number, { relay: RelayWorker; channel: WorkerChannel & EventEmitter; answers: boolean }>()
  const deliver = (emitter: EventEmitter, ...args: unknown[]) => setImmediate(() => emitter.emit('message', ...args))
  for (let id = 1; id <= workerCount; id++) {
    const channel = Object.assign(new EventEmitter(), {
      send(message: BroadcastMessage, callback: (error: Error | null) => void) {
        if (!live.has(id)) throw new Error('channel closed')
        deliver(primary, relay, structuredClone(message))
        callback(null)
        return true
      },
    })
    const relay: RelayWorker = {
      id,
      send(message, callback) {
        const worker = live.get(id)
        if (worker === undefined) throw new Error('channel closed')
        if (worker.answers) deliver(channel, structuredClone(message))
        callback(null)
        return true
      },
    }
    live.set(id, { relay, channel, answers: true })
  }
  const pool: WorkerPool = {
    workers: () => [...live.values()].map((worker) => worker.relay),
    on: (event: string, listener: (worker: RelayWorker, message: unknown) => void) => primary.on(event, listener),
  }
  relaySessionEnds(pool, silentLog, relayTimeoutMs)
  const join = (id: number, timeoutMs?: number) => {
    const ended = new Map<string, number>()
    const broadcast = joinSessionEndBroadcast(live.get(id)!.channel, { add: (ids, at = 0) => [...ids].forEach((sid) => ended.set(sid, at)) }, silentLog, timeoutMs)
    return { broadcast, ended }
  }
  return {
    join,
    /** The worker stops answering (wedged), its channel still open. */
    wedge: (id: number) => void (live.get(id)!.answers = false),
    exit(id: number) {
      const relay = live.get(id)?.relay
      live.delete(id)
      primary.emit('exit', relay)
    },
  }
}

describe('the session-end broadcast between workers', () => {
  it('resolves a publish only once every other worker has applied it', async () => {
    const cluster = fakeCluster(3)
    const [one, two, three] = [cluster.join(1), cluster.join(2), cluster.join(3)]
    await one.broadcast.publish(['s1', 's2'], 1234)
    assert.deepEqual([...two.ended], [['s1', 1234], ['s2', 1234]])
    assert.deepEqual([...three.ended], [['s1', 1234], ['s2', 1234]])
    assert.equal(one.ended.size, 0, 'the publisher applies its own ending itself, before publishing')
  })

  it('does not wait for a worker that exits, and waits a bounded time for one that does not answer', async () => {
    const cluster = fakeCluster(3, 100)
    const [one] = [cluster.join(1), cluster.join(2), cluster.join(3)]
    cluster.wedge(3)
    let started = Date.now()
    await one.broadcast.publish(['s'], 1)
    const waitedMs = Date.now() - started
    assert.ok(waitedMs >= 90 && waitedMs < 1_000, `waited ${waitedMs} ms for the wedged worker`)

    const pending = one.broadcast.publish(['t'], 2)
    started = Date.now()
    cluster.exit(3)
    await pending
    assert.ok(Date.now() - started < 90, 'an exited worker is not waited for')
  })

  it('answers at once when the channel to the primary is gone, and on close', async () => {
    const cluster = fakeCluster(2)
    const one = cluster.join(1, 5_000)
    cluster.join(2)
    cluster.exit(1)
    const started = Date.now()
    await one.broadcast.publish(['s'], 1)
    assert.ok(Date.now() - started < 100)
    one.broadcast.close()
  })

  it('answers once no other worker is left', async () => {
    const cluster = fakeCluster(1)
    await cluster.join(1).broadcast.publish(['s'], 1)
  })
})
