import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { dictionary } from '@zxcvbn-ts/language-common'
import { createPasswordPolicy } from '../../src/domain/common-passwords.js'

const policy = createPasswordPolicy(8)

interface Row {
  name: string
  password: string
  expected: boolean
}

const rows: Row[] = [
  { name: 'finds a common password in lower case', password: 'password', expected: true },
  { name: 'finds a common password in upper case', password: 'PASSWORD', expected: true },
  { name: 'finds a common password in mixed case', password: 'PassWord1', expected: true },
  { name: 'finds a common all-digit password', password: '12345678', expected: true },
  { name: 'finds a common keyboard walk', password: 'qwertyuiop', expected: true },
  { name: 'does not list a long passphrase', password: 'correct horse battery staple', expected: false },
  { name: 'does not list a random password', password: 'x7#Qm!vR2p', expected: false },
  { name: 'does not list the empty string', password: '', expected: false },
  // The policy is handed the NFKC form (registration normalises first); it does not normalise itself.
  { name: 'compares the form it is given: fullwidth PASSWORD is not on the list', password: '\uFF30\uFF21\uFF33\uFF33\uFF37\uFF2F\uFF32\uFF24', expected: false },
]

describe('createPasswordPolicy: the bundled common-password list', { timeout: 10_000 }, () => {
  for (const row of rows) {
    it(row.name, () => {
      assert.equal(policy.isCommon(row.password), row.expected)
    })
  }

  it('carries the configured minimum length', () => {
    assert.equal(createPasswordPolicy(12).minLength, 12)
  })

  it('bundles at least 10,000 passwords (contract §2)', () => {
    assert.ok((dictionary['passwords-common'] as string[]).length >= 10_000)
  })
})
