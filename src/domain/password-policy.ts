import { codePointLength } from './text.js'

export const PASSWORD_MAX_LENGTH = 128

export interface PasswordPolicy {
  minLength: number
  /** True when the (NFKC, any case) password is on the bundled common-password list. */
  isCommon(password: string): boolean
}

/** The form every password rule reads and the hasher hashes. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC')
}

/**
 * Messages for a new password (already NFKC-normalised); none when it is acceptable.
 * No composition rules: length, the common list, and not the user's own name or email.
 */
export function checkNewPassword(
  password: string,
  policy: PasswordPolicy,
  identity: { userName: string; email: string },
): string[] {
  const length = codePointLength(password)
  if (length < policy.minLength || length > PASSWORD_MAX_LENGTH) {
    return [`Must be ${policy.minLength} to ${PASSWORD_MAX_LENGTH} characters long.`]
  }
  const folded = password.toLowerCase()
  if (folded === identity.userName.toLowerCase() || folded === identity.email.toLowerCase()) {
    return ['Must differ from the user name and the email address.']
  }
  if (policy.isCommon(password)) return ['Is among the most common passwords; choose another.']
  return []
}
