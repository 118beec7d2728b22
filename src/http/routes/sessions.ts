import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AuthContext } from '../../auth/context.js'
import { endOwnSession } from '../../auth/end-own-session.js'
import { endSessions } from '../../auth/end-sessions.js'
import { listSessions } from '../../auth/list-sessions.js'
import { logout } from '../../auth/logout.js'
import { validationFailed } from '../../errors.js'
import { bearerClaims, requireBearer, verifiedClaims } from '../bearer.js'
import { clientInfo } from '../client-info.js'
import { isoTime, LogoutBody, problems, SessionList, SessionParams } from '../schemas.js'

/** Logout takes a refresh token, or else a bearer token: it authenticates inside, not in a hook. */
export const logoutRoutes: FastifyPluginAsyncTypebox<{ ctx: AuthContext }> = async (app, { ctx }) => {
  app.post(
    '/api/auth/logout',
    {
      schema: {
        summary: 'End a session: the one a refresh token belongs to, or else the bearer token\'s own',
        tags: ['sessions'],
        body: LogoutBody,
        security: [{}, { bearer: [] }],
        response: { 204: { description: 'The session has ended (also for a refresh token that names none).', type: 'null' }, ...problems(400, 401, 413, 415) },
      },
      config: { emptyBodyAllowed: true },
    },
    async (request, reply) => {
      const { refreshToken } = request.body
      if (refreshToken !== undefined) {
        // Authorization is ignored: the refresh token alone says which session ends.
        await logout(ctx, refreshToken, clientInfo(request))
        return reply.code(204).send(null)
      }
      if (request.bodyWasEmpty !== true) throw validationFailed({ refreshToken: ['Send a refreshToken, or no body with a bearer token.'] })
      const claims = await bearerClaims(ctx, request, reply)
      if (claims === undefined) return reply
      await endSessions(ctx, { selector: { sessionId: claims.sid }, reason: 'logout', client: clientInfo(request) })
      return reply.code(204).send(null)
    },
  )
}

/** The user's own sessions, behind a bearer token. */
export const sessionRoutes: FastifyPluginAsyncTypebox<{ ctx: AuthContext }> = async (app, { ctx }) => {
  app.addHook('onRequest', requireBearer(ctx))

  app.post(
    '/api/auth/logout-all',
    {
      schema: {
        summary: 'End every session of the user, the caller\'s too',
        tags: ['sessions'],
        security: [{ bearer: [] }],
        response: { 204: { description: 'Every session has ended.', type: 'null' }, ...problems(401) },
      },
    },
    async (request, reply) => {
      await endSessions(ctx, { selector: { userId: verifiedClaims(request).sub }, reason: 'logout', client: clientInfo(request) })
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/api/sessions',
    {
      schema: {
        summary: 'The user\'s live sessions, most recently used first',
        tags: ['sessions'],
        security: [{ bearer: [] }],
        response: { 200: SessionList, ...problems(401) },
      },
    },
    async (request) => {
      const claims = verifiedClaims(request)
      const sessions = await listSessions(ctx, { userId: claims.sub, sessionId: claims.sid })
      return sessions.map((session) => ({ ...session, createdAt: isoTime(session.createdAt), lastUsedAt: isoTime(session.lastUsedAt), expiresAt: isoTime(session.expiresAt) }))
    },
  )

  app.delete(
    '/api/sessions/:id',
    {
      schema: {
        summary: 'End one of the user\'s own live sessions (the caller\'s own too)',
        tags: ['sessions'],
        security: [{ bearer: [] }],
        params: SessionParams,
        response: { 204: { description: 'The session has ended.', type: 'null' }, ...problems(401, 404) },
      },
    },
    async (request, reply) => {
      await endOwnSession(ctx, { userId: verifiedClaims(request).sub, sessionId: request.params.id, reason: 'revoked', client: clientInfo(request) })
      return reply.code(204).send(null)
    },
  )
}
