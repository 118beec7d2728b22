import type { BackOffState } from '../domain/back-off.js'
import type { RefreshTokenRecord } from '../domain/session.js'
import type { User } from '../domain/user.js'

/** Who made a request: kept on sessions and security events. */
export interface ClientInfo {
  ipAddress: string | null
  userAgent: string | null
}

export type SecurityEventType =
  | 'registered'
  | 'login_succeeded'
  | 'login_failed'
  | 'login_throttled'
  | 'refresh_reuse_detected'
  | 'session_ended'
  | 'password_changed'
  | 'roles_changed'
  | 'verification_sent'
  | 'email_verified'
  | 'password_reset_requested'
  | 'password_reset'
  | 'email_change_requested'
  | 'email_changed'
  | 'mfa_enabled'
  | 'mfa_disabled'
  | 'recovery_code_used'

export interface SecurityEvent {
  userId: string
  type: SecurityEventType
  at: number
  client: ClientInfo
}

/** RFC 8176 methods a session is started with (contract §3, §10). */
export type AuthMethods = readonly ['pwd'] | readonly ['pwd', 'otp']

export interface NewSession {
  id: string
  userId: string
  /** With `otp`, the login passed the second factor; without it, createSession refuses a user whose factor is on. */
  amr: AuthMethods
  createdAt: number
  expiresAt: number
  absoluteExpiresAt: number
  client: ClientInfo
}

export interface NewRefreshToken {
  id: string
  sessionId: string
  tokenHash: string
  issuedAt: number
  expiresAt: number
}

export interface Rotation {
  usedId: string
  sessionId: string
  at: number
  successor: NewRefreshToken
  /** The successor sealed under the used token, kept for the grace period. */
  successorSealed: string
  sessionExpiresAt: number
  client: ClientInfo
}

export interface StoredSigningKey {
  kid: string
  algorithm: string
  publicKey: string
  privateKey: string
  createdAt: number
  retiredAt: number | null
}

export type EndReason = 'logout' | 'reuse' | 'evicted' | 'password_changed' | 'password_reset' | 'disabled' | 'roles_changed' | 'revoked' | 'mfa_enabled' | 'mfa_reset'

/** Which sessions to end: one by id (only if it is `userId`'s, when given), or all of a user's (optionally but one). */
export type SessionSelector = { sessionId: string; userId?: string } | { userId: string; exceptSessionId?: string }

export interface NewLogin {
  session: NewSession
  firstToken: NewRefreshToken
  /** Live sessions the user may keep, the new one included; the least recently used go first. */
  maxLive: number
  /** The hash the login verified: a password change or reset committed since makes it fail. */
  expectedPasswordHash: string
}

export interface SessionEnding {
  selector: SessionSelector
  reason: EndReason
  at: number
  client: ClientInfo
  /** Recorded once per ended session beside `session_ended` (e.g. `refresh_reuse_detected`). */
  extraEvent?: SecurityEventType
}

export interface GraceClaim {
  successorId: string
  sessionId: string
  at: number
  client: ClientInfo
}

export interface PruneCutoffs {
  /** Sessions that ended, or expired, before this instant go. */
  sessionsBefore: number
  /** Sealed successors of tokens used before this instant are erased (their grace is over). */
  successorsBefore: number
}

export interface UserStore {
  findUserByIdentifier(identifier: string): Promise<User | undefined>
  findUserById(id: string): Promise<User | undefined>
  /** The account whose email is `email`, ignoring case (never one whose user name it is). */
  findUserByEmail(email: string): Promise<User | undefined>
  listRoles(userId: string): Promise<string[]>
  /** Inserts the user, roles and `registered` event in one transaction, or names the clash. */
  createUser(user: User, roles: readonly string[], client: ClientInfo, verification?: LinkMail): Promise<'created' | 'duplicate_user_name' | 'duplicate_email'>
  /** The PBKDF2 profiles (`prf$iterations$length`) of imported hashes still stored. */
  listLegacyHashProfiles(): Promise<string[]>
  /** Forgets the profiles no stored hash has any more (every such user logged in since). */
  pruneLegacyHashProfiles(): Promise<number>
  /** Replaces the hash only if it is still `expectedHash` (compare-and-set); true when it did. */
  upgradePasswordHash(upgrade: { userId: string; expectedHash: string; newHash: string }): Promise<boolean>
  setUserDisabled(userId: string, disabledAt: number | null): Promise<void>
  /** True when the role was added (false: the user had it). */
  grantRole(userId: string, role: string): Promise<boolean>
  /** True when the role was removed (false: the user did not have it). */
  revokeRole(userId: string, role: string): Promise<boolean>
}

