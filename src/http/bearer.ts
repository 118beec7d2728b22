import type { FastifyReply, FastifyRequest } from 'fastify'
import { authenticate } from '../auth/authenticate.js'
import type { AuthContext } from '../auth/context.js'
import type { AccessTokenClaims } from '../crypto/access-tokens.js'
import { AppError, isAppError } from '../errors.js'
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
  const match = /^bearer(?:[ \t]+(.*))?$/is.exec(header.trim())
  return match === null ? undefined : (match[1] ?? '').trim()
}

/** An onRequest hook: authenticates the bearer token and, when given, requires a role. */
export function requireBearer(ctx: AuthContext, role?: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request.headers.authorization)
    if (token === undefined) {
      reply.header('www-authenticate', REALM)
      return sendProblem(reply, 'authentication_required', 'This endpoint needs a bearer access token.')
    }
    try {
      request.claims = await authenticate(ctx, token)
    } catch (error) {
      if (!isAppError(error, 'invalid_token')) throw error
      return sendBearerError(reply, error)
    }
    if (role !== undefined && !request.claims.rol.includes(role)) {
      reply.header('www-authenticate', `${REALM}, error="insufficient_scope", error_description="The token lacks the ${role} role.", scope="${role}"`)
      return sendProblem(reply, 'insufficient_scope', `The access token lacks the ${role} role.`)
    }
    return undefined
  }
}

function sendBearerError(reply: FastifyReply, error: AppError) {
  reply.header('www-authenticate', `${REALM}, error="invalid_token", error_description="${rfc6750Safe(error.detail)}"`)
  if (error.extra.tokenExpired === true) reply.header('token-expired', 'true')
  return sendProblem(reply, 'invalid_token', error.detail)
}

/** RFC 6750 §3: error_description may hold only %x20-21 / %x23-5B / %x5D-7E. */
function rfc6750Safe(text: string): string {
  return text.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '')
}
