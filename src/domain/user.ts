export const DEFAULT_ROLE = 'api_access'
export const ROLE_NAME = /^[a-z0-9_.:-]{1,64}$/

export interface User {
  id: string
  userName: string
  email: string
  firstName: string
  lastName: string
  passwordHash: string
  disabledAt: number | null
  createdAt: number
  /** When the current email was verified (contract §9); null: it is not. */
  emailVerifiedAt: number | null
  /** When the second factor was turned on (contract §10); null: it is off. */
  mfaEnabledAt?: number | null
}

/** The lookup key of a user name or email: unique ignoring ASCII case. */
export function identifierKey(value: string): string {
  return value.replace(/[A-Z]+/g, (letters) => letters.toLowerCase())
}
