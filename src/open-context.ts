import { availableParallelism } from 'node:os'
import { type KeyStorageReport, KeyRing, RevocationList, type SessionEndBroadcast } from './access-tokens/index.js'
import type { AuthContext } from './auth/context.js'
import { checkAndSealMfaSecrets } from './auth/seal-mfa-secrets.js'
import { createPasswordPolicy } from './domain/common-passwords.js'
import type { Clock } from './clock.js'
import type { Config } from './config.js'
import type { Log } from './logger.js'
import { createKeySealer } from './crypto/key-encryption.js'
import { LegacyProfiles } from './crypto/legacy-work.js'
import { deriveRecoveryCodePepper } from './crypto/recovery-code-hash.js'
import { createPasswordHasher, type PasswordHasher } from './crypto/password-hasher.js'
import { createStore } from './persistence/create-store.js'
import { type Database, migrateToLatest, openDatabase } from './persistence/database.js'
import type { Store } from './persistence/store.js'
import { MailSender } from './mail/mail-sender.js'
import { createMailTransport } from './mail/transport.js'

export interface OpenedContext {
  ctx: AuthContext
  database: Database
  /** The port the server listens on: the default PUBLIC_URL names it. */
  setListeningPort(port: number): void
  close(): Promise<void>
}

/** Where mail goes when SMTP_URL is unset (contract §1). */
export const DEFAULT_OUTBOX_DIR = './data/outbox'

/**
 * The composition root shared by the server, the CLI and the tests: opens and migrates the
 * database, loads the signing keys, and wires the use cases' dependencies.
 */
export async function openContext(
  config: Config,
  deps: {
    clock: Clock
    log: Log
    hasher?: PasswordHasher
    migrate?: boolean
    loadKeys?: boolean
    /** A long-running server: SQLite's WAL is checkpointed on a thread of its own. */
    backgroundCheckpoints?: boolean
    /** Joins the other processes of the instance: told what this one ends, applying what they end. */
    sessionEnds?: (revocations: RevocationList) => SessionEndBroadcast & { close(): void }
    /** Runs a background mail sender in this process (servers; not the CLI). */
    sendMail?: { outboxDir?: string }
  },
): Promise<OpenedContext> {
  const database = await openDatabase(config.databaseUrl, { backgroundCheckpoints: deps.backgroundCheckpoints === true })
  try {
    if (deps.migrate !== false) await migrateToLatest(database)
    const store = createStore(database)
    const sealer = createKeySealer(config.keyEncryptionKey)
    const keys = new KeyRing(config, store, sealer, deps.clock)
    if (deps.loadKeys !== false) {
      reportKeyStorage(config, await keys.load(), deps.log)
      await checkAndSealMfaSecrets({ store, mfaSealer: sealer, log: deps.log })
    }
    // An ended session's access tokens live at most ACCESS_TOKEN_TTL (+ skew) past its end; each
    // entry is kept that long (and a second more) from when this process learns of the end.
    const retainMs = (config.accessTokenTtlSeconds + config.clockSkewSeconds) * 1000 + 1000
    const revocations = new RevocationList(store, deps.clock, retainMs)
    const sessionEnds = deps.sessionEnds?.(revocations)
    const legacyProfiles = new LegacyProfiles(() => store.listLegacyHashProfiles())
    await legacyProfiles.refresh()
    let listeningPort = config.port
    const mailer = deps.sendMail === undefined ? undefined : startMailSender(config, store, deps.clock, deps.log, deps.sendMail.outboxDir ?? DEFAULT_OUTBOX_DIR)
    let recoveryCodePepper: Buffer | undefined
    const ctx: AuthContext = {
      config,
      clock: deps.clock,
      store,
      // The instance's processes share the cores: each hashes on its share of them.
      hasher: deps.hasher ?? createPasswordHasher({ threads: Math.max(1, Math.floor(availableParallelism() / config.workers)) }),
      keys,
      revocations,
      ...(sessionEnds === undefined ? {} : { sessionEnds }),
      passwordPolicy: createPasswordPolicy(config.passwordMinLength),
      legacyProfiles,
      log: deps.log,
      publicUrl: () => config.publicUrl ?? `http://127.0.0.1:${listeningPort}`,
      mfaSealer: sealer,
      // Derived on first use (a scrypt of tens of milliseconds): startup does not wait for it.
      get recoveryCodePepper() {
        recoveryCodePepper ??= deriveRecoveryCodePepper(config.keyEncryptionKey)
        return recoveryCodePepper
      },
      ...(mailer === undefined ? {} : { mailer }),
    }
    const close = async () => {
      await mailer?.stop()
      sessionEnds?.close()
      await ctx.hasher.close()
      await database.close()
    }
    const setListeningPort = (port: number) => {
      listeningPort = port
    }
    return { ctx, database, setListeningPort, close }
  } catch (error) {
    await database.close()
    throw error
  }
}

function startMailSender(config: Config, store: Store, clock: Clock, log: Log, outboxDir: string): MailSender {
  const transport = createMailTransport({ smtpUrl: config.smtpUrl, from: config.mailFrom, outboxDir })
  // The SMTP password, should an error message ever quote the URL.
  const password = config.smtpUrl === undefined ? '' : decodeURIComponent(new URL(config.smtpUrl).password)
  return new MailSender({ store, clock, log, transport, secrets: [password, config.smtpUrl ?? ''] })
}

function reportKeyStorage(config: Config, report: KeyStorageReport, log: Log): void {
  if (report.sealed > 0) log.info({ sealed: report.sealed }, 'sealed plaintext private signing keys with KEY_ENCRYPTION_KEY')
  if (report.plaintext > 0 && config.production) {
    log.warn({ plaintext: report.plaintext }, 'private signing keys are stored in plaintext: set KEY_ENCRYPTION_KEY to seal them')
  }
}
