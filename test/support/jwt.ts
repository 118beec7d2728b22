import { sign } from 'node:crypto'

/** A JWT header or claims set, read loosely: the tests check each member they care about. */
export type JwtJson = Record<string, unknown>

/** The header and claims of a compact JWT, decoded without verifying it (the server verifies). */
export function decodeJwt(token: string): { header: JwtJson; payload: JwtJson } {
  const [header, payload] = token.split('.')
  return { header: decodeSegment(header), payload: decodeSegment(payload) }
}

function decodeSegment(segment: string | undefined): JwtJson {
  return JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8')) as JwtJson
}

/** One JWT segment: `value` as JSON, base64url-encoded. */
export function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** A JWT over whatever header and claims the test wants, signed with an Ed25519 private key (PEM). */
export function signEdDSA(header: JwtJson, claims: JwtJson, privateKeyPem: string): string {
  const input = `${encodeSegment(header)}.${encodeSegment(claims)}`
  return `${input}.${sign(null, Buffer.from(input), privateKeyPem).toString('base64url')}`
}
