import { pbkdf2Sync, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Harness } from '../harness.js'
import { makeRow, type Row } from '../row.js'
import { runLatchkeyCli } from '../run-latchkey-cli.js'
import { startLatchkey } from '../server-process.js'

const PASSWORD = 'the account password'

/** ASP.NET Core Identity v3 with HMAC-SHA512 and 100,000 iterations (.NET 7+'s default). */
function identityV3Sha512(password: string): string {
  const salt = randomBytes(16)
  const header = Buffer.alloc(13)
  header.writeUInt8(0x01, 0)
  header.writeUInt32BE(2, 1)
  header.writeUInt32BE(100_000, 5)
  header.writeUInt32BE(salt.length, 9)
  return Buffer.concat([header, salt, pbkdf2Sync(password, salt, 100_000, 32, 'sha512')]).toString('base64')
}

async function failedLoginMicros(url: string, userName: string): Promise<number> {
  const started = performance.now()
  const response = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName, password: 'a wrong guess' }) })
  await response.arrayBuffer()
  if (response.status !== 401) throw new Error(`a failed login answered ${response.status}`)
  return (performance.now() - started) * 1000
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0

/**
 * Failed logins one at a time, taking turns: a user that does not exist, a native account, and an
 * account imported from ASP.NET Core Identity (v3, SHA-512, 100,000 iterations, not yet upgraded).
 * Their medians must agree within 10 %, or the time of a failure tells which exists and how.
 */
export async function benchLoginTiming(h: Harness): Promise<Row[]> {
  const database = await h.database('sqlite', 'timing')
  const trials = h.budget.quick ? 8 : 60
  const settings = { databaseUrl: database.url, algorithm: 'EdDSA' as const, workers: 1, loginMaxFailures: 100 }
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-bench-timing-'))
  try {
    const file = join(dir, 'import.json')
    writeFileSync(file, JSON.stringify([{ userName: 'legacy.user', email: 'legacy@bench.example', passwordHash: identityV3Sha512(PASSWORD) }]))
    await runLatchkeyCli(['users', 'import', file], settings)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const server = await startLatchkey(settings)
  try {
    const registered = await fetch(`${server.url}/api/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ firstName: 'Native', lastName: 'User', email: 'native@bench.example', userName: 'native.user', password: PASSWORD }),
    })
    if (registered.status !== 201) throw new Error(`registration answered ${registered.status}`)
    const paths = { unknown: 'nobody.here', native: 'native.user', legacy: 'legacy.user' }
    const times: Record<keyof typeof paths, number[]> = { unknown: [], native: [], legacy: [] }
    await failedLoginMicros(server.url, paths.unknown) // warm up
    for (let i = 0; i < trials; i++) {
      for (const path of Object.keys(paths) as (keyof typeof paths)[]) times[path].push(await failedLoginMicros(server.url, paths[path]))
    }
    const unknown = median(times.unknown)
    const row = (path: 'native' | 'legacy', label: string) =>
      makeRow(
        { scenario: `failed login median, ${label} vs unknown user`, workers: 1, db: 'sqlite', unit: 'µs', latchkey: median(times[path]), baseline: unknown, note: `${trials} logins each, taking turns` },
        { withinRatio: 0.1 },
      )
    return [row('native', 'native account'), row('legacy', 'imported Identity v3 account')]
  } finally {
    await server.stop()
  }
}
