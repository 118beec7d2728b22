import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkNewPassword, normalizePassword, PASSWORD_MAX_LENGTH, type PasswordPolicy } from '../../src/domain/password-policy.js'

/** A stand-in list, so each row says exactly what is common. The real list has its own test. */
const COMMON = new Set(['password', 'letmein'])
const policy = (minLength: number): PasswordPolicy => ({ minLength, isCommon: (password) => COMMON.has(password.toLowerCase()) })

const ADA = { userName: 'Ada_L', email: 'Ada.Lovelace@example.com' }
const KEY = '\u{1F511}'

/** Which rule refused the password, read from its one message. */
type Outcome = 'accepted' | 'length' | 'identity' | 'common'
const RULE_MESSAGES: Record<Exclude<Outcome, 'accepted'>, RegExp> = {
  length: /characters long/,
  identity: /user name and the email/,
  common: /most common/,
}

interface CheckRow {
  name: string
  password: string
  minLength?: number
  identity?: { userName: string; email: string }
  expected: Outcome
}

const checkRows: CheckRow[] = [
  { name: 'accepts a password of exactly the minimum length', password: 'x7#Qm!vR', expected: 'accepted' },
  { name: 'refuses a password one short of the minimum length', password: 'x7#Qm!v', expected: 'length' },
  { name: 'refuses the empty password', password: '', expected: 'length' },
  { name: `accepts a password of ${PASSWORD_MAX_LENGTH} characters`, password: 'x'.repeat(PASSWORD_MAX_LENGTH), expected: 'accepted' },
  { name: `refuses a password of ${PASSWORD_MAX_LENGTH + 1} characters`, password: 'x'.repeat(PASSWORD_MAX_LENGTH + 1), expected: 'length' },
  { name: 'refuses 63 characters when the minimum is the largest allowed, 64', minLength: 64, password: 'x'.repeat(63), expected: 'length' },
  { name: 'accepts 64 characters when the minimum is 64', minLength: 64, password: 'x'.repeat(64), expected: 'accepted' },
  { name: 'counts code points: 8 emoji (16 UTF-16 units) are long enough', password: KEY.repeat(8), expected: 'accepted' },
  { name: 'counts code points: 7 emoji (14 UTF-16 units) are too short', password: KEY.repeat(7), expected: 'length' },
  { name: 'counts the form it is given: three ffi ligatures are 3 (the caller applies NFKC first)', password: '\uFB03'.repeat(3), expected: 'length' },
  { name: 'accepts spaces and any characters, with no composition rules', password: '        ', expected: 'accepted' },
  { name: 'refuses a password on the common list', password: 'password', expected: 'common' },
  { name: 'checks the length before the list: a short common password is too short', password: 'letmein', expected: 'length' },
  { name: 'refuses a password equal to the user name', password: 'Ada_L-2026', identity: { userName: 'Ada_L-2026', email: ADA.email }, expected: 'identity' },
  { name: 'refuses a password equal to the user name ignoring case', password: 'aDA_l-2026', identity: { userName: 'Ada_L-2026', email: ADA.email }, expected: 'identity' },
  { name: 'refuses a password equal to the email ignoring case', password: 'ada.lovelace@EXAMPLE.com', expected: 'identity' },
  { name: 'checks the user name before the list: a common user name as password', password: 'Password', identity: { userName: 'password', email: ADA.email }, expected: 'identity' },
  { name: 'accepts a password that only contains the email', password: 'Ada.Lovelace@example.com!', expected: 'accepted' },
  { name: 'accepts any password of the right length when name and email are unknown', password: 'x7#Qm!vR', identity: { userName: '', email: '' }, expected: 'accepted' },
]

interface NormalizeRow {
  name: string
  password: string
  expected: string
}

const normalizeRows: NormalizeRow[] = [
  { name: 'leaves plain ASCII alone', password: 'correct horse battery staple', expected: 'correct horse battery staple' },
  { name: 'never trims', password: '  spaced out  ', expected: '  spaced out  ' },
  { name: 'expands a ligature (U+FB03 → ffi)', password: 'o\uFB03ce', expected: 'office' },
  { name: 'folds fullwidth letters to ASCII', password: '\uFF30\uFF21\uFF33\uFF33', expected: 'PASS' },
  { name: 'composes e + U+0301 to é', password: 'caf\u0065\u0301', expected: 'caf\u00E9' },
  { name: 'maps the Angstrom sign to Å', password: '\u212B', expected: '\u00C5' },
  { name: 'maps superscript two to 2', password: 'x\u00B2', expected: 'x2' },
  { name: 'maps the roman numeral twelve to XII', password: '\u216B', expected: 'XII' },
  { name: 'maps a no-break space to a space', password: 'a\u00A0b', expected: 'a b' },
  { name: 'leaves an emoji alone', password: `${KEY}${KEY}`, expected: `${KEY}${KEY}` },
]

describe('checkNewPassword: length, own name or email, common list', { timeout: 10_000 }, () => {
  for (const row of checkRows) {
    it(row.name, () => {
      const messages = checkNewPassword(row.password, policy(row.minLength ?? 8), row.identity ?? ADA)
      if (row.expected === 'accepted') {
        assert.deepEqual(messages, [])
        return
      }
      assert.equal(messages.length, 1, JSON.stringify(messages))
      assert.match(messages[0] ?? '', RULE_MESSAGES[row.expected])
    })
  }
})

describe('normalizePassword: the NFKC form every rule reads and the hasher hashes', { timeout: 10_000 }, () => {
  for (const row of normalizeRows) {
    it(row.name, () => {
      assert.equal(normalizePassword(row.password), row.expected)
    })
  }
})
