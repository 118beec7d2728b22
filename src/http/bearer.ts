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

/**
 * An onRequest hook: authenticates the bearer token and, when given, requires a role. Callback
 * style, so a token of a known key passes without a promise or a microtask hop; a refusal is
 * sent from here and the route never runs.
 */
export function requireBearer(ctx: AuthContext, role?: string) {
  const admit = (request: FastifyRequest, reply: FastifyReply, outcome: Authentication, done: HookHandlerDoneFunction) => {
    if (!outcome.ok) return void sendBearerError(reply, outcome)
    if (role !== undefined && !outcome.claims.rol.includes(role)) {
      reply.header('www-authenticate', `${REALM}, error="insufficient_scope", error_description="The token lacks the ${role} role.", scope="${role}"`)
      return void sendProblem(reply, 'insufficient_scope', `The access token lacks the ${role} role.`)
    }
    request.claims = outcome.claims
    done()
  }
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const token = bearerToken(request.headers.authorization)
    if (token === undefined) {
      reply.header('www-authenticate', REALM)
      return void sendProblem(reply, 'authentication_required', 'This endpoint needs a bearer access token.')
    }
    const outcome = authenticate(ctx, token)
    if (outcome instanceof Promise) outcome.then((settled) => admit(request, reply, settled, done), done)
    else admit(request, reply, outcome, done)
  }
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
