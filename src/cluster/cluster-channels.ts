import type { Cluster, Worker } from 'node:cluster'
import type { WorkerChannel } from './join-session-end-broadcast.js'
import type { RelayWorker, WorkerPool } from './relay-session-ends.js'

/** node:cluster's primary, as the relay sees it: only connected workers are asked. */
export function clusterWorkerPool(cluster: Cluster): WorkerPool {
  const relayWorker = (worker: Worker): RelayWorker => ({
    id: worker.id,
    send: (message, callback) => worker.send(message, callback),
    kill: () => worker.process.kill('SIGKILL'),
  })
  return {
    workers: () =>
      Object.values(cluster.workers ?? {})
        .filter((worker): worker is Worker => worker !== undefined && worker.isConnected())
        .map(relayWorker),
    on: (event: 'message' | 'exit', listener: (worker: RelayWorker, message?: unknown) => void) =>
      cluster.on(event, (worker: Worker, message?: unknown) => listener(relayWorker(worker), message)),
  }
}

/** This cluster worker's IPC channel to the primary. */
export function primaryChannel(processLike: NodeJS.Process): WorkerChannel {
  return {
    send(message, callback) {
      if (processLike.send === undefined || !processLike.connected) throw new Error('no IPC channel')
      return processLike.send(message, undefined, undefined, callback)
    },
    on: (event, listener) => processLike.on(event, listener),
    off: (event, listener) => processLike.off(event, listener),
  }
}
