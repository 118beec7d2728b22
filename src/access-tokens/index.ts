/**
 * Access-token machinery: everything that lives as long as the process and decides whether a
 * bearer token passes, without a database read per request.
 *
 * - `KeyRing` — the signing keys (asymmetric pairs shared through the database, or the HS256
 *   secrets): `sign` for new tokens, `verify`/`verifyNow` for presented ones (remembering token
 *   strings whose signature passed), `jwks` for the public set, `reload` for keys rotated elsewhere.
 * - `RevocationList` — the sessions that ended while their access tokens may still be unexpired:
 *   `add` as this process ends them, `poll` for those other processes ended (following the
 *   database's session-end positions; the server polls every second, at once on a push, and
 *   once before it listens so a restart refuses what ended before it).
 * - `authenticate` — a bearer token checked in the contract's order (header, signature, iss/aud/nbf,
 *   exp, live session), answering at once for a token seen before.
 * - `announceSessionEnds` — makes ended sessions' tokens fail here and on every worker.
 *
 * Callers import from here, not from the files behind it.
 */
export { announceSessionEnds } from './announce-session-ends.js'
export { type Authentication, authenticate, type Verifiers } from './authenticate.js'
export { type KeyStorageReport, KeyRing } from './key-ring.js'
export { RevocationList } from './revocation-list.js'
export type { SessionEndBroadcast } from './session-end-broadcast.js'
