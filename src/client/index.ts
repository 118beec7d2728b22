/**
 * `latchkey/client`: a browser and Node.js client of a Latchkey server, with no dependencies.
 *
 * Keeps the session's tokens in a pluggable storage, refreshes the access token shortly before it
 * expires (and once on a `401` with `Token-Expired: true`), shares one refresh between concurrent
 * calls and, through Web Locks and a BroadcastChannel, between tabs; recovers a lost refresh
 * answer through the server's reuse grace; turns problem+json answers into `LatchkeyError`s.
 *
 * @packageDocumentation
 */
export { type AccountCalls } from './account-calls.js'
export { type ClientOptions, createClient, type LatchkeyClient } from './create-client.js'
export { decodeJwtClaims, type JwtClaims } from './jwt-claims.js'
export {
  type ClientErrorCode,
  type FieldErrors,
  isLatchkeyError,
  isMfaRequired,
  LatchkeyError,
  type LatchkeyErrorCode,
  type LatchkeyErrorInit,
  type MfaRequiredError,
  type ServerErrorCode,
} from './latchkey-error.js'
export { localStorageAdapter, type WebStorageLike } from './local-storage-adapter.js'
export { type ChannelLike, type FetchLike, type LocksLike } from './platform.js'
export { type SessionEndedEvent, type SessionEndReason } from './session-ended-event.js'
export { memoryStorage, type StoredTokens, type TokenStorage } from './token-storage.js'
export { type TwoFactorCalls } from './two-factor-calls.js'
export type {
  Account,
  ActivityEvent,
  ActivityType,
  ChangeEmailInput,
  ChangePasswordInput,
  LoginInput,
  LoginMfaInput,
  RecoveryCodes,
  RegisterInput,
  ResetPasswordInput,
  SecondFactorInput,
  Session,
  TokenResponse,
  TotpEnrollment,
} from './wire-types.js'
