import { createHash, createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto'
import type { JwtAlgorithm } from '../config.js'

export type AsymmetricAlgorithm = Exclude<JwtAlgorithm, 'HS256'>

/** A key this server signs or verifies with. `secret` for HS256, PEM keys otherwise. */
export interface SigningKey {
  kid: string
  algorithm: JwtAlgorithm
  /** Verification material: the HS256 secret or the SPKI PEM public key. */
  verifyKey: string
  /** Signing material: the HS256 secret or the PKCS#8 PEM private key; absent for verify-only keys. */
  signKey?: string
}

export interface GeneratedKeyPair {
  kid: string
  algorithm: AsymmetricAlgorithm
  publicKeyPem: string
  privateKeyPem: string
}

export function generateKeyPair(algorithm: AsymmetricAlgorithm): GeneratedKeyPair {
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const
  const privateKeyEncoding = { type: 'pkcs8', format: 'pem' } as const
  const pair =
    algorithm === 'EdDSA'
      ? generateKeyPairSync('ed25519', { publicKeyEncoding, privateKeyEncoding })
      : algorithm === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding, privateKeyEncoding })
        : generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding, privateKeyEncoding })
  return {
    kid: jwkThumbprint(pair.publicKey),
    algorithm,
    publicKeyPem: pair.publicKey,
    privateKeyPem: pair.privateKey,
  }
}

/** The public JWK as the JWKS serves it: public members only. */
export function publicJwk(key: SigningKey): JsonWebKey {
  const { kty, crv, x, y, n, e } = createPublicKey(key.verifyKey).export({ format: 'jwk' })
  const members = Object.fromEntries(Object.entries({ kty, crv, x, y, n, e }).filter(([, v]) => v !== undefined))
  return { ...members, kid: key.kid, alg: key.algorithm, use: 'sig' }
}

/**
 * The `kid`: the RFC 7638 thumbprint of the public key, cut to 96 bits (16 characters) — ample to
 * tell one server's keys apart, and it keeps RS256 tokens under 1 KiB.
 */
function jwkThumbprint(publicKeyPem: string): string {
  const jwk = createPublicKey(publicKeyPem).export({ format: 'jwk' })
  const required =
    jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
  return createHash('sha256').update(JSON.stringify(required)).digest('base64url').slice(0, 16)
}

/**
 * The `kid` naming an HS256 secret. A hash of a 256-bit-or-longer secret reveals nothing
 * usable about it, and lets tokens signed with JWT_SECRET_PREVIOUS be told apart.
 */
export function secretKid(secret: string): string {
  return `hs-${createHash('sha256').update(`latchkey hs256 kid\0${secret}`).digest('base64url').slice(0, 16)}`
}
