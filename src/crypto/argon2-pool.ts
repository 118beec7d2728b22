import { availableParallelism } from 'node:os'
import { Piscina } from 'piscina'
import type { Argon2Task } from './argon2-worker.js'

export interface Argon2Pool {
  hash(password: string, options: object): Promise<string>
  verify(hash: string, password: string): Promise<boolean>
  close(): Promise<void>
}

/**
 * argon2 on a pool of low-priority worker threads: all idle CPU goes to hashing, and none is
 * taken from the event loop while it has work (see argon2-worker.ts). `threads` defaults to one
 * per core; processes sharing the machine (WORKERS) split the cores between them. The password
 * hasher's bounded queue (hashing-queue.ts) hands it at most `threads` tasks at a time, so
 * piscina's own, unbounded queue holds nothing but the one dummy hash made at start.
 */
export function createArgon2Pool(threads = availableParallelism()): Argon2Pool {
  // Under tsx (tests, dev) this module is .ts and so is its worker; compiled, both are .js.
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js'
  const pool = new Piscina<Argon2Task, string | boolean>({
    filename: new URL(`./argon2-worker.${extension}`, import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
  })
  return {
    hash: async (password, options) => (await pool.run({ op: 'hash', password, options })) as string,
    verify: async (hash, password) => (await pool.run({ op: 'verify', hash, password })) as boolean,
    close: () => pool.close(),
  }
}