export interface SessionStore {
  /**
   * Creates the session, its first token and its `login_succeeded` event, ending the least
   * recently used live sessions past `maxLive`; undefined (nothing written) when the user is
   * disabled or its password hash is no longer `expectedPasswordHash`.
   */
  createSession(login: NewLogin): Promise<{ evicted: string[] } | undefined>
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined>
  /** Uses up the token and stores its successor in one transaction; false (nothing changed) when the token was already used or its session is over. */
  rotateRefreshToken(rotation: Rotation): Promise<boolean>
  /** Atomically: true when the successor is still unpresented and its session live. */
  claimGraceSuccessor(claim: GraceClaim): Promise<boolean>
  /** Ends the selected live sessions, recording `session_ended` (and `extraEvent`) for each; returns their ids. */
  endSessions(ending: SessionEnding): Promise<string[]>
  /**
   * Session ends recorded after `position`, oldest first, at most `limit`: every process follows
   * them to refuse ended sessions' access tokens. Positions only grow, and become visible in
   * order, so a reader that has seen position n never later finds a new one below it.
   */
  listSessionEndsAfter(position: number, limit: number): Promise<SessionEnd[]>
  /** Deletes sessions (with their tokens) and session ends past `cutoffs.sessionsBefore`; erases successors used before `successorsBefore`. */
  prune(cutoffs: PruneCutoffs): Promise<{ sessions: number; successorsErased: number }>
}

/** A recorded session end: `position` orders them, `endedAt` is the ending process's clock. */
export interface SessionEnd {
  position: number
  sessionId: string
  endedAt: number
}

export interface SigningKeyStore {
  listSigningKeys(): Promise<StoredSigningKey[]>
  /** Adds `key` as the active key of its algorithm, retiring the one it replaces. */
  addSigningKey(key: StoredSigningKey): Promise<void>
  /** Stores `privateKey` for `kid` if its stored value is still `expected`; true when it did. */
  replacePrivateKey(change: { kid: string; expected: string; privateKey: string }): Promise<boolean>
}

export interface EventStore {
  recordEvent(event: SecurityEvent): Promise<void>
  listEvents(userId: string, limit: number): Promise<SecurityEvent[]>
}

/** A live session as its user sees it (contract §4.4). */
export interface SessionSummary {
  id: string
  createdAt: number
  lastUsedAt: number
  expiresAt: number
  ipAddress: string | null
  userAgent: string | null
}

export interface PasswordChange {
  userId: string
  /** The hash the caller verified the current password against: a change committed since wins. */
  expectedHash: string
  newHash: string
  /** The session that made the change keeps working; every other one ends. Absent: all end. */
  keepSessionId?: string
  at: number
  client: ClientInfo
}

export interface AccountStore {
  /** The user's sessions that are neither ended nor expired at `at`, most recently used first. */
  listLiveSessions(userId: string, at: number): Promise<SessionSummary[]>
  /**
   * In one transaction: replaces the password hash if it is still `expectedHash`, ends the other
   * sessions and records `password_changed`. Undefined (nothing written) when the hash moved on.
   */
  changePassword(change: PasswordChange): Promise<{ endedSessions: string[] } | undefined>
  /**
   * In one transaction: marks the user disabled (keeping an earlier mark) and ends every live
   * session. Returns the ended ids.
   */
  disableUser(change: { userId: string; at: number; client: ClientInfo }): Promise<{ endedSessions: string[] }>
}

/** Everything the use cases need of the database: one port, one implementation per concern. */
export interface Store extends UserStore, SessionStore, SigningKeyStore, EventStore, AccountStore, LoginLimitStore, EmailStore, MfaStore {}

/** Whom a login attempt is counted against: its account key and the client's IP group (contract §4.5). */
export interface AttemptKey {
  subjectKey: string
  ipKey: string
}

export interface RateLimitHit {
  key: string
  atMs: number
  windowMs: number
  max: number
}

export interface RateLimitCount {
  /** False when `max` requests were already admitted in the window: this one was not recorded. */
  admitted: boolean
  /** Requests admitted in the window, this one included when admitted. */
  count: number
  /** The oldest of them: a place frees when it leaves the window. */
  oldestAtMs: number
}

/** Rows at or before these instants go; back-off rows only once no reservation is live at `nowMs`. */
export interface LoginLimitCutoffs {
  nowMs: number
  rateLimitHitsUpTo: number
  backOffsUpTo: number
  loginFailuresUpTo: number
  knownIpsUpTo: number
}

