import type { ApiCaller } from './api-caller.js'
import { emptyAnswer, type Http, jsonAnswer } from './http-request.js'
import type { RecoveryCodes, SecondFactorInput, TotpEnrollment } from './wire-types.js'

/** The calls that turn the user's second factor on and off (docs/api.md, "Two-factor authentication"). */
export interface TwoFactorCalls {
  /**
   * `POST /api/accounts/me/mfa/totp`: a new pending secret for an authenticator app (show
   * `otpauthUri` as a QR code); nothing is on until {@link TwoFactorCalls.confirmTotp}. Fails with
   * `invalid_current_password`, or `mfa_already_enabled` when the factor is on.
   */
  startTotpEnrollment(currentPassword: string): Promise<TotpEnrollment>
  /**
   * `POST /api/accounts/me/mfa/totp/confirm`: the app's current code turns the factor on. Answers
   * the 10 recovery codes, shown to the user once; every other session of the user ends, this one
   * keeps working. Fails with `invalid_mfa_code`, or `not_found` without a pending secret.
   */
  confirmTotp(code: string): Promise<RecoveryCodes>
  /** `POST /api/accounts/me/mfa/recovery-codes`: 10 new recovery codes; the old ones stop working. `code` may be a recovery code. */
  regenerateRecoveryCodes(input: SecondFactorInput): Promise<RecoveryCodes>
  /** `DELETE /api/accounts/me/mfa`: turns the factor off. `code` may be a recovery code; `not_found` when it is off. */
  disableMfa(input: SecondFactorInput): Promise<void>
}

export function createTwoFactorCalls(http: Http, api: ApiCaller): TwoFactorCalls {
  return {
    async startTotpEnrollment(currentPassword) {
      const { secret, otpauthUri } = await jsonAnswer<TotpEnrollment>(http, await api.authorized('POST', '/api/accounts/me/mfa/totp', { currentPassword }))
      return { secret, otpauthUri }
    },
    async confirmTotp(code) {
      const { recoveryCodes } = await jsonAnswer<RecoveryCodes>(http, await api.authorized('POST', '/api/accounts/me/mfa/totp/confirm', { code }))
      return { recoveryCodes }
    },
    async regenerateRecoveryCodes({ currentPassword, code }) {
      const body = { currentPassword, code }
      const { recoveryCodes } = await jsonAnswer<RecoveryCodes>(http, await api.authorized('POST', '/api/accounts/me/mfa/recovery-codes', body))
      return { recoveryCodes }
    },
    async disableMfa({ currentPassword, code }) {
      await emptyAnswer(http, await api.authorized('DELETE', '/api/accounts/me/mfa', { currentPassword, code }))
    },
  }
}
