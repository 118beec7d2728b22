import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AuthContext } from '../../auth/context.js'
import { login } from '../../auth/login.js'
import { refreshSession } from '../../auth/refresh-session.js'
import { clientInfo } from '../client-info.js'
import { rateLimited } from '../rate-limit.js'
import { LoginBody, problems, RefreshBody, TokenResponse } from '../schemas.js'

export const tokenRoutes: FastifyPluginAsyncTypebox<{ ctx: AuthContext }> = async (app, { ctx }) => {
  app.post(
    '/api/auth/login',
    {
      config: rateLimited(),
      schema: {
        summary: 'Log in: start a session and get an access token and a refresh token',
        tags: ['auth'],
        body: LoginBody,
        response: { 200: TokenResponse, ...problems(400, 401, 403, 413, 415, 429, 503) },
      },
    },
    async (request) => login(ctx, request.body, clientInfo(request)),
  )

  for (const url of ['/api/auth/refreshtoken', '/api/auth/refresh']) {
    app.post(
      url,
      {
        schema: {
          summary: 'Trade a refresh token for a new pair (the presented token is used up)',
          tags: ['auth'],
          body: RefreshBody,
          response: { 200: TokenResponse, ...problems(400, 413, 415) },
        },
      },
      async (request) => refreshSession(ctx, request.body, clientInfo(request)),
    )
  }
}