export interface LoginLimitStore {
  /** Atomically, across processes: records the hit if fewer than `max` hits of its key were admitted in the `windowMs` up to `atMs`. */
  admitRateLimitHit(hit: RateLimitHit): Promise<RateLimitCount>
  findBackOff(key: AttemptKey): Promise<BackOffState | undefined>
  /**
   * Reads the key's state (all zeros when there is none) under a write lock held until it is
   * written back, stores what `change` makes of it (undefined deletes it) and returns the verdict.
   */
  changeBackOff<R>(key: AttemptKey, change: (state: BackOffState) => { next: BackOffState | undefined; verdict: R }): Promise<R>
  /**
   * A failed attempt, in one transaction: the key's back-off state changed as `changeBackOff`
   * does and, for an account, the failure counted towards the hourly rule and `login_failed`
   * recorded. One commit either way, so a wrong password costs what an unknown user costs.
   */
  recordFailure(failure: { key: AttemptKey; change: (state: BackOffState) => BackOffState | undefined; account?: { userId: string; atMs: number; client: ClientInfo } }): Promise<void>
  clearBackOff(key: AttemptKey): Promise<void>
  recordLoginFailure(failure: { userId: string; atMs: number }): Promise<void>
  /** The instant of the account's `n`-th most recent failure (1: the latest), if it has had `n`. */
  nthLatestLoginFailure(userId: string, n: number): Promise<number | undefined>
  recordKnownIp(login: { userId: string; ipKey: string; atMs: number }): Promise<void>
  /** The last successful login into the account from the IP group, if one is kept. */
  lastLoginFrom(known: { userId: string; ipKey: string }): Promise<number | undefined>
  /** Deletes counters that no longer count; returns how many rows went. */
  pruneLoginLimits(cutoffs: LoginLimitCutoffs): Promise<number>
}

/** What a mailed link is for (contract §9): verify the address, change it, reset the password. */
export type LinkPurpose = 'verify' | 'change' | 'reset'

/** The kinds of mail; the hourly cap counts `verification`, `reset` and `change` (whose notice goes with it). */
export type MailKind = 'verification' | 'reset' | 'change' | 'change_notice'

/** A link's token as stored: its hash only. */
export interface LinkToken {
  tokenHash: string
  userId: string
  purpose: LinkPurpose
  /** The address the link proves: the account's own (verify, reset) or the new one (change). */
  email: string
  createdAt: number
  expiresAt: number
}

export interface NewMail {
  id: string
  userId: string
  kind: MailKind
  recipient: string
  subject: string
  bodyText: string
  createdAt: number
}

/** A link and the mails that carry it (a change of address: the link to the new address, a notice to the old). */
export interface LinkMail {
  token: LinkToken
  mails: NewMail[]
}

export interface LinkMailRequest extends LinkMail {
  /** Undefined: the address named no account; the same statements run and nothing is written. */
  userId: string | undefined
  at: number
  /** The kind the hourly cap counts. */
  kind: MailKind
  maxPerHour: number
  /** The user's live links of these purposes die first (a new reset link voids the earlier ones). */
  voids?: LinkPurpose[]
  event: SecurityEventType
  client: ClientInfo
}

/** A queued mail a sender has claimed until `leaseUntil`. */
export interface OutboxMail extends NewMail {
  /** Delivery attempts so far, this one included. */
  attempts: number
  leaseUntil: number
}

export type EmailConfirmation =
  | { kind: 'invalid' }
  | { kind: 'duplicate_email' }
  /** `changed`: false when the address was verified already (nothing written but the used link). */
  | { kind: 'verified'; userId: string; changed: boolean }
  | { kind: 'changed'; userId: string }

