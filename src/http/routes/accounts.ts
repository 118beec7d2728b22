import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AuthContext } from '../../auth/context.js'
import { register } from '../../auth/register.js'
import { validateRegistration } from '../../domain/registration.js'
import { validationFailed } from '../../errors.js'
import { clientInfo } from '../client-info.js'
import { rateLimited } from '../rate-limit.js'
import { problems, RegisterBody, RegisterResponse } from '../schemas.js'

export const accountRoutes: FastifyPluginAsyncTypebox<{ ctx: AuthContext }> = async (app, { ctx }) => {
  app.post(
    '/api/accounts',
    {
      config: rateLimited(),
      schema: {
        summary: 'Register a user',
        tags: ['accounts'],
        body: RegisterBody,
        response: { 201: RegisterResponse, ...problems(400, 409, 413, 415, 429, 503) },
      },
      // Runs before the schema, so a wrong type and a broken rule are reported in one answer.
      preValidation: async (request) => {
        const checked = validateRegistration(request.body, ctx.passwordPolicy)
        if (!checked.ok) throw validationFailed(checked.errors)
      },
    },
    async (request, reply) => {
      const { id } = await register(ctx, request.body, clientInfo(request))
      return reply.code(201).send({ id, success: true })
    },
  )
}
