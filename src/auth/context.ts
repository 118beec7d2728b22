import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import type { PasswordHasher } from '../crypto/password-hasher.js'
import type { PasswordPolicy } from '../domain/password-policy.js'
import type { Store } from '../persistence/store.js'
import type { KeyRing } from './key-ring.js'
import type { RevocationList } from './revocation-list.js'

/** Structured log sink (pino's shape); never given a password, token, hash or key. */
export interface Log {
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  error(fields: object, message: string): void
}

/**
 * Tells the other processes of this instance (and, with Redis, other instances) which sessions
 * ended. `publish` resolves once every worker of this instance has applied it — or, should one
 * not answer, after a bounded wait (the database poll still reaches it within a second).
 */
export interface SessionEndBroadcast {
  publish(sessionIds: readonly string[], endedAt: number): Promise<void>
}

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
  readonly log: Log
}

export interface TokenPair {
  accessToken: { token: string; expiresIn: number }
  refreshToken: string
}
