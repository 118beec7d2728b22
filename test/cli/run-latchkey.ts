import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Dialect, TestDatabase } from '../support/dialects.js'
import { FakeClock } from '../support/fake-clock.js'
import { startTestServer, type TestServer } from '../support/test-app.js'

const BIN = fileURLToPath(new URL('../../bin/latchkey.js', import.meta.url))
const BUILT = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs the real, built `latchkey` command (`npm run build` first) as a child process with only
 * the given environment (plus PATH) and `stdin` as its standard input.
 */
export async function latchkey(args: string[], options: { env: Record<string, string>; stdin?: string }): Promise<CliResult> {
  if (!existsSync(BUILT)) throw new Error('the CLI is not built: run `npm run build` first')
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  child.stdin.end(options.stdin ?? '')
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  return { code, stdout, stderr }
}

/** A test server on a fresh database of `dialect`, for a CLI suite to run the command against. */
export async function serverOnFreshDatabase(dialect: Dialect): Promise<{ database: TestDatabase; server: TestServer }> {
  const database = await dialect.create()
  const server = await startTestServer({ dialect, database, clock: new FakeClock(Date.now()), env: { RATE_LIMIT_PER_MINUTE: '0' } })
  return { database, server }
}

export async function closeServerAndDatabase(server: TestServer, database: TestDatabase): Promise<void> {
  await server.close()
  await database.drop()
}
