import type { AddressInfo } from 'node:net'
import { simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

/** A mail as it arrived over the wire, its text part decoded. */
export interface ReceivedMail {
  to: string
  from: string
  subject: string
  text: string
  html: string | undefined
  /** The raw message, headers and all, as the server received it. */
  raw: string
}

export interface SmtpSinkOptions {
  /** Answer the first this many deliveries `451` (a temporary failure), then accept. */
  refuseFirst?: number
  /** Credentials the server demands (AUTH PLAIN/LOGIN); absent: no authentication. */
  auth?: { user: string; pass: string }
  /** Listen on this port (one a server was told to use while nothing listened there); default: any free port. */
  port?: number
}

export interface SmtpSink {
  /** `smtp://[user:pass@]127.0.0.1:port` */
  url: string
  /** Every mail accepted so far, in order. */
  readonly mails: readonly ReceivedMail[]
  /** Deliveries answered 451 so far. */
  readonly refused: number
  /** The next mail to `to` not yet taken by an earlier call (waits up to `timeoutMs`, default 10 s). */
  nextMail(to: string, options?: { timeoutMs?: number }): Promise<ReceivedMail>
  /** Mails to `to` accepted so far, taken or not. */
  mailsTo(to: string): ReceivedMail[]
  close(): Promise<void>
}

/** A real SMTP server on a loopback port (the `smtp-server` package), keeping what it receives. */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const mails: ReceivedMail[] = []
  const taken = new Set<ReceivedMail>()
  const waiters = new Set<() => void>()
  let refused = 0
  const server = new SMTPServer({
    disabledCommands: options.auth === undefined ? ['STARTTLS', 'AUTH'] : ['STARTTLS'],
    authOptional: options.auth === undefined,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      const ok = options.auth !== undefined && auth.username === options.auth.user && auth.password === options.auth.pass
      callback(ok ? null : new Error('Invalid credentials'), ok ? { user: auth.username } : undefined)
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        if (refused < (options.refuseFirst ?? 0)) {
          refused++
          callback(Object.assign(new Error('Try again later'), { responseCode: 451 }))
          return
        }
        const raw = Buffer.concat(chunks).toString('utf8')
        simpleParser(raw).then(
          (parsed) => {
            const to = session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase())
            for (const address of to) {
              mails.push({
                to: address,
                from: parsed.from?.text ?? '',
                subject: parsed.subject ?? '',
                text: parsed.text ?? '',
                html: typeof parsed.html === 'string' ? parsed.html : undefined,
                raw,
              })
            }
            for (const wake of waiters) wake()
            callback()
          },
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        )
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.server.address() as AddressInfo
  const credentials = options.auth === undefined ? '' : `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@`

  const findNext = (to: string) => mails.find((mail) => mail.to === to.toLowerCase() && !taken.has(mail))
  return {
    url: `smtp://${credentials}127.0.0.1:${port}`,
    mails,
    get refused() {
      return refused
    },
    mailsTo: (to) => mails.filter((mail) => mail.to === to.toLowerCase()),
    async nextMail(to, { timeoutMs = 10_000 } = {}) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const mail = findNext(to)
        if (mail !== undefined) {
          taken.add(mail)
          return mail
        }
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`no mail to ${to} within ${timeoutMs} ms (received: ${mails.map((m) => `${m.to} "${m.subject}"`).join(', ') || 'none'})`)
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(timer)
            waiters.delete(wake)
            resolve()
          }
          const timer = setTimeout(wake, left)
          waiters.add(wake)
        })
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** The one link of a mail's text part (the whole URL, on one line), or an error naming what was there. */
export function linkIn(mail: ReceivedMail): string {
  const links = mail.text.match(/https?:\/\/\S+/g) ?? []
  if (links.length !== 1) throw new Error(`expected one link in "${mail.subject}", found ${links.length}`)
  return links[0]!
}

/** The token in a link's fragment (`#token=…`). */
export function tokenIn(link: string): string {
  const token = new URL(link).hash.match(/^#token=([A-Za-z0-9_-]+)$/)?.[1]
  if (token === undefined) throw new Error('the link has no #token= fragment')
  return token
}
