import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AuthContext } from '../../auth/context.js'
import { requestEmailChange } from '../../auth/request-email-change.js'
import { resetPassword } from '../../auth/reset-password.js'
import { sendPasswordReset } from '../../auth/send-password-reset.js'
import { sendVerificationMail } from '../../auth/send-verification-mail.js'
import { verifyEmail } from '../../auth/verify-email.js'
import { checkEmail, EMAIL_RULE } from '../../domain/registration.js'
import { validationFailed } from '../../errors.js'
import { requireBearer, verifiedClaims } from '../bearer.js'
import { clientInfo } from '../client-info.js'
import { rateLimited } from '../rate-limit.js'
import { EmailBody, EmailChangeBody, LinkTokenBody, PasswordResetBody, problems } from '../schemas.js'

const ACCEPTED = { 202: { description: 'Accepted, with an empty body: a mail is queued if one is due. The same answer, in the same time, whether or not an account has the address.' } }
const DONE = { 204: { description: 'Done.', type: 'null' } }

/** Contract §9: verification, password reset and change of address, by mailed links. */
export const emailRoutes: FastifyPluginAsyncTypebox<{ ctx: AuthContext }> = async (app, { ctx }) => {
  const bearer = requireBearer(ctx)

  app.post(
    '/api/accounts/verify-email/send',
    {
      config: rateLimited(),
      schema: { summary: 'Mail a verification link to an unverified account\'s address', tags: ['email'], body: EmailBody, response: { ...ACCEPTED, ...problems(400, 413, 415, 429, 503) } },
    },
    async (request, reply) => {
      await sendVerificationMail(ctx, validEmail(request.body.email, 'email'), clientInfo(request))
      return reply.code(202).send()
    },
  )

  app.post(
    '/api/accounts/verify-email',
    {
      // Not rate-limited (contract §4.5): like a refresh token, a 256-bit link cannot be guessed.
      schema: {
        summary: 'Use a verification or change-of-address link',
        tags: ['email'],
        body: LinkTokenBody,
        response: { ...DONE, ...problems(400, 409, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      await verifyEmail(ctx, request.body.token, clientInfo(request))
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/api/auth/password-reset/send',
    {
      config: rateLimited(),
      schema: { summary: 'Mail a password reset link', tags: ['email'], body: EmailBody, response: { ...ACCEPTED, ...problems(400, 413, 415, 429, 503) } },
    },
    async (request, reply) => {
      await sendPasswordReset(ctx, validEmail(request.body.email, 'email'), clientInfo(request))
      return reply.code(202).send()
    },
  )

  app.post(
    '/api/auth/password-reset',
    {
      config: rateLimited(),
      schema: {
        summary: 'Set a new password with a reset link: every session of the user ends',
        tags: ['email'],
        body: PasswordResetBody,
        response: { ...DONE, ...problems(400, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      await resetPassword(ctx, request.body, clientInfo(request))
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/api/accounts/me/email',
    {
      schema: {
        summary: 'Change the email address: a link goes to the new address, a notice to the old one',
        tags: ['email'],
        security: [{ bearer: [] }],
        body: EmailChangeBody,
        response: { ...ACCEPTED, ...problems(400, 401, 403, 409, 413, 415, 429, 503) },
      },
      config: rateLimited(),
      // After the rate limit, before validation (as the password change).
      preValidation: bearer,
    },
    async (request, reply) => {
      const { sub } = verifiedClaims(request)
      const newEmail = validEmail(request.body.newEmail, 'newEmail')
      await requestEmailChange(ctx, { userId: sub, newEmail, currentPassword: request.body.currentPassword, client: clientInfo(request) })
      return reply.code(202).send()
    },
  )
}

function validEmail(raw: string, field: string): string {
  const email = checkEmail(raw)
  if (email === undefined) throw validationFailed({ [field]: [EMAIL_RULE] })
  return email
}
