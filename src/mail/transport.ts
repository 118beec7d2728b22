import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import nodemailer from 'nodemailer'

/** One mail as the transport takes it. */
export interface OutgoingMail {
  id: string
  to: string
  subject: string
  text: string
}

export interface MailTransport {
  /** Delivers the mail or throws; resolves to where it went (for the log: never its content). */
  send(mail: OutgoingMail): Promise<{ file?: string }>
  close(): void
}

/** Bounds on one SMTP delivery, well inside the sender's claim on the mail. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000, dnsTimeout: 10_000 }

/** Over SMTP when `smtpUrl` is set (nodemailer), else each mail as an `.eml` file in `outboxDir`. */
export function createMailTransport(options: { smtpUrl: string | undefined; from: string; outboxDir: string }): MailTransport {
  const { from } = options
  if (options.smtpUrl !== undefined) {
    // nodemailer's own logger stays off: it would print the SMTP dialogue, credentials included.
    const smtp = nodemailer.createTransport({ url: options.smtpUrl, ...SMTP_TIMEOUTS, logger: false, debug: false })
    return {
      async send(mail) {
        await smtp.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text })
        return {}
      },
      close: () => smtp.close(),
    }
  }
  // The same message nodemailer would send, written to disk: the development stand-in for SMTP.
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
  return {
    async send(mail) {
      const info = await composer.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text })
      await mkdir(options.outboxDir, { recursive: true, mode: 0o700 })
      const file = join(options.outboxDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.id}.eml`)
      // Readable by the server's user only: the file holds a live link.
      await writeFile(file, info.message, { mode: 0o600, flag: 'wx' })
      return { file }
    },
    close: () => composer.close(),
  }
}
