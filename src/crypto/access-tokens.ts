import { createHmac, createPublicKey, type KeyObject, timingSafeEqual, verify } from 'node:crypto'
import { createSigner } from 'fast-jwt'
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
  /** RFC 8176 authentication methods of the session: `["pwd"]` or `["pwd", "otp"]`. */
  amr: string[]
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

/** A token whose header, signature, `iss`, `aud` and claim types passed: only time is left to check. */
export interface SignedToken {
  /** Frozen: shared by every request that presents the same token string. */
  claims: AccessTokenClaims
  /** The answer while the token is within `nbf` and `exp`, made once and reused. */
  accepted: AccessTokenCheck & { ok: true }
}

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
/** Three base64url segments, nothing else: no padding, no whitespace, no JWE's five parts. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/** The header checks that come before the signature: the `kid` to verify with, or why not. */
export function checkHeader(token: string, algorithm: JwtAlgorithm): { kid: string } | { reason: string } {
  if (!COMPACT_JWS.test(token)) return { reason: 'The token is malformed.' }
  const header = parseSegment(token.slice(0, token.indexOf('.')))
  if (header === undefined) return { reason: 'The token header is malformed.' }
  // The algorithm is pinned by configuration, never taken from the token (no alg:none, no
  // HS256-signed-with-the-public-key confusion).
  if (header.alg !== algorithm) return { reason: 'The token algorithm is not accepted.' }
  if (typeof header.typ !== 'string' || !ACCEPTED_TYPES.has(header.typ.toLowerCase())) {
    return { reason: 'The token type is not at+jwt.' }
  }
  // Keys are never fetched from or embedded in a token, and no extension is understood.
  if (FORBIDDEN_HEADERS.some((name) => name in header)) return { reason: 'The token header is not accepted.' }
  if (typeof header.kid !== 'string') return { reason: 'The token names no key.' }
  return { kid: header.kid }
}

/**
 * For one key: the signature over the token (whose header already passed `checkHeader`), then
 * `iss`, `aud` and the claims' types. Time claims are left to `checkTimeClaims`, so a token that
 * passed here once can be remembered and only its time checked on later uses.
 */
export function createSignedTokenVerifier(
  key: SigningKey,
  policy: AccessTokenPolicy,
): (token: string) => SignedCheck | Promise<SignedCheck> {
  const signatureMatches = signatureVerifier(key)
  return (token) => {
    const lastDot = token.lastIndexOf('.')
    const signature = Buffer.from(token.slice(lastDot + 1), 'base64url')
    // One encoding per signature: a token string differing only in unused bits is not accepted.
    if (signature.toString('base64url') !== token.slice(lastDot + 1)) return BAD_SIGNATURE
    const matches = signatureMatches(token.slice(0, lastDot), signature)
    if (typeof matches === 'boolean') return matches ? checkClaims(token, lastDot, policy) : BAD_SIGNATURE
    return matches.then((ok) => (ok ? checkClaims(token, lastDot, policy) : BAD_SIGNATURE))
  }
}

export type SignedCheck = SignedToken | { reason: string }

const BAD_SIGNATURE = Object.freeze({ reason: 'The token signature is invalid.' })

/** iss, aud and the claims' types of a token whose signature passed. */
function checkClaims(token: string, lastDot: number, policy: AccessTokenPolicy): SignedCheck {
  const payload = parseSegment(token.slice(token.indexOf('.') + 1, lastDot))
  if (payload === undefined || !isClaims(payload)) return { reason: 'The token claims are malformed.' }
  if (payload.iss !== policy.issuer) return { reason: 'The token issuer is not accepted.' }
  if (!audienceMatches(payload.aud, policy.audience)) return { reason: 'The token audience is not accepted.' }
  // Claims shared between requests through the cache must not be changed by one of them.
  const claims = deepFreeze(payload)
  return { claims, accepted: Object.freeze({ ok: true as const, claims }) }
}

/** nbf, then exp, against the current time (seconds, with skew). */
export function checkTimeClaims(token: SignedToken, clockSkewSeconds: number, nowMs: number): AccessTokenCheck {
  const now = nowMs / 1000
  const { claims } = token
  if (claims.nbf > now + clockSkewSeconds) return { ok: false, expired: false, reason: 'The token is not yet valid.' }
  if (now >= claims.exp + clockSkewSeconds) return { ok: false, expired: true, reason: 'The token expired.', claims }
  return token.accepted
}

/**
 * Verification with a key object built once (no PEM parsing per call). The key's type is
 * checked here so a key of another kind can never be used under this algorithm. Public-key
 * signatures are checked on libuv's thread pool (node:crypto's callback form): a token seen for
 * the first time then costs the event loop almost nothing, and one process uses every core.
 */
function signatureVerifier(key: SigningKey): (signingInput: string, signature: Buffer) => boolean | Promise<boolean> {
  if (key.algorithm === 'HS256') {
    const secret = Buffer.from(key.verifyKey, 'utf8')
    return (input, signature) => {
      const expected = createHmac('sha256', secret).update(input, 'latin1').digest()
      // Constant time: the comparison must not tell a forger how many bytes were right.
      return signature.length === expected.length && timingSafeEqual(signature, expected)
    }
  }
  const publicKey = createPublicKey(key.verifyKey)
  if (key.algorithm === 'EdDSA') {
    requireKeyType(publicKey, 'ed25519', key.kid)
    return (input, signature) => signature.length === 64 && verifyOffThread(null, input, publicKey, signature)
  }
  if (key.algorithm === 'ES256') {
    requireKeyType(publicKey, 'ec', key.kid)
    if (publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error(`key ${key.kid} is not a P-256 key`)
    // JWS carries ECDSA signatures as r‖s (RFC 7518 §3.4), not DER.
    const es256Key = { key: publicKey, dsaEncoding: 'ieee-p1363' } as const
    return (input, signature) => signature.length === 64 && verifyOffThread('sha256', input, es256Key, signature)
  }
  requireKeyType(publicKey, 'rsa', key.kid)
  return (input, signature) => verifyOffThread('sha256', input, publicKey, signature)
}

function verifyOffThread(
  algorithm: string | null,
  input: string,
  key: KeyObject | { key: KeyObject; dsaEncoding: 'ieee-p1363' },
  signature: Buffer,
): Promise<boolean> {
  return new Promise((resolve) => {
    // A malformed signature is an error here, and simply not a valid signature.
    verify(algorithm, Buffer.from(input, 'latin1'), key, signature, (error, ok) => resolve(error === null && ok))
  })
}

function requireKeyType(publicKey: KeyObject, type: string, kid: string): void {
  if (publicKey.asymmetricKeyType !== type) throw new Error(`key ${kid} is not an ${type} key`)
}

/** A base64url JSON object, or undefined. */
function parseSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member)
    Object.freeze(value)
  }
  return value
}

function audienceMatches(aud: unknown, expected: string): boolean {
  return aud === expected || (Array.isArray(aud) && aud.includes(expected))
}

function isClaims(value: Record<string, unknown>): value is Record<string, unknown> & AccessTokenClaims {
  return (
    typeof value.sub === 'string' &&
    typeof value.sid === 'string' &&
    typeof value.preferred_username === 'string' &&
    Array.isArray(value.rol) &&
    value.rol.every((role) => typeof role === 'string') &&
    // Optional in what is accepted: tokens signed before `amr` existed stay valid until they expire.
    (value.amr === undefined || (Array.isArray(value.amr) && value.amr.every((method) => typeof method === 'string'))) &&
    typeof value.nbf === 'number' &&
    typeof value.exp === 'number' &&
    typeof value.iat === 'number'
  )
}
