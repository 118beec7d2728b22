import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Transporter } from 'nodemailer'

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

/**
 * Over SMTP when `smtpUrl` is set (nodemailer), else each mail as an `.eml` file in `outboxDir`.
 * nodemailer loads with the first mail, not at startup.
 */
export function createMailTransport(options: { smtpUrl: string | undefined; from: string; outboxDir: string }): MailTransport {
  const { from, smtpUrl } = options
  let made: Promise<Transporter> | undefined
  let closed = false
  const transporter = () =>
    (made ??= import('nodemailer').then(({ default: nodemailer }) =>
      smtpUrl !== undefined
        ? // nodemailer's own logger stays off: it would print the SMTP dialogue, credentials included.
          nodemailer.createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS, logger: false, debug: false })
        : // The same message nodemailer would send, written to disk: the development stand-in for SMTP.
          nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }),
    ))
  const close = () => {
    closed = true
    void made?.then((transport) => transport.close())
  }
  if (smtpUrl !== undefined) {
    return {
      async send(mail) {
        if (closed) throw new Error('the mail transport is closed')
        await (await transporter()).sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text })
        return {}
      },
      close,
    }
  }
  return {
    async send(mail) {
      if (closed) throw new Error('the mail transport is closed')
      const info = (await (await transporter()).sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text })) as { message: Buffer }
      await mkdir(options.outboxDir, { recursive: true, mode: 0o700 })
      const file = join(options.outboxDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.id}.eml`)
      // Readable by the server's user only: the file holds a live link.
      await writeFile(file, info.message, { mode: 0o600, flag: 'wx' })
      return { file }
    },
    close,
  }
}
