import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { type Authentication, authenticate } from '../access-tokens/index.js'
import type { AuthContext } from '../auth/context.js'
import type { AccessTokenClaims } from '../crypto/access-tokens.js'
import { sendProblem } from './problem.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access token's claims, on routes behind `requireBearer`. */
    claims?: AccessTokenClaims
  }
}

const REALM = 'Bearer realm="latchkey"'

/** The token of an `Authorization: Bearer …` header: undefined for no header or another scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  // The usual spelling, decided without the regular expression (same result as below).
  if (header.startsWith('Bearer ')) return header.slice(7).trim()
  const match = /^bearer(?:[ \t]+(.*))?$/is.exec(header.trim())
  return match === null ? undefined : (match[1] ?? '').trim()
}

const NOTHING = () => {}

/**
 * Authenticates the bearer token and, when given, requires a role: `admitted` runs with the
 * claims on `request.claims`, or the refusal (§3) is sent and `refused` runs. Callback style and
 * no closure per request, so a token of a known key passes without a promise, a microtask hop or
 * an allocation of ours.
 */
function checkBearer(
  ctx: AuthContext,
  role: string | undefined,
  request: FastifyRequest,
  reply: FastifyReply,
  admitted: () => void,
  refused: () => void,
): void {
  const token = bearerToken(request.headers.authorization)
  if (token === undefined) {
    reply.header('www-authenticate', REALM)
    sendProblem(reply, 'authentication_required', 'This endpoint needs a bearer access token.')
    return refused()
  }
  const outcome = authenticate(ctx, token)
  if (!(outcome instanceof Promise)) return admit(role, request, reply, outcome, admitted, refused)
  outcome.then(
    (settled) => admit(role, request, reply, settled, admitted, refused),
    (error: unknown) => {
      // A key reload that failed (database down) cannot vouch for the token: refused, not a 500.
      request.log.warn({ err: error }, 'access token could not be checked')
      admit(role, request, reply, { ok: false, reason: 'The token could not be checked.', tokenExpired: false }, admitted, refused)
    },
  )
}

function admit(
  role: string | undefined,
  request: FastifyRequest,
  reply: FastifyReply,
  outcome: Authentication,
  admitted: () => void,
  refused: () => void,
): void {
  if (!outcome.ok) {
    sendBearerError(reply, outcome)
    return refused()
  }
  if (role !== undefined && !outcome.claims.rol.includes(role)) {
    reply.header('www-authenticate', `${REALM}, error="insufficient_scope", error_description="The token lacks the ${role} role.", scope="${role}"`)
    sendProblem(reply, 'insufficient_scope', `The access token lacks the ${role} role.`)
    return refused()
  }
  request.claims = outcome.claims
  admitted()
}

/** An onRequest hook: the route runs only for a valid bearer token (with `role`, when given). */
export function requireBearer(ctx: AuthContext, role?: string) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    checkBearer(ctx, role, request, reply, done, NOTHING)
  }
}

/**
 * For a route that needs a bearer token only in some cases (logout without a refresh token):
 * the verified claims, or undefined once the refusal has been sent.
 */
export function bearerClaims(ctx: AuthContext, request: FastifyRequest, reply: FastifyReply): Promise<AccessTokenClaims | undefined> {
  return new Promise((resolve) => checkBearer(ctx, undefined, request, reply, () => resolve(request.claims), () => resolve(undefined)))
}

/** The claims `requireBearer` verified for this request (only on routes behind it). */
export function verifiedClaims(request: FastifyRequest): AccessTokenClaims {
  if (request.claims === undefined) throw new Error('route reached without a verified bearer token')
  return request.claims
}

function sendBearerError(reply: FastifyReply, refusal: { reason: string; tokenExpired: boolean }) {
  reply.header('www-authenticate', `${REALM}, error="invalid_token", error_description="${rfc6750Safe(refusal.reason)}"`)
  if (refusal.tokenExpired) reply.header('token-expired', 'true')
  return sendProblem(reply, 'invalid_token', refusal.reason)
}

/** RFC 6750 §3: error_description may hold only %x20-21 / %x23-5B / %x5D-7E. */
function rfc6750Safe(text: string): string {
  return text.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '')
}
