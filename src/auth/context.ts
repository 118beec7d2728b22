import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import type { KeySealer } from '../crypto/key-encryption.js'
import type { LegacyProfiles } from '../crypto/legacy-work.js'
import type { PasswordHasher } from '../crypto/password-hasher.js'
import type { PasswordPolicy } from '../domain/password-policy.js'
import type { Store } from '../persistence/store.js'
import type { KeyRing, RevocationList, SessionEndBroadcast } from '../access-tokens/index.js'
import type { Log } from '../logger.js'


/** What every use case runs against: passed in, never imported, so tests can swap the clock. */
export interface AuthContext {
  readonly config: Config
  readonly clock: Clock
  readonly store: Store
  readonly hasher: PasswordHasher
  readonly keys: KeyRing
  readonly revocations: RevocationList
  /** Absent in a single process: its own revocation list is the only one. */
  readonly sessionEnds?: SessionEndBroadcast
  readonly passwordPolicy: PasswordPolicy
  /** The PBKDF2 profiles of imported hashes: every login pays each of them once. */
  readonly legacyProfiles: LegacyProfiles
  readonly log: Log
  /** PUBLIC_URL, or `http://127.0.0.1:<the port this server listens on>`: the base of mailed links. */
  readonly publicUrl: () => string
  /** The background mail sender of this process, woken when a request queues mail (absent in the CLI). */
  readonly mailer?: { nudge(): void }
  /** Seals TOTP secrets at rest with KEY_ENCRYPTION_KEY (plain without one), as it seals signing keys. */
  readonly mfaSealer: KeySealer
  /** The HMAC key of recovery-code hashes, derived from KEY_ENCRYPTION_KEY (a public one without it). */
  readonly recoveryCodePepper: Buffer
}

export interface TokenPair {
  accessToken: { token: string; expiresIn: number }
  refreshToken: string
}
