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

/** What a client sent: any field may be missing or of the wrong type. */
export type UncheckedRegistration = { readonly [K in keyof RegistrationInput]?: unknown }

/** A registration that passed every rule: names and email trimmed (NFC), password in its NFKC form. */
export type ValidRegistration = RegistrationInput

// The grammar of an HTML `<input type=email>` (WHATWG "valid email address").
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/
const USER_NAME = /^[A-Za-z0-9._@+-]{3,64}$/
const EMAIL_MAX_LENGTH = 254
const NAME_MAX_LENGTH = 100
export const EMAIL_RULE = `Must be a valid email address of at most ${EMAIL_MAX_LENGTH} characters.`

/**
 * Every registration rule at once, so a client learns of every bad field in one answer
 * (types included: the caller may hand over a body that only its schema has seen).
 */
export function validateRegistration(
  input: UncheckedRegistration,
  policy: PasswordPolicy,
): { ok: true; value: ValidRegistration } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {}
  const add = (field: keyof RegistrationInput, message: string) => (errors[field] ??= []).push(message)
  const text = (field: keyof RegistrationInput): string | undefined => {
    const value = input[field]
    if (value === undefined) add(field, 'Is required.')
    else if (typeof value !== 'string') add(field, 'Must be a string.')
    else if (hasForbiddenCodePoints(value)) add(field, 'Contains U+0000 or an unpaired surrogate.')
    else return value
    return undefined
  }

  const firstName = checkName(text('firstName'), (message) => add('firstName', message))
  const lastName = checkName(text('lastName'), (message) => add('lastName', message))

  const rawEmail = text('email')
  const email = rawEmail?.normalize('NFC').trim()
  if (email !== undefined && (codePointLength(email) > EMAIL_MAX_LENGTH || !EMAIL.test(email))) {
    add('email', EMAIL_RULE)
  }

  // Not trimmed: a user name with spaces around it is a typo, not a name.
  const userName = text('userName')
  if (userName !== undefined && !USER_NAME.test(userName)) {
    add('userName', 'Must be 3 to 64 characters: letters, digits and . _ @ + -')
  }

  const rawPassword = text('password')
  // Never trimmed; every rule reads the NFKC form, and that form is what gets hashed.
  const password = rawPassword === undefined ? undefined : normalizePassword(rawPassword)
  if (password !== undefined) {
    const identity = { userName: userName ?? '', email: email ?? '' }
    for (const message of checkNewPassword(password, policy, identity)) add('password', message)
  }

  if (
    Object.keys(errors).length > 0 ||
    firstName === undefined || lastName === undefined || email === undefined || userName === undefined || password === undefined
  ) {
    return { ok: false, errors }
  }
  return { ok: true, value: { firstName, lastName, email, userName, password } }
}

/** A client's email as registration would store it (NFC, trimmed), or undefined when it breaks the grammar. */
export function checkEmail(raw: string): string | undefined {
  if (hasForbiddenCodePoints(raw)) return undefined
  const email = raw.normalize('NFC').trim()
  return codePointLength(email) <= EMAIL_MAX_LENGTH && EMAIL.test(email) ? email : undefined
}

function checkName(raw: string | undefined, fail: (message: string) => void): string | undefined {
  if (raw === undefined) return undefined
  const name = raw.normalize('NFC').trim()
  const length = codePointLength(name)
  if (length >= 1 && length <= NAME_MAX_LENGTH) return name
  fail(`Must be 1 to ${NAME_MAX_LENGTH} characters.`)
  return undefined
}
