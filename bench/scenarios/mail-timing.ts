import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { registerUsers } from '../fixtures/register-users.js'
import type { Harness } from '../harness.js'
import { makeRow, type Row } from '../row.js'
import { startLatchkey } from '../server-process.js'

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0

async function sendMicros(url: string, path: string, email: string): Promise<number> {
  const started = performance.now()
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) })
  await response.arrayBuffer()
  if (response.status !== 202) throw new Error(`${path} answered ${response.status}`)
  return (performance.now() - started) * 1000
}

/** An SMTP server on loopback that accepts and drops every mail: the sender has somewhere to deliver. */
async function startDiscardingSmtp(): Promise<{ url: string; close(): Promise<void> }> {
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => {})
      stream.on('end', () => callback())
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.server.address() as AddressInfo
  return { url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

/**
 * The send endpoints of contract §9, one request at a time, taking turns: an address no account
 * has, and the address of an account that gets a mail (a fresh account each time, so the hourly cap
 * never turns the known path into the cheaper refusal). Their medians must agree within 10 %, or
 * the time of the 202 tells whether an account exists.
 */
export async function benchMailTiming(h: Harness): Promise<Row[]> {
  const rows: Row[] = []
  const trials = h.budget.quick ? 8 : 60
  const smtp = await startDiscardingSmtp()
  try {
    for (const db of ['sqlite', 'postgres'] as const) {
      const database = await h.database(db, 'mail-timing')
      const server = await startLatchkey({ databaseUrl: database.url, algorithm: 'EdDSA', workers: 1, smtpUrl: smtp.url })
      try {
        const users = await registerUsers(server.url, `mailtiming${db}`, trials * 2 + 1)
        const known = users.map((user) => `${user.userName}@bench.example`)
        for (const [path, label] of [
          ['/api/auth/password-reset/send', 'password-reset/send'],
          ['/api/accounts/verify-email/send', 'verify-email/send'],
        ] as const) {
          const times = { unknown: [] as number[], known: [] as number[] }
          await sendMicros(server.url, path, 'warm-up@nowhere.example')
          for (let i = 0; i < trials; i++) {
            times.unknown.push(await sendMicros(server.url, path, `nobody${i}@nowhere.example`))
            times.known.push(await sendMicros(server.url, path, known[(label === 'verify-email/send' ? trials : 0) + i]!))
          }
          rows.push(
            makeRow(
              { scenario: `${label} median, known vs unknown address`, workers: 1, db, unit: 'µs', latchkey: median(times.known), baseline: median(times.unknown), note: `${trials} requests each, taking turns` },
              { withinRatio: 0.1 },
            ),
          )
        }
      } finally {
        await server.stop()
      }
    }
  } finally {
    await smtp.close()
  }
  return rows
}
