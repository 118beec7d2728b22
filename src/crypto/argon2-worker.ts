import { setPriority } from 'node:os'
import { hashSync, verifySync } from '@node-rs/argon2'

// On Linux, setpriority() on "process 0" renices only the calling thread: this pool thread.
// Hashing then takes the CPU the event loop leaves idle, so a login storm cannot push up the
// latency of token checks served by the same process.
try {
  setPriority(0, 19)
} catch {
  // Not permitted or not supported here: hashing still works, at normal priority.
}

export type Argon2Task =
  | { op: 'hash'; password: string; options: object }
  | { op: 'verify'; hash: string; password: string }

/** Runs one argon2 call synchronously on this pool thread. */
export default function run(task: Argon2Task): string | boolean {
  if (task.op === 'hash') return hashSync(task.password, task.options)
  return verifySync(task.hash, task.password)
}
