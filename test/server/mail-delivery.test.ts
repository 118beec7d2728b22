import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { DIALECTS } from '../support/dialects.js'
import { linkIn, startSmtpSink, tokenIn } from '../support/smtp-sink.js'
import { closedPort, type ListeningServer, startServerProcess } from '../support/spawn-server.js'

const PASSWORD = 'correct horse battery staple'
const KEY_ENCRYPTION_KEY = 'k'.repeat(40)

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function post(server: ListeningServer, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

let users = 0
async function registerOn(server: ListeningServer): Promise<{ userName: string; email: string }> {
  const n = ++users
  const user = { userName: `mailee${n}_${process.pid}`, email: `mailee${n}.${process.pid}@example.com`, firstName: 'M', lastName: 'D', password: PASSWORD }
  const response = await post(server, '/api/accounts', user)
  assert.equal(response.status, 201, await response.text())
  return user
}

describe('mail from a running server', { timeout: 180_000 }, () => {
  it('with no configuration writes the mail under ./data/outbox/, names the file in the log, never the link', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'latchkey-cwd-'))
    // No DATABASE_URL, no SMTP_URL: what `npm start` in a fresh clone does, in a directory of its own.
    const server = await startServerProcess({}, 20_000, { cwd })
    try {
      const user = await registerOn(server)
      assert.equal((await post(server, '/api/auth/password-reset/send', { email: user.email })).status, 202)
      const outbox = join(cwd, 'data', 'outbox')
      await until(() => existsSync(outbox) && readdirSync(outbox).length === 1, 'the .eml file')
      const [file] = readdirSync(outbox)
      const text = readFileSync(join(outbox, file!), 'utf8')
      assert.match(text, /^Subject: Reset your password$/m)
      await until(() => server.stdout().includes('"mail sent"'), 'the log line')
      const sentLine = server.stdout().split('\n').find((line) => line.includes('"mail sent"'))!
      assert.ok(sentLine.includes(file!), 'the log line names the file')
      // The link of the file, decoded from its quoted-printable text part, opens the reset.
      const decoded = text.replace(/=\r?\n/g, '').replace(/=3D/g, '=')
      const token = /#token=([A-Za-z0-9_-]{43})/.exec(decoded)?.[1]
      assert.ok(token !== undefined, 'the file holds the link')
      assert.ok(decoded.includes(`http://127.0.0.1:${server.port}/account/reset-password#token=`), 'PUBLIC_URL defaults to the port it listens on')
      assert.ok(!server.stdout().includes(token) && !server.stderr().includes(token), 'no token in the log')
      assert.equal((await post(server, '/api/auth/password-reset', { token, newPassword: 'set from the eml file' })).status, 204)
      assert.ok(!server.stdout().includes('SMTP_URL is not set'), 'no production warning outside production')
    } finally {
      await server.kill()
      rmSync(cwd, { recursive: true, force: true })
    }
  })

  it('warns at boot under NODE_ENV=production without SMTP_URL', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'latchkey-cwd-'))
    const env = { NODE_ENV: 'production', KEY_ENCRYPTION_KEY, JWT_ALGORITHM: 'HS256', JWT_SECRET: 's'.repeat(40) }
    const bare = await startServerProcess(env, 20_000, { cwd })
    await until(() => bare.stdout().includes('SMTP_URL is not set'), 'the warning').finally(() => bare.kill())
    const sink = await startSmtpSink()
    const configured = await startServerProcess({ ...env, SMTP_URL: sink.url }, 20_000, { cwd })
    try {
      assert.ok(!configured.stdout().includes('SMTP_URL is not set'), 'control: no warning with SMTP_URL')
    } finally {
      await configured.kill()
      await sink.close()
      rmSync(cwd, { recursive: true, force: true })
    }
  })

  for (const dialect of DIALECTS) {
    it(`keeps mail through an SMTP outage and a restart (${dialect.name})`, async () => {
      const database = await dialect.create()
      const port = await closedPort()
      const smtpUrl = `smtp://mailer:pw-${process.pid}-secret@127.0.0.1:${port}`
      const env = { DATABASE_URL: database.url, SMTP_URL: smtpUrl, PUBLIC_URL: 'https://auth.example.com/base/' }
      let server = await startServerProcess(env)
      let sink
      try {
        const user = await registerOn(server)
        assert.equal((await post(server, '/api/auth/password-reset/send', { email: user.email })).status, 202)
        // SMTP is down: the sender fails, records it and will retry.
        await until(() => server.stdout().includes('mail not delivered'), 'a failed delivery')
        assert.ok(!server.stdout().includes(`pw-${process.pid}-secret`), 'the SMTP password is never logged')
        await server.kill()

        sink = await startSmtpSink({ port, auth: { user: 'mailer', pass: `pw-${process.pid}-secret` } })
        server = await startServerProcess(env)
        const mail = await sink.nextMail(user.email, { timeoutMs: 30_000 })
        const link = linkIn(mail)
        assert.ok(link.startsWith('https://auth.example.com/base/account/reset-password#token='), link)
        assert.equal((await post(server, '/api/auth/password-reset', { token: tokenIn(link), newPassword: 'after the outage' })).status, 204)
        await new Promise((resolve) => setTimeout(resolve, 2_500))
        assert.equal(sink.mailsTo(user.email).length, 1, 'delivered once')
      } finally {
        await server.kill()
        await sink?.close()
        await database.drop()
      }
    })

    it(`sends each mail once with two instances on one database (${dialect.name})`, async () => {
      const database = await dialect.create()
      // Refusals make every mail due again a few times, with both instances' senders polling for it.
      const sink = await startSmtpSink({ refuseFirst: 6 })
      const env = { DATABASE_URL: database.url, SMTP_URL: sink.url }
      const first = await startServerProcess(env)
      const second = await startServerProcess(env)
      try {
        const servers = [first, second]
        const registered = []
        for (let i = 0; i < 8; i++) registered.push(await registerOn(servers[i % 2]!))
        await Promise.all(registered.map((user, i) => post(servers[i % 2]!, '/api/auth/password-reset/send', { email: user.email })))
        for (const user of registered) await sink.nextMail(user.email, { timeoutMs: 60_000 })
        // Time for a duplicate to show up, were a mail claimed twice.
        await new Promise((resolve) => setTimeout(resolve, 5_000))
        assert.equal(sink.refused, 6)
        assert.deepEqual(
          registered.map((user) => sink.mailsTo(user.email).length),
          registered.map(() => 1),
        )
        const senders = [first, second].map((server) => server.stdout().split('\n').filter((line) => line.includes('"mail sent"')).length)
        assert.equal(senders[0]! + senders[1]!, registered.length)
      } finally {
        await Promise.all([first.kill(), second.kill()])
        await sink.close()
        await database.drop()
      }
    })
  }
})
