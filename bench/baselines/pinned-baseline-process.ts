// `node --import tsx bench/baselines/pinned-baseline-process.ts TASK.json`: runs one raw baseline in
// a process of its own (started on the server's core by run-pinned-baseline.ts) and prints its
// rate and the CPU it used as one JSON line.
import { readFileSync } from 'node:fs'
import type { SigningKey } from '../../src/crypto/signing-keys.js'
import { verifyPasswordsPerSecond } from './verify-passwords.js'
import { verifySignaturesPerSecond } from './verify-signatures.js'
import { rotateOnPostgresPerSecond } from './rotate-on-postgres.js'
import { rotateOnSqlitePerSecond } from './rotate-on-sqlite.js'

export type BaselineTask =
  | { kind: 'verify-passwords'; concurrency: number; seconds: number }
  | { kind: 'verify-signatures'; tokens: string[]; key: SigningKey; seconds: number }
  | { kind: 'rotate-on-sqlite'; path: string; chains: number; seconds: number }
  | { kind: 'rotate-on-postgres'; url: string; chains: number; seconds: number }

async function perSecond(task: BaselineTask): Promise<number> {
  switch (task.kind) {
    case 'verify-passwords':
      return verifyPasswordsPerSecond(task.concurrency, task.seconds)
    case 'verify-signatures':
      return verifySignaturesPerSecond(task.tokens, task.key, task.seconds)
    case 'rotate-on-sqlite':
      return rotateOnSqlitePerSecond(task.path, task.chains, task.seconds)
    case 'rotate-on-postgres':
      return rotateOnPostgresPerSecond(task.url, task.chains, task.seconds)
  }
}

const task = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as BaselineTask
const usageBefore = process.cpuUsage()
const startedAt = performance.now()
const rate = await perSecond(task)
const { user, system } = process.cpuUsage(usageBefore)
const wallSeconds = (performance.now() - startedAt) / 1000
console.log(JSON.stringify({ perSecond: rate, cpuPercentOfCore: ((user + system) / 1e6 / wallSeconds) * 100 }))
