/** The access-token claims the client reads. */
export interface JwtClaims {
  /** Issued at, in whole seconds of the server's clock. */
  iat?: number
  /** Expires at, in whole seconds of the server's clock. */
  exp?: number
  /** The session id. */
  sid?: string
  /** The user id. */
  sub?: string
}

/**
 * The payload of a compact JWT, decoded **without verifying** it: only for scheduling and telling
 * sessions apart, never for trusting anything. Undefined when the token is not a readable JWT.
 */
export function decodeJwtClaims(token: string): JwtClaims | undefined {
  const payload = token.split('.')[1]
  if (payload === undefined) return undefined
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '=')
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0))
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes))
    if (typeof claims !== 'object' || claims === null) return undefined
    const { iat, exp, sid, sub } = claims as Record<string, unknown>
    return {
      iat: typeof iat === 'number' ? iat : undefined,
      exp: typeof exp === 'number' ? exp : undefined,
      sid: typeof sid === 'string' ? sid : undefined,
      sub: typeof sub === 'string' ? sub : undefined,
    }
  } catch {
    return undefined
  }
}
