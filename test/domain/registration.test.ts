import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createPasswordPolicy } from '../../src/domain/common-passwords.js'
import { type RegistrationInput, type UncheckedRegistration, validateRegistration } from '../../src/domain/registration.js'

/** The bundled list, built once; each row may set its own PASSWORD_MIN_LENGTH. */
const POLICY = createPasswordPolicy(8)

const VALID: RegistrationInput = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada@example.com',
  userName: 'ada_l',
  password: 'correct horse battery staple',
}

/** The valid body with some fields changed; a field set to undefined is missing. */
const body = (changes: UncheckedRegistration): UncheckedRegistration => ({ ...VALID, ...changes })

/** An address of exactly `length` characters (ASCII, so code points = UTF-16 units). */
const emailOfLength = (length: number) => `${'a'.repeat(length - '@example.com'.length)}@example.com`

const LABEL_63 = 'd'.repeat(63)
const ASTRAL = '\u{1D49C}' // MATHEMATICAL SCRIPT CAPITAL A: one code point, two UTF-16 units
const KEY = '\u{1F511}'
const FFI = '\uFB03' // LATIN SMALL LIGATURE FFI: NFKC "ffi"

interface Row {
  name: string
  body: UncheckedRegistration
  /** PASSWORD_MIN_LENGTH; 8 (the default) unless given. */
  minLength?: number
  /** The `errors` keys expected; [] for a valid registration. */
  errors: (keyof RegistrationInput)[]
  /** For a valid registration: fields whose stored form differs from what was sent. */
  stored?: Partial<RegistrationInput>
}

