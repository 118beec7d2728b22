import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { describe, it } from 'node:test'
import { joinSessionEndBroadcast, type WorkerChannel } from '../../src/cluster/join-session-end-broadcast.js'
import type { BroadcastMessage } from '../../src/cluster/messages.js'
import { relaySessionEnds, type RelayWorker, type WorkerPool } from '../../src/cluster/relay-session-ends.js'
import { silentLog } from '../support/silent-log.js'

/** A primary and its workers over in-memory channels that copy messages and deliver them later, as IPC does. */
function fakeCluster(workerCount: number, relayTimeoutMs = 1_000) {
  const primary = new EventEmitter()
  const live = new Map<number, { relay: RelayWorker; channel: WorkerChannel & EventEmitter; answers: boolean }>()
  const killed: number[] = []
  const exit = (id: number) => {
    const relay = live.get(id)?.relay
    live.delete(id)
    primary.emit('exit', relay)
  }
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
      kill() {
        killed.push(id)
        setImmediate(() => exit(id))
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
    const ended = new Set<string>()
    const broadcast = joinSessionEndBroadcast(live.get(id)!.channel, { add: (ids) => [...ids].forEach((sid) => ended.add(sid)) }, silentLog, timeoutMs)
    return { broadcast, ended }
  }
  return {
    join,
    /** The worker stops answering (wedged), its channel still open. */
    wedge: (id: number) => void (live.get(id)!.answers = false),
    exit,
    killed,
  }
}

describe('the session-end broadcast between workers', { timeout: 60_000 }, () => {
  it('resolves a publish only once every other worker has applied it', async () => {
    const cluster = fakeCluster(3)
    const [one, two, three] = [cluster.join(1), cluster.join(2), cluster.join(3)]
    await one.broadcast.publish(['s1', 's2'], 1234)
    assert.deepEqual([...two.ended], ['s1', 's2'])
    assert.deepEqual([...three.ended], ['s1', 's2'])
    assert.equal(one.ended.size, 0, 'the publisher applies its own ending itself, before publishing')
  })

  it('waits a bounded time for a worker that does not answer, then stops it rather than leave it serving', async () => {
    const cluster = fakeCluster(3, 100)
    const [one] = [cluster.join(1), cluster.join(2), cluster.join(3)]
    await new Promise((resolve) => setImmediate(resolve)) // their `ready` reaches the primary
    cluster.wedge(3)
    const started = Date.now()
    await one.broadcast.publish(['s'], 1)
    const waitedMs = Date.now() - started
    assert.ok(waitedMs >= 90 && waitedMs < 1_000, `waited ${waitedMs} ms for the wedged worker`)
    assert.deepEqual(cluster.killed, [3], 'the wedged worker was stopped')
    await new Promise((resolve) => setImmediate(resolve))
    const again = Date.now()
    await one.broadcast.publish(['t'], 2)
    assert.ok(Date.now() - again < 90, 'a stopped worker is not waited for')
  })

  it('does not wait for an exited worker', async () => {
    const cluster = fakeCluster(3, 1_000)
    const [one] = [cluster.join(1), cluster.join(2), cluster.join(3)]
    await new Promise((resolve) => setImmediate(resolve))
    cluster.wedge(3)
    const pending = one.broadcast.publish(['t'], 2)
    const started = Date.now()
    cluster.exit(3)
    await pending
    assert.ok(Date.now() - started < 500, 'an exited worker is not waited for')
    assert.deepEqual(cluster.killed, [])
  })

  it('sends a booting worker the ending without waiting for it; once ready it is waited for', async () => {
    const cluster = fakeCluster(2, 5_000)
    const one = cluster.join(1)
    // Worker 2 has not joined yet (still booting): the publish does not wait for it.
    const started = Date.now()
    await one.broadcast.publish(['early'], 1)
    assert.ok(Date.now() - started < 1_000, 'not held up by a booting worker')
    const two = cluster.join(2)
    await new Promise((resolve) => setImmediate(resolve))
    await one.broadcast.publish(['late'], 2)
    assert.deepEqual([...two.ended], ['late'], 'the ready worker applied it before the publish resolved')
    assert.deepEqual(cluster.killed, [])
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
