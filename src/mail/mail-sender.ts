import type { Clock } from '../clock.js'
import { nextAttemptAt } from '../domain/mail-retry.js'
import type { Log } from '../logger.js'
import type { EmailStore, OutboxMail } from '../persistence/store.js'
import type { MailTransport } from './transport.js'

/** A claimed mail is this sender's for a minute: longer than one delivery may take (transport.ts). */
const LEASE_MS = 60_000
const POLL_MS = 1_000
const BATCH = 10
const ERROR_TEXT_MAX = 300

export interface MailSenderDeps {
  store: Pick<EmailStore, 'claimDueMails' | 'markMailSent' | 'markMailFailed'>
  clock: Clock
  log: Log
  transport: MailTransport
  /** Secrets that must never reach the log or the outbox row, should an error message quote them. */
  secrets: readonly string[]
}

/**
 * The background half of the transactional outbox (contract §9): claims due mails, delivers
 * them and marks each sent (erasing its body) or failed (retried later with a growing delay).
 * Any number of senders, in any processes, may share one database: each claim is a conditional
 * write that only one of them wins, so each mail goes out once.
 */
export class MailSender {
  private readonly timer: NodeJS.Timeout
  private running: Promise<void> | undefined
  private again = false
  private stopped = false

  constructor(private readonly deps: MailSenderDeps) {
    this.timer = setInterval(() => this.nudge(), POLL_MS)
    this.timer.unref()
    this.nudge()
  }

  /** Looks for due mail now (a request just queued some); at most one pass runs at a time. */
  nudge(): void {
    if (this.stopped) return
    if (this.running !== undefined) {
      this.again = true
      return
    }
    this.running = this.drain()
      .catch((error: unknown) => this.deps.log.warn({ reason: this.describe(error) }, 'mail outbox unreachable; trying again'))
      .finally(() => {
        this.running = undefined
        if (this.again) {
          this.again = false
          this.nudge()
        }
      })
  }

  /** Stops looking for mail and waits for the delivery in progress (its claim lapses if cut short). */
  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    await this.running
    this.deps.transport.close()
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const at = this.deps.clock.now()
      const batch = await this.deps.store.claimDueMails({ at, leaseUntil: at + LEASE_MS, limit: BATCH })
      if (batch.length === 0) return
      for (const mail of batch) await this.deliver(mail)
    }
  }

  private async deliver(mail: OutboxMail): Promise<void> {
    const { store, clock, log, transport } = this.deps
    const about = { mailId: mail.id, kind: mail.kind, userId: mail.userId, attempt: mail.attempts }
    let where: { file?: string }
    try {
      where = await transport.send({ id: mail.id, to: mail.recipient, subject: mail.subject, text: mail.bodyText })
    } catch (error) {
      const at = clock.now()
      const retryAt = nextAttemptAt(mail, at)
      const reason = this.describe(error)
      await store.markMailFailed({ id: mail.id, at, leaseUntil: mail.leaseUntil, error: reason, retryAt })
      if (retryAt === undefined) log.error({ ...about, reason }, 'mail given up: not delivered for 48 hours')
      else log.warn({ ...about, reason, retryInMs: retryAt - at }, 'mail not delivered; will retry')
      return
    }
    await store.markMailSent({ id: mail.id, at: clock.now(), leaseUntil: mail.leaseUntil })
    // The file's name, never its link (contract §1).
    log.info({ ...about, ...where }, 'mail sent')
  }

  /** An error as one short line: code, SMTP response code and message, secrets blotted out. */
  private describe(error: unknown): string {
    const fields = error instanceof Error ? (error as Error & { code?: unknown; responseCode?: unknown }) : undefined
    const parts = [fields?.code, fields?.responseCode, fields?.message ?? String(error)].filter((part) => part !== undefined && part !== '')
    return this.blot(parts.join(' ')).slice(0, ERROR_TEXT_MAX)
  }

  private blot(text: string): string {
    return this.deps.secrets.reduce((result, secret) => (secret === '' ? result : result.split(secret).join('***')), text)
  }
}
