import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { PINNING, pinned } from '../pinning.js'
import type { BaselineTask } from './pinned-baseline-process.js'

const run = promisify(execFile)

export interface BaselineResult {
  perSecond: number
  /** CPU of the baseline's process (all its threads) over its run, in percent of one core. */
  cpuPercentOfCore: number
}

/** Runs a raw baseline in its own process on the server's core(s): the same cores Latchkey gets. */
export async function runPinnedBaseline(task: BaselineTask): Promise<BaselineResult> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-baseline-'))
  try {
    const file = join(dir, 'task.json')
    writeFileSync(file, JSON.stringify(task))
    const [command, ...args] = pinned(PINNING.serverCpus, [process.execPath, '--import', 'tsx', 'bench/baselines/pinned-baseline-process.ts', file]) as [string, ...string[]]
    const { stdout } = await run(command, args, { timeout: (task.seconds + 120) * 1000, maxBuffer: 1 << 20 })
    const line = stdout.trim().split('\n').at(-1) ?? ''
    return JSON.parse(line) as BaselineResult
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