export interface EmailStore {
  /**
   * In one transaction, the user's row locked: unless `maxPerHour` mails of `kind` went to the
   * user in the hour before `at`, voids the user's links of `voids`, stores the token, queues the
   * mails and records the event. True when queued.
   */
  queueLinkMail(request: LinkMailRequest): Promise<boolean>
  /** A live (unused, unexpired, not voided) link's token. */
  findLinkToken(tokenHash: string, at: number): Promise<LinkToken | undefined>
  /** Uses a verification or change-of-address link, in one transaction. */
  confirmEmail(use: { tokenHash: string; at: number; client: ClientInfo }): Promise<EmailConfirmation>
  /**
   * Uses a reset link, in one transaction: the new hash, the address verified, every reset link
   * voided, every session ended, the back-off counts of the account cleared, `password_reset`
   * recorded. Undefined (nothing written) when the link is not live.
   */
  resetPassword(reset: { tokenHash: string; newHash: string; at: number; client: ClientInfo }): Promise<{ userId: string; endedSessions: string[] } | undefined>
  /** True when the address was not verified before. */
  markEmailVerified(userId: string, at: number): Promise<boolean>
  /** Claims up to `limit` due mails for this sender until `leaseUntil`; each claimed by one sender only. */
  claimDueMails(claim: { at: number; leaseUntil: number; limit: number }): Promise<OutboxMail[]>
  /** The mail went out: its body is erased, the record stays. */
  markMailSent(sent: { id: string; at: number; leaseUntil: number }): Promise<void>
  /** Delivery failed: retried at `retryAt`, or given up (body erased) when it is undefined. */
  markMailFailed(failure: { id: string; at: number; leaseUntil: number; error: string; retryAt: number | undefined }): Promise<void>
  /** Deletes sent or abandoned mails created before `mailBefore` and links expired by `tokensBefore`. */
  pruneMail(cutoffs: { mailBefore: number; tokensBefore: number }): Promise<number>
}

/** A user's second factor as stored: secrets sealed (KEY_ENCRYPTION_KEY), never in a log. */
export interface MfaState {
  secret: string | null
  pendingSecret: string | null
  enabledAt: number | null
  lastStep: number | null
}

/** The second step of a login, by its token's hash. */
export interface MfaChallenge {
  tokenHash: string
  userId: string
  /** The hash the first step verified: a password changed since voids the challenge. */
  passwordHash: string
  createdAt: number
  expiresAt: number
}

export interface MfaStore {
  findMfa(userId: string): Promise<MfaState | undefined>
  /** Stores a new pending secret (replacing an earlier one); false when the factor is on. */
  setPendingMfaSecret(change: { userId: string; sealedSecret: string }): Promise<boolean>
  /**
   * In one transaction: the pending secret becomes the factor (if it is still `sealedSecret`
   * and the factor is off), `step` is recorded as used, the recovery codes stored, `mfa_enabled`
   * recorded and every session but `keepSessionId` ended. Undefined (nothing written) otherwise.
   */
  enableMfa(change: { userId: string; sealedSecret: string; step: number; codeHashes: readonly string[]; keepSessionId: string; at: number; client: ClientInfo }): Promise<{ endedSessions: string[] } | undefined>
  /** Records `step` as used if it is later than the last one used: true once per step, across instances. */
  useTotpStep(userId: string, step: number): Promise<boolean>
  /** Deletes one of the user's recovery codes whose hash is among `hashes`: true when one was there. */
  useRecoveryCode(userId: string, hashes: readonly string[]): Promise<boolean>
  replaceRecoveryCodes(userId: string, codeHashes: readonly string[]): Promise<void>
  /**
   * Turns the factor off, erasing its secrets, codes and pending logins, records `mfa_disabled`;
   * with `endSessions`, ends every session of the user in the same commit. Returns the ended ids.
   */
  disableMfa(change: { userId: string; at: number; client: ClientInfo; endSessions: boolean }): Promise<{ endedSessions: string[] }>
  createMfaChallenge(challenge: MfaChallenge): Promise<void>
  /**
   * Counts one more code tried against a live challenge (fewer than `maxAttempts` tried, not
   * expired at `at`) and returns it; undefined when it is dead. Counting before the check bounds
   * the codes tried per challenge even when requests race.
   */
  admitMfaAttempt(attempt: { tokenHash: string; at: number; maxAttempts: number }): Promise<MfaChallenge | undefined>
  /** A live (unexpired) challenge, read without charging it. */
  findMfaChallenge(tokenHash: string, at: number): Promise<MfaChallenge | undefined>
  /** Deletes the challenge: true for the one caller that used it. */
  consumeMfaChallenge(tokenHash: string): Promise<boolean>
  /** Deletes challenges expired by `before`. */
  pruneMfaChallenges(before: number): Promise<number>
  /** Up to `limit` stored TOTP secrets (active or pending) that `isWanted` would pick: sealed or not, by prefix. */
  listMfaSecrets(query: { sealed: boolean; prefix: string; limit: number }): Promise<{ userId: string; column: 'mfa_secret' | 'mfa_pending_secret'; value: string }[]>
  /** Replaces one stored secret if it is still `expected` (compare-and-set). */
  replaceMfaSecret(change: { userId: string; column: 'mfa_secret' | 'mfa_pending_secret'; expected: string; value: string }): Promise<boolean>
}
