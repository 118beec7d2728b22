import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { changePassword } from '../../auth/change-password.js'
import type { AuthContext } from '../../auth/context.js'
import { getAccount } from '../../auth/get-account.js'
import { listActivity } from '../../auth/list-activity.js'
import { requireBearer, verifiedClaims } from '../bearer.js'
import { clientInfo } from '../client-info.js'
import { rateLimited } from '../rate-limit.js'
import { AccountView, ActivityList, ChangePasswordBody, isoTime, problems } from '../schemas.js'

/** The signed-in user's own account (contract §5), behind a bearer token. */
export const meRoutes: FastifyPluginAsyncTypebox<{ ctx: AuthContext }> = async (app, { ctx }) => {
  const bearer = requireBearer(ctx)

  app.get(
    '/api/accounts/me',
    {
      schema: { summary: 'The user\'s own account', tags: ['accounts'], security: [{ bearer: [] }], response: { 200: AccountView, ...problems(401) } },
      onRequest: bearer,
    },
    async (request) => {
      const account = await getAccount(ctx, verifiedClaims(request).sub)
      return { ...account, createdAt: isoTime(account.createdAt) }
    },
  )

  app.post(
    '/api/accounts/me/password',
    {
      schema: {
        summary: 'Change the password: this session keeps working, every other one ends',
        tags: ['accounts'],
        security: [{ bearer: [] }],
        body: ChangePasswordBody,
        response: { 204: { description: 'Changed.', type: 'null' }, ...problems(400, 401, 403, 413, 415, 429, 503) },
      },
      config: rateLimited(),
      // After the rate limit (contract §4.5: checked before anything else), before validation.
      preValidation: bearer,
    },
    async (request, reply) => {
      const claims = verifiedClaims(request)
      await changePassword(ctx, { userId: claims.sub, sessionId: claims.sid, ...request.body, client: clientInfo(request) })
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/api/accounts/me/activity',
    {
      schema: {
        summary: 'The user\'s last 50 security events, newest first',
        tags: ['accounts'],
        security: [{ bearer: [] }],
        response: { 200: ActivityList, ...problems(401) },
      },
      onRequest: bearer,
    },
    async (request) => {
      const events = await listActivity(ctx, verifiedClaims(request).sub)
      return events.map((event) => ({ type: event.type, at: isoTime(event.at), ...event.client }))
    },
  )
}
