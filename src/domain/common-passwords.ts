import { dictionary } from '@zxcvbn-ts/language-common'
import type { PasswordPolicy } from './password-policy.js'

/**
 * The password policy with the bundled common-password list: zxcvbn's "passwords" dictionary
 * (about 49,000 entries, from leaked-password frequency lists), compared ignoring case.
 */
export function createPasswordPolicy(minLength: number): PasswordPolicy {
  const common = new Set((dictionary['passwords-common'] as string[]).map((password) => password.toLowerCase()))
  return { minLength, isCommon: (password) => common.has(password.toLowerCase()) }
}
