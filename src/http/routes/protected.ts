import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AuthContext } from '../../auth/context.js'
import { DEFAULT_ROLE } from '../../domain/user.js'
import { requireBearer } from '../bearer.js'
import { problems, ProtectedResponse } from '../schemas.js'

const RESULT = Object.freeze({ result: true })

export const protectedRoutes: FastifyPluginAsyncTypebox<{ ctx: AuthContext }> = async (app, { ctx }) => {
  app.addHook('onRequest', requireBearer(ctx, DEFAULT_ROLE))

  app.get(
    '/api/protected',
    {
      schema: {
        summary: 'A route that needs an access token with the api_access role',
        tags: ['protected'],
        security: [{ bearer: [] }],
        response: { 200: ProtectedResponse, ...problems(401, 403) },
      },
    },
    // Synchronous: the hottest route pays for no promise (the schema's serialiser is compiled once).
    () => RESULT,
  )
}
