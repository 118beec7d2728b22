import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { simpleParser } from 'mailparser'
import type { Log } from '../../src/logger.js'
import { type Database, openDatabase } from '../../src/persistence/database.js'
import { DIALECTS } from '../support/dialects.js'
import { linkIn, startSmtpSink, tokenIn } from '../support/smtp-sink.js'
import { startTestServer, type TestServer } from '../support/test-app.js'

/** A Log that keeps every line as JSON text, to search for what must never be there. */
function capturingLog(): Log & { lines: string[] } {
  const lines: string[] = []
  const keep = (fields: object, message: string) => lines.push(JSON.stringify({ ...fields, msg: message }))
  return { lines, info: keep, warn: keep, error: keep }
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function outboxRows(database: Database, recipient: string) {
  return database.db.selectFrom('mail_outbox').selectAll().where('recipient', '=', recipient).orderBy('created_at').execute()
}

for (const dialect of DIALECTS) {
  describe(`the mail outbox (${dialect.name})`, { timeout: 180_000 }, () => {
    it('retries a mail the SMTP server refuses (451) with growing delays, sends it once, then erases its body', async () => {
      const sink = await startSmtpSink({ refuseFirst: 2 })
      const server = await startTestServer({ dialect, env: { SMTP_URL: sink.url } })
      const database = await openDatabase(server.database.url)
      try {
        const user = await server.register()
        const t0 = server.clock.now()
        assert.equal((await server.request('POST', '/api/auth/password-reset/send', { body: { email: user.email } })).status, 202)
        await until(() => sink.refused === 1, 'the first refusal')
        const [first] = await outboxRows(database, user.email)
        await until(async () => (await outboxRows(database, user.email))[0]?.last_error !== null, 'the failure recorded')
        const afterFirst = (await outboxRows(database, user.email))[0]!
        assert.equal(afterFirst.attempts, 1)
        assert.equal(afterFirst.next_attempt_at, t0 + 2_000)
        assert.match(afterFirst.last_error ?? '', /451/)
        assert.ok(first !== undefined && first.body_text !== null, 'the body waits in the outbox')
        // The fake clock stands still: nothing is retried before it is due.
        await new Promise((resolve) => setTimeout(resolve, 1_500))
        assert.equal(sink.refused, 1)

        server.clock.advance(2_000)
        await until(() => sink.refused === 2, 'the second refusal')
        await until(async () => (await outboxRows(database, user.email))[0]?.attempts === 2 && (await outboxRows(database, user.email))[0]?.claimed_until === 0, 'the second failure recorded')
        assert.equal((await outboxRows(database, user.email))[0]!.next_attempt_at, t0 + 2_000 + 4_000, 'the delay doubled')

        server.clock.advance(4_000)
        const mail = await sink.nextMail(user.email)
        assert.match(linkIn(mail), /\/account\/reset-password#token=/)
        await until(async () => (await outboxRows(database, user.email))[0]?.sent_at !== null, 'the mail marked sent')
        const sent = (await outboxRows(database, user.email))[0]!
        assert.equal(sent.body_text, null, 'the link is gone from the database once sent')
        assert.equal(sent.attempts, 3)
        assert.equal(sent.subject, mail.subject, 'the record that it was sent stays')
        server.clock.advance(60 * 60_000)
        await new Promise((resolve) => setTimeout(resolve, 1_500))
        assert.equal(sink.mailsTo(user.email).length, 1, 'sent once')
      } finally {
        await database.close()
        await server.close()
        await sink.close()
      }
    })

    it('answers a send request at once while the SMTP server hangs: mail is never sent on the request path', async () => {
      // Accepts connections and never greets: a delivery waits for nodemailer's greeting timeout (10 s).
      const sockets = new Set<Socket>()
      const hanging: Server = createServer((socket) => sockets.add(socket))
      await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve))
      const port = (hanging.address() as { port: number }).port
      let hung = 0
      hanging.on('connection', () => hung++)
      const server = await startTestServer({ dialect, env: { SMTP_URL: `smtp://127.0.0.1:${port}` } })
      try {
        const user = await server.register()
        for (const path of ['/api/auth/password-reset/send', '/api/accounts/verify-email/send']) {
          const started = Date.now()
          const response = await server.request('POST', path, { body: { email: user.email } })
          assert.equal(response.status, 202)
          // A wide margin: a delivery on this path would take the 10 s greeting timeout.
          assert.ok(Date.now() - started < 5_000, `${path} waited for SMTP`)
        }
        await until(() => hung > 0, 'the sender to connect to the hanging server', 5_000)
      } finally {
        for (const socket of sockets) socket.destroy()
        hanging.close()
        await server.close()
      }
    })

    describe('without SMTP_URL', { timeout: 120_000 }, () => {
      let server: TestServer
      const log = capturingLog()
      before(async () => {
        server = await startTestServer({ dialect, log })
      })
      after(() => server.close())

      it('writes each mail as an .eml file, names the file in the log and never the link', async () => {
        const user = await server.register()
        assert.equal((await server.request('POST', '/api/auth/password-reset/send', { body: { email: user.email } })).status, 202)
        await until(() => readdirSync(server.outboxDir).length === 1, 'the .eml file')
        const [name] = readdirSync(server.outboxDir)
        assert.match(name!, /\.eml$/)
        const parsed = await simpleParser(readFileSync(join(server.outboxDir, name!)))
        assert.equal(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]?.address : undefined, user.email)
        assert.match(parsed.subject ?? '', /reset/i)
        const link = linkIn({ to: user.email, from: '', subject: parsed.subject ?? '', text: parsed.text ?? '', html: undefined, raw: '' })
        const token = tokenIn(link)
        assert.deepEqual(parsed.from?.value.map(({ name, address }) => ({ name, address })), [{ name: 'Latchkey', address: 'no-reply@localhost' }])

        await until(() => log.lines.some((line) => line.includes('"mail sent"')), 'the log line')
        const sentLine = log.lines.find((line) => line.includes('"mail sent"'))!
        assert.ok(sentLine.includes(name!), 'the log names the file')
        assert.ok(!log.lines.some((line) => line.includes(token)), 'no token in the log')
        assert.ok(!log.lines.some((line) => line.includes('#token=')), 'no link in the log')

        // The link in the file is live.
        const reset = await server.request('POST', '/api/auth/password-reset', { body: { token, newPassword: 'from the outbox file' } })
        assert.equal(reset.status, 204)
        assert.ok(!log.lines.some((line) => line.includes(token)), 'nor once it is used')
      })
    })

    it('never logs a token, a link or the SMTP password', async () => {
      const sink = await startSmtpSink({ auth: { user: 'mailer', pass: 'sm7p-s3cret-Pa55' }, refuseFirst: 1 })
      const log = capturingLog()
      const server = await startTestServer({ dialect, env: { SMTP_URL: sink.url }, log })
      try {
        const user = await server.register()
        await server.request('POST', '/api/auth/password-reset/send', { body: { email: user.email } })
        await until(() => sink.refused === 1, 'the refusal')
        server.clock.advance(2_000)
        const mail = await sink.nextMail(user.email)
        const token = tokenIn(linkIn(mail))
        await server.request('POST', '/api/auth/password-reset', { body: { token, newPassword: 'logged nowhere at all' } })
        // A second reset mail: the first reset verified the address, so no verification mail is due.
        await server.request('POST', '/api/auth/password-reset/send', { body: { email: user.email } })
        await sink.nextMail(user.email)
        await until(() => log.lines.filter((line) => line.includes('"mail sent"')).length === 2, 'both mails logged as sent')
        const all = log.lines.join('\n')
        assert.ok(log.lines.some((line) => line.includes('not delivered')), 'control: the refusal was logged')
        assert.ok(!all.includes(token))
        assert.ok(!all.includes('#token='))
        assert.ok(!all.includes('sm7p-s3cret-Pa55'))
        assert.ok(!all.includes('logged nowhere at all'))
      } finally {
        await server.close()
        await sink.close()
      }
    })
  })
}
