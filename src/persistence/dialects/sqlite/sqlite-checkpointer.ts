import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

// The thread's whole program: its own connection, a PASSIVE checkpoint every interval (it copies
// what it can without waiting for readers or blocking writers; a busy tick just tries again).
const CHECKPOINT_LOOP = `
const { workerData } = require('node:worker_threads')
const SqliteDatabase = require(workerData.driver)
const connection = new SqliteDatabase(workerData.path)
connection.pragma('busy_timeout = 5000')
setInterval(() => {
  try { connection.pragma('wal_checkpoint(PASSIVE)') } catch {}
}, workerData.intervalMs)
`

/**
 * Moves SQLite's WAL checkpoints off the event loop. A checkpoint copies WAL pages into the
 * database file and fsyncs it — milliseconds of blocking I/O that, run inside whichever commit
 * crosses 1,000 pages (SQLite's default), would stall every request of the process. The caller
 * turns the automatic checkpoint off; this thread, with its own connection, checkpoints instead.
 */
export function startCheckpointer(path: string, intervalMs = 1_000): { stop(): Promise<void> } {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3')
  const worker = new Worker(CHECKPOINT_LOOP, { eval: true, workerData: { driver, path, intervalMs } })
  worker.unref()
  // A failed checkpointer must not take the server down: SQLite stays correct without it.
  worker.on('error', () => {})
  return { stop: async () => void (await worker.terminate()) }
}
