import type { FieldErrors } from '../errors.js'
import { checkNewPassword, normalizePassword, type PasswordPolicy } from './password-policy.js'
import { codePointLength, hasForbiddenCodePoints } from './text.js'

export interface RegistrationInput {
  firstName: string
  lastName: string
  email: string
  userName: string
  password: string
}

/** A registration that passed every rule: names trimmed, password in its NFKC form. */
export type ValidRegistration = RegistrationInput

// The grammar of an HTML `<input type=email>` (WHATWG "valid email address").
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/
const USER_NAME = /^[A-Za-z0-9._@+-]{3,64}$/
const EMAIL_MAX_LENGTH = 254
const NAME_MAX_LENGTH = 100

export function validateRegistration(
  input: RegistrationInput,
  policy: PasswordPolicy,
): { ok: true; value: ValidRegistration } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {}
  const add = (field: keyof RegistrationInput, message: string) => (errors[field] ??= []).push(message)

  const firstName = validName(input.firstName)
  const lastName = validName(input.lastName)
  if (firstName === undefined) add('firstName', `Must be 1 to ${NAME_MAX_LENGTH} characters.`)
  if (lastName === undefined) add('lastName', `Must be 1 to ${NAME_MAX_LENGTH} characters.`)

  const email = input.email.normalize('NFC').trim()
  if (codePointLength(email) > EMAIL_MAX_LENGTH || !EMAIL.test(email)) add('email', 'Must be a valid email address.')
  if (!USER_NAME.test(input.userName)) {
    add('userName', 'Must be 3 to 64 characters: letters, digits and . _ @ + -')
  }

  const password = normalizePassword(input.password)
  if (hasForbiddenCodePoints(input.password)) add('password', 'Contains a character that is not allowed.')
  else for (const message of checkNewPassword(password, policy, { userName: input.userName, email })) add('password', message)

  if (Object.keys(errors).length > 0 || firstName === undefined || lastName === undefined) return { ok: false, errors }
  return { ok: true, value: { firstName, lastName, email, userName: input.userName, password } }
}

function validName(raw: string): string | undefined {
  if (hasForbiddenCodePoints(raw)) return undefined
  const name = raw.normalize('NFC').trim()
  const length = codePointLength(name)
  return length >= 1 && length <= NAME_MAX_LENGTH ? name : undefined
}
