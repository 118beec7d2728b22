import type { ApiCaller } from './api-caller.js'
import { emptyAnswer, type Http, jsonAnswer } from './http-request.js'
import { decodeJwtClaims } from './jwt-claims.js'
import type { SessionTokens } from './session-tokens.js'
import type { Account, ActivityEvent, ChangeEmailInput, ChangePasswordInput, RegisterInput, ResetPasswordInput, Session } from './wire-types.js'

/** The calls about the user's account, sessions and mailed links (docs/api.md). */
export interface AccountCalls {
  /** `POST /api/accounts`: registers a user (does not sign in). */
  register(input: RegisterInput): Promise<{ id: string }>
  /** `GET /api/accounts/me`. */
  me(): Promise<Account>
  /** `GET /api/sessions`: the user's live sessions, most recently used first. */
  sessions(): Promise<Session[]>
  /** `DELETE /api/sessions/{id}`: ends one of the user's sessions (this one too: then this client is signed out). */
  endSession(id: string): Promise<void>
  /** `GET /api/accounts/me/activity`: the last 50 security events, newest first. */
  activity(): Promise<ActivityEvent[]>
  /** `POST /api/accounts/me/password`: this session keeps working, every other one ends. */
  changePassword(input: ChangePasswordInput): Promise<void>
  /** `POST /api/accounts/verify-email/send` (202): mails a verification link if an unverified account has the address. */
  sendVerification(email: string): Promise<void>
  /** `POST /api/accounts/verify-email` (204): uses a verification or change-of-address link's token. */
  verifyEmail(token: string): Promise<void>
  /** `POST /api/auth/password-reset/send` (202): mails a reset link if an account has the address. */
  sendPasswordReset(email: string): Promise<void>
  /** `POST /api/auth/password-reset` (204): sets a new password with a reset link's token; every session of the user ends. */
  resetPassword(input: ResetPasswordInput): Promise<void>
  /** `POST /api/accounts/me/email` (202): mails a change link to the new address. */
  changeEmail(input: ChangeEmailInput): Promise<void>
}

export function createAccountCalls(http: Http, api: ApiCaller, session: SessionTokens): AccountCalls {
  const json = async <T>(answer: Promise<Response>): Promise<T> => jsonAnswer<T>(http, await answer)
  const empty = async (answer: Promise<Response>): Promise<void> => emptyAnswer(http, await answer)
  return {
    async register({ firstName, lastName, email, userName, password }) {
      const body = await json<{ id: string }>(api.anonymous('POST', '/api/accounts', { firstName, lastName, email, userName, password }))
      return { id: body.id }
    },
    me: () => json<Account>(api.authorized('GET', '/api/accounts/me')),
    sessions: () => json<Session[]>(api.authorized('GET', '/api/sessions')),
    async endSession(id) {
      await empty(api.authorized('DELETE', `/api/sessions/${encodeURIComponent(id)}`))
      const tokens = await session.current()
      if (tokens !== undefined && decodeJwtClaims(tokens.accessToken)?.sid === id) await session.end(tokens, 'logout')
    },
    activity: () => json<ActivityEvent[]>(api.authorized('GET', '/api/accounts/me/activity')),
    changePassword: ({ currentPassword, newPassword }) =>
      empty(api.authorized('POST', '/api/accounts/me/password', { currentPassword, newPassword })),
    sendVerification: (email) => empty(api.anonymous('POST', '/api/accounts/verify-email/send', { email })),
    verifyEmail: (token) => empty(api.anonymous('POST', '/api/accounts/verify-email', { token })),
    sendPasswordReset: (email) => empty(api.anonymous('POST', '/api/auth/password-reset/send', { email })),
    resetPassword: ({ token, newPassword }) => empty(api.anonymous('POST', '/api/auth/password-reset', { token, newPassword })),
    changeEmail: ({ newEmail, currentPassword }) => empty(api.authorized('POST', '/api/accounts/me/email', { newEmail, currentPassword })),
  }
}
