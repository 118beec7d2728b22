import { hashLinkToken } from '../crypto/link-tokens.js'
import { AppError } from '../errors.js'
import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext, TokenPair } from './context.js'
import { endAttempt } from './end-attempt.js'
import { guardAttempt } from './guard-attempt.js'
import { MFA_MAX_ATTEMPTS } from './mfa-challenge.js'
import { recordFailedAttempt } from './record-failed-attempt.js'
import { recordSuccessfulLogin } from './record-successful-login.js'
import { useSecondFactor } from './second-factor.js'
import { startSession } from './start-session.js'

/**
 * `POST /api/auth/login/mfa`: the second step of a login. A wrong code counts like a wrong
 * password for (account, client IP) and against the mfaToken, which dies after 5 codes, after
 * 300 s or once used. The session starts only here, with `amr: ["pwd", "otp"]`.
 */
export async function loginWithSecondFactor(ctx: AuthContext, request: { mfaToken: string; code: string }, client: ClientInfo): Promise<TokenPair> {
  const tokenHash = hashLinkToken(request.mfaToken)
  const user = await findChallengedUser(ctx, tokenHash)
  // While (account, IP) waits after failures, no code is checked and the challenge is not charged.
  const attempt = await guardAttempt(ctx, { userId: user?.id, client })
  try {
    // Charged before the check: however many requests race, at most 5 codes are ever tried.
    const challenge = await ctx.store.admitMfaAttempt({ tokenHash, at: ctx.clock.now(), maxAttempts: MFA_MAX_ATTEMPTS })
    const mfa = challenge && (await ctx.store.findMfa(challenge.userId))
    if (challenge === undefined || user === undefined || mfa === undefined || mfa.enabledAt === null) throw deadToken()
    // A password changed since the first step voids the challenge before any code is used up.
    if (user.passwordHash !== challenge.passwordHash) throw deadToken()
    const used = await useSecondFactor(ctx, { userId: user.id, mfa, code: request.code, client })
    if (used === undefined) {
      await recordFailedAttempt(ctx, attempt)
      throw new AppError('invalid_mfa_code', 'The code is incorrect.', { status: 401 })
    }
    // Single use: of two requests with right codes, one gets the challenge.
    if (!(await ctx.store.consumeMfaChallenge(tokenHash))) throw deadToken()
    // Refused when the password changed or the user was disabled since the first step.
    const pair = await startSession(ctx, { user, passwordHash: challenge.passwordHash, client, amr: ['pwd', 'otp'] })
    if (pair === undefined) throw deadToken()
    await recordSuccessfulLogin(ctx, attempt)
    ctx.log.info({ event: 'login_succeeded', userId: user.id }, 'security event')
    return pair
  } finally {
    await endAttempt(ctx, attempt)
  }
}

/** The user a live challenge names, read before the back-off check so the right key is guarded. */
async function findChallengedUser(ctx: AuthContext, tokenHash: string) {
  const challenge = await ctx.store.findMfaChallenge(tokenHash, ctx.clock.now())
  const user = challenge === undefined ? undefined : await ctx.store.findUserById(challenge.userId)
  return user === undefined || user.disabledAt !== null ? undefined : user
}

function deadToken(): AppError {
  return new AppError('invalid_grant', 'The sign-in has expired or was already completed; sign in again.', { status: 401 })
}
