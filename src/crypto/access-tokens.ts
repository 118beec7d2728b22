import { createSigner, createVerifier } from 'fast-jwt'
import type { JwtAlgorithm } from '../config.js'
import type { SigningKey } from './signing-keys.js'

/** The claims of an access token (RFC 9068 profile plus the sample's `id`, and `sid`). */
export interface AccessTokenClaims {
  iss: string
  aud: string
  sub: string
  client_id: string
  id: string
  preferred_username: string
  rol: string[]
  sid: string
  jti: string
  iat: number
  nbf: number
  exp: number
}

export type AccessTokenCheck =
  | { ok: true; claims: AccessTokenClaims }
  /** `expired` is true only when every check but `exp` passed; then `claims` are the token's. */
  | { ok: false; expired: boolean; reason: string; claims?: AccessTokenClaims }

export interface AccessTokenPolicy {
  algorithm: JwtAlgorithm
  issuer: string
  audience: string
  clockSkewSeconds: number
}

/** Signs claims with one key; `typ` is `at+jwt` (RFC 9068) and `kid` names the key. */
export function createAccessTokenSigner(key: SigningKey): (claims: AccessTokenClaims) => string {
  if (key.signKey === undefined) throw new Error(`signing key ${key.kid} has no private part`)
  const sign = createSigner({
    key: key.signKey,
    algorithm: key.algorithm,
    header: { alg: key.algorithm, typ: 'at+jwt', kid: key.kid },
  })
  return (claims) => sign({ ...claims })
}

const FORBIDDEN_HEADERS = ['jku', 'jwk', 'x5u', 'x5c', 'crit'] as const
const ACCEPTED_TYPES = new Set(['at+jwt', 'application/at+jwt'])

/** The header checks that come before the signature: the `kid` to verify with, or why not. */
export function checkHeader(token: string, algorithm: JwtAlgorithm): { kid: string } | { reason: string } {
  const dot = token.indexOf('.')
  if (dot <= 0) return { reason: 'The token is malformed.' }
  let header: unknown
  try {
    header = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'))
  } catch {
    return { reason: 'The token header is malformed.' }
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return { reason: 'The token header is malformed.' }
  const fields = header as Record<string, unknown>
  // The algorithm is pinned by configuration, never taken from the token (no alg:none, no
  // HS256-signed-with-the-public-key confusion).
  if (fields.alg !== algorithm) return { reason: 'The token algorithm is not accepted.' }
  if (typeof fields.typ !== 'string' || !ACCEPTED_TYPES.has(fields.typ.toLowerCase())) {
    return { reason: 'The token type is not at+jwt.' }
  }
  // Keys are never fetched from or embedded in a token, and no extension is understood.
  if (FORBIDDEN_HEADERS.some((name) => name in fields)) return { reason: 'The token header is not accepted.' }
  if (typeof fields.kid !== 'string') return { reason: 'The token names no key.' }
  return { kid: fields.kid }
}

/** How many verified tokens each key remembers; the oldest is forgotten first. */
const VERIFIED_TOKENS_KEPT = 10_000

/**
 * Verifies the signature with one key, then the claims, in the contract's order. A token string
 * whose signature this key verified once is remembered (bounded), so a busy client costs one
 * signature check; its time claims are still checked on every use.
 */
export function createAccessTokenVerifier(
  key: SigningKey,
  policy: AccessTokenPolicy,
): (token: string, nowMs: number) => AccessTokenCheck {
  const verifySignature = createVerifier({
    key: key.verifyKey,
    algorithms: [key.algorithm],
    // Time claims are checked below, after iss and aud, so `Token-Expired` is only ever
    // sent for a token that is otherwise valid.
    ignoreExpiration: true,
    ignoreNotBefore: true,
  })
  // Keyed by the exact token string: only a token this key signed can get in (nothing forged).
  const verified = new Map<string, unknown>()
  return (token, nowMs) => {
    let payload = verified.get(token)
    if (payload === undefined) {
      try {
        payload = deepFreeze(verifySignature(token))
      } catch {
        return { ok: false, expired: false, reason: 'The token signature is invalid.' }
      }
      if (verified.size >= VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value as string)
      verified.set(token, payload)
    }
    return checkClaims(payload, policy, nowMs)
  }
}

/** Claims shared between requests through the cache must not be changed by one of them. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member)
    Object.freeze(value)
  }
  return value
}

/** iss, aud, nbf, then exp, against the policy and the current time (seconds, with skew). */
export function checkClaims(payload: unknown, policy: AccessTokenPolicy, nowMs: number): AccessTokenCheck {
  if (!isClaims(payload)) return { ok: false, expired: false, reason: 'The token claims are malformed.' }
  if (payload.iss !== policy.issuer) return { ok: false, expired: false, reason: 'The token issuer is not accepted.' }
  if (!audienceMatches(payload.aud, policy.audience)) {
    return { ok: false, expired: false, reason: 'The token audience is not accepted.' }
  }
  const now = nowMs / 1000
  if (payload.nbf > now + policy.clockSkewSeconds) return { ok: false, expired: false, reason: 'The token is not yet valid.' }
  if (now >= payload.exp + policy.clockSkewSeconds) return { ok: false, expired: true, reason: 'The token expired.', claims: payload }
  return { ok: true, claims: payload }
}

function audienceMatches(aud: unknown, expected: string): boolean {
  return aud === expected || (Array.isArray(aud) && aud.includes(expected))
}

function isClaims(value: unknown): value is AccessTokenClaims {
  if (typeof value !== 'object' || value === null) return false
  const claims = value as Record<string, unknown>
  return (
    typeof claims.sub === 'string' &&
    typeof claims.sid === 'string' &&
    typeof claims.preferred_username === 'string' &&
    Array.isArray(claims.rol) &&
    claims.rol.every((role) => typeof role === 'string') &&
    typeof claims.nbf === 'number' &&
    typeof claims.exp === 'number' &&
    typeof claims.iat === 'number'
  )
}
