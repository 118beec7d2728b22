import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_ROLE, identifierKey, ROLE_NAME } from '../../src/domain/user.js'

interface KeyRow {
  name: string
  value: string
  expected: string
}

const keyRows: KeyRow[] = [
  { name: 'lower-cases an ASCII user name', value: 'Ada_L', expected: 'ada_l' },
  { name: 'lower-cases an email', value: 'Ada.Lovelace@Example.COM', expected: 'ada.lovelace@example.com' },
  { name: 'leaves a lower-case identifier alone', value: 'ada.l+x@y-z', expected: 'ada.l+x@y-z' },
  { name: 'leaves non-ASCII letters alone (ASCII case only)', value: '\u00C4DA', expected: '\u00C4da' },
  { name: 'does not fold the Kelvin sign to k', value: '\u212A', expected: '\u212A' },
  { name: 'does not fold dotted capital I', value: '\u0130', expected: '\u0130' },
]

interface RoleRow {
  name: string
  role: string
  expected: boolean
}

const roleRows: RoleRow[] = [
  { name: 'accepts the default role', role: DEFAULT_ROLE, expected: true },
  { name: 'accepts every allowed punctuation mark', role: 'billing.read:all-v2', expected: true },
  { name: 'accepts one character', role: 'a', expected: true },
  { name: 'accepts 64 characters', role: 'a'.repeat(64), expected: true },
  { name: 'refuses 65 characters', role: 'a'.repeat(65), expected: false },
  { name: 'refuses the empty name', role: '', expected: false },
  { name: 'refuses upper case', role: 'Admin', expected: false },
  { name: 'refuses a space', role: 'api access', expected: false },
  { name: 'refuses a non-ASCII letter', role: 'r\u00F4le', expected: false },
  { name: 'refuses a trailing newline', role: 'admin\n', expected: false },
]

describe('identifierKey: user names and emails unique ignoring ASCII case', { timeout: 10_000 }, () => {
  for (const row of keyRows) {
    it(row.name, () => {
      assert.equal(identifierKey(row.value), row.expected)
    })
  }
})

describe('ROLE_NAME: role names match [a-z0-9_.:-]{1,64}', { timeout: 10_000 }, () => {
  it('names api_access the default role', () => {
    assert.equal(DEFAULT_ROLE, 'api_access')
  })
  for (const row of roleRows) {
    it(row.name, () => {
      assert.equal(ROLE_NAME.test(row.role), row.expected)
    })
  }
})
