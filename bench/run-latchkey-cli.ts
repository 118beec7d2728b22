import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { type ServerSettings, serverEnv } from './server-env.js'

const run = promisify(execFile)

/** Runs `latchkey <args>` (the built CLI) against the database and key settings of a server. */
export async function runLatchkeyCli(args: string[], settings: ServerSettings): Promise<string> {
  const { stdout } = await run(process.execPath, ['bin/latchkey.js', ...args], { env: serverEnv(settings), timeout: 60_000 })
  return stdout.trim()
}
