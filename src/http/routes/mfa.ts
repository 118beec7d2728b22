import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { beginTotpEnrollment } from '../../auth/begin-totp-enrollment.js'
import { confirmTotp } from '../../auth/confirm-totp.js'
import type { AuthContext } from '../../auth/context.js'
import { disableMfa } from '../../auth/disable-mfa.js'
import { loginWithSecondFactor } from '../../auth/login-mfa.js'
import { regenerateRecoveryCodes } from '../../auth/regenerate-recovery-codes.js'
import { requireBearer, verifiedClaims } from '../bearer.js'
import { clientInfo } from '../client-info.js'
import { rateLimited } from '../rate-limit.js'
import { LoginMfaBody, MfaConfirmBody, MfaPasswordAndCodeBody, MfaPasswordBody, problems, RecoveryCodes, TokenResponse, TotpEnrollment } from '../schemas.js'

/** Contract §10: turning a TOTP factor on and off, recovery codes, and the second step of login. */
export const mfaRoutes: FastifyPluginAsyncTypebox<{ ctx: AuthContext }> = async (app, { ctx }) => {
  const bearer = requireBearer(ctx)
  const account = { tags: ['two-factor'], security: [{ bearer: [] }] }

  app.post(
    '/api/accounts/me/mfa/totp',
    {
      schema: { ...account, summary: 'Start TOTP enrollment: a new pending secret', body: MfaPasswordBody, response: { 200: TotpEnrollment, ...problems(400, 401, 403, 409, 413, 415, 429, 503) } },
      preValidation: bearer,
    },
    async (request) => beginTotpEnrollment(ctx, { userId: verifiedClaims(request).sub, currentPassword: request.body.currentPassword, client: clientInfo(request) }),
  )

  app.post(
    '/api/accounts/me/mfa/totp/confirm',
    {
      schema: {
        ...account,
        summary: 'Turn TOTP on with a code of the pending secret: every other session ends',
        body: MfaConfirmBody,
        response: { 200: RecoveryCodes, ...problems(400, 401, 404, 409, 413, 415, 429, 503) },
      },
      preValidation: bearer,
    },
    async (request) => {
      const claims = verifiedClaims(request)
      return confirmTotp(ctx, { userId: claims.sub, sessionId: claims.sid, code: request.body.code, client: clientInfo(request) })
    },
  )

  app.post(
    '/api/accounts/me/mfa/recovery-codes',
    {
      schema: { ...account, summary: 'Replace the recovery codes', body: MfaPasswordAndCodeBody, response: { 200: RecoveryCodes, ...problems(400, 401, 403, 404, 413, 415, 429, 503) } },
      preValidation: bearer,
    },
    async (request) => regenerateRecoveryCodes(ctx, { userId: verifiedClaims(request).sub, ...request.body, client: clientInfo(request) }),
  )

  app.delete(
    '/api/accounts/me/mfa',
    {
      schema: {
        ...account,
        summary: 'Turn the second factor off',
        body: MfaPasswordAndCodeBody,
        response: { 204: { description: 'Off.', type: 'null' }, ...problems(400, 401, 403, 404, 413, 415, 429, 503) },
      },
      preValidation: bearer,
    },
    async (request, reply) => {
      await disableMfa(ctx, { userId: verifiedClaims(request).sub, ...request.body, client: clientInfo(request) })
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/api/auth/login/mfa',
    {
      config: rateLimited(),
      schema: {
        summary: 'The second step of login: the mfaToken and a code start the session',
        tags: ['auth'],
        body: LoginMfaBody,
        response: { 200: TokenResponse, ...problems(400, 401, 413, 415, 429, 503) },
      },
    },
    async (request) => loginWithSecondFactor(ctx, request.body, clientInfo(request)),
  )
}
