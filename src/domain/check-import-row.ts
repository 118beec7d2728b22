import { type IdentityHash, parseIdentityHash } from '../crypto/identity-hash.js'
import { validateRegistration } from './registration.js'
import { DEFAULT_ROLE, ROLE_NAME } from './user.js'

/** A row of an ASP.NET Core Identity export that passed every rule of its own. */
export interface ImportRow {
  userName: string
  email: string
  firstName: string
  lastName: string
  legacyHash: IdentityHash
  /** Always includes `api_access`; no repeats. */
  roles: string[]
}

export type CheckedImportRow = { ok: true; row: ImportRow } | { ok: false; userName: string | undefined; problems: string[] }

const FIELDS = ['userName', 'email', 'passwordHash', 'firstName', 'lastName', 'roles'] as const
type Field = (typeof FIELDS)[number]

/** Checks one element of the import file on its own (clashes with other rows are found later). */
export function checkImportRow(value: unknown): CheckedImportRow {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, userName: undefined, problems: ['not a JSON object'] }
  }
  const problems: string[] = []
  const fields = foldKeys(value as Record<string, unknown>, problems)
  const userName = requiredString(fields, 'userName', problems)
  const email = requiredString(fields, 'email', problems)
  const passwordHash = requiredString(fields, 'passwordHash', problems)
  const firstName = optionalString(fields, 'firstName', problems)
  const lastName = optionalString(fields, 'lastName', problems)
  const roles = readRoles(fields.roles, problems)

  const legacyHash = passwordHash === undefined ? undefined : parseIdentityHash(passwordHash)
  if (passwordHash !== undefined && legacyHash === undefined) {
    problems.push('passwordHash is not an ASP.NET Core Identity v2 or v3 hash')
  }
  const identity = userName !== undefined && email !== undefined ? checkIdentity({ userName, email, firstName, lastName }, problems) : undefined
  if (problems.length > 0 || identity === undefined || legacyHash === undefined) return { ok: false, userName, problems }
  return { ok: true, row: { ...identity, legacyHash, roles } }
}

/** Property names match ignoring ASCII case, as the sample's JSON did; a name given twice is a problem. */
function foldKeys(object: Record<string, unknown>, problems: string[]): Partial<Record<Field, unknown>> {
  const byFolded = new Map<string, Field>(FIELDS.map((field) => [field.toLowerCase(), field]))
  const fields: Partial<Record<Field, unknown>> = {}
  for (const [key, value] of Object.entries(object)) {
    const field = byFolded.get(key.replace(/[A-Z]/g, (letter) => letter.toLowerCase()))
    if (field === undefined) continue
    if (field in fields) problems.push(`${field} is given twice`)
    fields[field] = value
  }
  return fields
}

function requiredString(fields: Partial<Record<Field, unknown>>, field: Field, problems: string[]): string | undefined {
  const value = fields[field]
  if (value === undefined || value === null || value === '') problems.push(`${field} is missing`)
  else if (typeof value !== 'string') problems.push(`${field} must be a string`)
  else return value
  return undefined
}

/** Absent (or null) names are stored as empty strings. */
function optionalString(fields: Partial<Record<Field, unknown>>, field: Field, problems: string[]): string {
  const value = fields[field]
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  problems.push(`${field} must be a string`)
  return ''
}

function readRoles(value: unknown, problems: string[]): string[] {
  if (value === undefined || value === null) return [DEFAULT_ROLE]
  if (!Array.isArray(value) || !value.every((role) => typeof role === 'string')) {
    problems.push('roles must be an array of strings')
    return [DEFAULT_ROLE]
  }
  const bad = value.filter((role) => !ROLE_NAME.test(role))
  if (bad.length > 0) problems.push(`roles must match ${ROLE_NAME.source}: ${bad.map((role) => JSON.stringify(role)).join(', ')}`)
  return [...new Set([DEFAULT_ROLE, ...value])]
}

/**
 * The registration rules for the user name, email and (when given) names, so there is one
 * definition of each. The password is not checked here: the import brings a hash, not a password.
 */
function checkIdentity(
  input: { userName: string; email: string; firstName: string; lastName: string },
  problems: string[],
): Pick<ImportRow, 'userName' | 'email' | 'firstName' | 'lastName'> | undefined {
  const PLACEHOLDER_NAME = 'x'
  const hasFirst = input.firstName.trim() !== ''
  const hasLast = input.lastName.trim() !== ''
  const checked = validateRegistration(
    {
      userName: input.userName,
      email: input.email,
      firstName: hasFirst ? input.firstName : PLACEHOLDER_NAME,
      lastName: hasLast ? input.lastName : PLACEHOLDER_NAME,
      password: 'unused \u{1F511} placeholder',
    },
    { minLength: 1, isCommon: () => false },
  )
  if (!checked.ok) {
    for (const [field, messages] of Object.entries(checked.errors)) problems.push(`${field}: ${messages.join(' ')}`)
    return undefined
  }
  const { value } = checked
  return { userName: value.userName, email: value.email, firstName: hasFirst ? value.firstName : '', lastName: hasLast ? value.lastName : '' }
}