const rows: Row[] = [
  { name: 'accepts a plain registration as sent', body: body({}), errors: [], stored: VALID },
  { name: 'refuses an empty body, naming every field', body: {}, errors: ['firstName', 'lastName', 'email', 'userName', 'password'] },
  {
    name: 'reports every bad field at once',
    body: { firstName: ' ', lastName: 7, email: 'nope', userName: 'a b', password: 'short' },
    errors: ['firstName', 'lastName', 'email', 'userName', 'password'],
  },

  // Types and forbidden code points (§2, §6).
  { name: 'refuses a missing firstName', body: body({ firstName: undefined }), errors: ['firstName'] },
  { name: 'refuses a null lastName', body: body({ lastName: null }), errors: ['lastName'] },
  { name: 'refuses a number as password (no coercion)', body: body({ password: 12345678 }), errors: ['password'] },
  { name: 'refuses an array as userName', body: body({ userName: ['ada_l'] }), errors: ['userName'] },
  { name: 'refuses U+0000 in firstName', body: body({ firstName: 'Ada\u0000' }), errors: ['firstName'] },
  { name: 'refuses a lone high surrogate in lastName', body: body({ lastName: 'Love\uD835lace' }), errors: ['lastName'] },
  { name: 'refuses U+0000 in email', body: body({ email: 'ada@example.com\u0000' }), errors: ['email'] },
  { name: 'refuses U+0000 in userName', body: body({ userName: 'ada\u0000l' }), errors: ['userName'] },
  { name: 'refuses U+0000 in password', body: body({ password: 'correct horse\u0000battery' }), errors: ['password'] },
  { name: 'refuses a lone low surrogate in password', body: body({ password: '\uDD11correct horse battery' }), errors: ['password'] },

  // firstName, lastName: 1–100 code points after NFC and trimming; stored trimmed.
  { name: 'trims names and stores them trimmed', body: body({ firstName: '  Ada \t', lastName: '\nLovelace  ' }), errors: [], stored: { firstName: 'Ada', lastName: 'Lovelace' } },
  { name: 'stores names in NFC form', body: body({ firstName: 'Ame\u0301lie' }), errors: [], stored: { firstName: 'Am\u00E9lie' } },
  { name: 'accepts a one-character name', body: body({ lastName: 'L' }), errors: [] },
  { name: 'accepts a name of 100 characters', body: body({ firstName: 'a'.repeat(100) }), errors: [] },
  { name: 'refuses a name of 101 characters', body: body({ lastName: 'a'.repeat(101) }), errors: ['lastName'] },
  { name: 'accepts a name of 101 characters whose last is a space (counted after trimming)', body: body({ firstName: `${'a'.repeat(100)} ` }), errors: [] },
  { name: 'counts code points: 100 astral characters (200 UTF-16 units) is a valid name', body: body({ firstName: ASTRAL.repeat(100) }), errors: [] },
  { name: 'counts code points: 101 astral characters is too long', body: body({ firstName: ASTRAL.repeat(101) }), errors: ['firstName'] },
  { name: 'counts after NFC: 100 × e + U+0301 (200 code points) is a valid name', body: body({ lastName: 'e\u0301'.repeat(100) }), errors: [], stored: { lastName: '\u00E9'.repeat(100) } },
  { name: 'refuses an empty firstName', body: body({ firstName: '' }), errors: ['firstName'] },
  { name: 'refuses a lastName of spaces only', body: body({ lastName: '   ' }), errors: ['lastName'] },
  { name: 'refuses a name of no-break and ideographic spaces only', body: body({ firstName: '\u00A0\u3000' }), errors: ['firstName'] },

  // email: trimmed, at most 254, HTML type=email grammar, stored trimmed with its case.
  { name: 'trims the email and keeps its letter case', body: body({ email: '  Ada.Lovelace@Example.COM \n' }), errors: [], stored: { email: 'Ada.Lovelace@Example.COM' } },
  { name: 'accepts an email of 254 characters', body: body({ email: emailOfLength(254) }), errors: [] },
  { name: 'refuses an email of 255 characters', body: body({ email: emailOfLength(255) }), errors: ['email'] },
  { name: 'counts the email length after trimming', body: body({ email: ` ${emailOfLength(254)} ` }), errors: [], stored: { email: emailOfLength(254) } },
  { name: 'accepts a domain without a dot, as HTML does', body: body({ email: 'ada@localhost' }), errors: [] },
  { name: 'accepts every special character HTML allows in the local part', body: body({ email: "a.!#$%&'*+/=?^_`{|}~-z@example.com" }), errors: [] },
  { name: 'accepts leading, trailing and doubled dots in the local part, as HTML does', body: body({ email: '.ada..l.@example.com' }), errors: [] },
  { name: 'accepts a domain label of 63 characters', body: body({ email: `ada@${LABEL_63}.com` }), errors: [] },
  { name: 'refuses a domain label of 64 characters', body: body({ email: `ada@${LABEL_63}d.com` }), errors: ['email'] },
  { name: 'accepts hyphens inside a domain label', body: body({ email: 'ada@my-host.example.com' }), errors: [] },
  { name: 'refuses a domain label that starts with a hyphen', body: body({ email: 'ada@-example.com' }), errors: ['email'] },
  { name: 'refuses a domain label that ends with a hyphen', body: body({ email: 'ada@example-.com' }), errors: ['email'] },
  { name: 'refuses an email without @', body: body({ email: 'ada.example.com' }), errors: ['email'] },
  { name: 'refuses an email with two @', body: body({ email: 'ada@lovelace@example.com' }), errors: ['email'] },
  { name: 'refuses an empty local part', body: body({ email: '@example.com' }), errors: ['email'] },
  { name: 'refuses an empty domain', body: body({ email: 'ada@' }), errors: ['email'] },
  { name: 'refuses a domain ending with a dot', body: body({ email: 'ada@example.com.' }), errors: ['email'] },
  { name: 'refuses an empty domain label', body: body({ email: 'ada@example..com' }), errors: ['email'] },
  { name: 'refuses a space inside the address', body: body({ email: 'ada lovelace@example.com' }), errors: ['email'] },
  { name: 'refuses a line break inside the address', body: body({ email: 'ada@example.com\nx' }), errors: ['email'] },
  { name: 'refuses a quoted local part', body: body({ email: '"ada l"@example.com' }), errors: ['email'] },
  { name: 'refuses an address literal', body: body({ email: 'ada@[127.0.0.1]' }), errors: ['email'] },
  { name: 'refuses a non-ASCII local part', body: body({ email: 'j\u00F6rg@example.com' }), errors: ['email'] },
  { name: 'refuses a non-ASCII (unconverted IDN) domain', body: body({ email: 'ada@b\u00FCcher.example' }), errors: ['email'] },
  { name: 'refuses an empty email', body: body({ email: '' }), errors: ['email'] },

  // userName: ASCII [A-Za-z0-9._@+-]{3,64}, not trimmed.
  { name: 'accepts a user name of 3 characters', body: body({ userName: 'ada' }), errors: [] },
  { name: 'refuses a user name of 2 characters', body: body({ userName: 'ad' }), errors: ['userName'] },
  { name: 'accepts a user name of 64 characters', body: body({ userName: 'a'.repeat(64) }), errors: [] },
  { name: 'refuses a user name of 65 characters', body: body({ userName: 'a'.repeat(65) }), errors: ['userName'] },
  { name: 'accepts every allowed punctuation mark and keeps letter case', body: body({ userName: 'Ada.L_0@x+y-z' }), errors: [], stored: { userName: 'Ada.L_0@x+y-z' } },
  { name: 'refuses a user name with a leading space (not trimmed)', body: body({ userName: ' ada_l' }), errors: ['userName'] },
  { name: 'refuses a user name with a trailing newline', body: body({ userName: 'ada_l\n' }), errors: ['userName'] },
  { name: 'refuses a space inside a user name', body: body({ userName: 'ada l' }), errors: ['userName'] },
  { name: 'refuses punctuation outside the allowed set', body: body({ userName: 'ada!l' }), errors: ['userName'] },
  { name: 'refuses a non-ASCII letter', body: body({ userName: 'ad\u00E0' }), errors: ['userName'] },
  { name: 'refuses fullwidth letters', body: body({ userName: '\uFF41\uFF44\uFF41' }), errors: ['userName'] },
  { name: 'refuses the Kelvin sign, which lower-cases to k', body: body({ userName: '\u212Aada' }), errors: ['userName'] },

  // password: PASSWORD_MIN_LENGTH–128 after NFKC, never trimmed, not common, not the name or email.
  { name: 'accepts a password of exactly PASSWORD_MIN_LENGTH (8)', body: body({ password: 'x7#Qm!vR' }), errors: [] },
  { name: 'refuses a password one short of PASSWORD_MIN_LENGTH (8)', body: body({ password: 'x7#Qm!v' }), errors: ['password'] },
  { name: 'refuses 11 characters when PASSWORD_MIN_LENGTH is 12', minLength: 12, body: body({ password: 'x7#Qm!vR2pZ' }), errors: ['password'] },
  { name: 'accepts 12 characters when PASSWORD_MIN_LENGTH is 12', minLength: 12, body: body({ password: 'x7#Qm!vR2pZk' }), errors: [] },
  { name: 'accepts a password of 128 characters', body: body({ password: 'x'.repeat(128) }), errors: [] },
  { name: 'refuses a password of 129 characters', body: body({ password: 'x'.repeat(129) }), errors: ['password'] },
  { name: 'counts code points: 8 emoji (16 UTF-16 units) are long enough', body: body({ password: KEY.repeat(8) }), errors: [] },
  { name: 'counts code points: 7 emoji (14 UTF-16 units) are too short', body: body({ password: KEY.repeat(7) }), errors: ['password'] },
  { name: 'counts code points: 128 emoji (256 UTF-16 units) are not too long', body: body({ password: KEY.repeat(128) }), errors: [] },
  { name: 'counts code points: 129 emoji are too long', body: body({ password: KEY.repeat(129) }), errors: ['password'] },
  { name: 'counts after NFKC: three ffi ligatures are nine characters, stored as such', body: body({ password: FFI.repeat(3) }), errors: [], stored: { password: 'ffiffiffi' } },
  { name: 'counts after NFKC: 127 characters that expand to 129 are too long', body: body({ password: `${'x'.repeat(126)}${FFI}` }), errors: ['password'] },
  { name: 'counts after NFKC: 7 × e + U+0301 (14 code points) compose to 7, too short', body: body({ password: 'e\u0301'.repeat(7) }), errors: ['password'] },
  { name: 'never trims: eight spaces are a password of eight characters', body: body({ password: ' '.repeat(8) }), errors: [], stored: { password: ' '.repeat(8) } },
  { name: 'never trims: spaces around a short password count', body: body({ password: ' x7#Qm! ' }), errors: [], stored: { password: ' x7#Qm! ' } },
  { name: 'accepts any characters, with no composition rules', body: body({ password: '\u65E5\u672C\u8A9E\u306E\u30D1\u30B9\u30EF\u30FC\u30C9' }), errors: [] },
  { name: 'refuses a common password', body: body({ password: 'password' }), errors: ['password'] },
  { name: 'refuses a common password in another letter case', body: body({ password: 'PassWord1' }), errors: ['password'] },
  { name: 'refuses a common password typed in fullwidth letters (common once NFKC)', body: body({ password: '\uFF30\uFF21\uFF33\uFF33\uFF37\uFF2F\uFF32\uFF24' }), errors: ['password'] },
  { name: 'refuses a password equal to the user name', body: body({ userName: 'ada_lovelace', password: 'ada_lovelace' }), errors: ['password'] },
  { name: 'refuses a password equal to the user name ignoring case', body: body({ userName: 'Ada_Lovelace', password: 'aDA_LOVELACE' }), errors: ['password'] },
  { name: 'refuses a password whose NFKC form equals the user name', body: body({ userName: 'ada_lovelace', password: '\uFF41\uFF44\uFF41_lovelace' }), errors: ['password'] },
  { name: 'refuses a password equal to the email ignoring case', body: body({ email: 'ada.l@example.com', password: 'ADA.L@EXAMPLE.COM' }), errors: ['password'] },
  { name: 'refuses a password equal to the email as trimmed', body: body({ email: '  ada.l@example.com ', password: 'ada.l@example.com' }), errors: ['password'] },
  { name: 'accepts a password that merely contains the user name', body: body({ userName: 'ada_lovelace', password: 'ada_lovelace!1815' }), errors: [] },
]

describe('validateRegistration: the rules of contract §2', { timeout: 10_000 }, () => {
  for (const row of rows) {
    it(row.name, () => {
      const result = validateRegistration(row.body, { ...POLICY, minLength: row.minLength ?? 8 })
      if (row.errors.length === 0) {
        assert.ok(result.ok, `expected no errors, got ${JSON.stringify(result.ok ? {} : result.errors)}`)
        for (const [field, value] of Object.entries(row.stored ?? {})) {
          assert.equal(result.value[field as keyof RegistrationInput], value, field)
        }
        return
      }
      assert.ok(!result.ok, 'expected validation errors')
      assert.deepEqual(Object.keys(result.errors).sort(), [...row.errors].sort())
      for (const messages of Object.values(result.errors)) {
        assert.ok(messages.length > 0 && messages.every((message) => typeof message === 'string' && message !== ''))
      }
    })
  }
})
