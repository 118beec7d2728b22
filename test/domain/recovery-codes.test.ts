import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { deriveRecoveryCodePepper, hashRecoveryCode } from '../../src/crypto/recovery-code-hash.js'
import {
  formatRecoveryCode,
  generateRecoveryCodes,
  normalizeRecoveryCode,
  RECOVERY_CODE_ALPHABET,
  RECOVERY_CODE_COUNT,
} from '../../src/domain/recovery-codes.js'

const CODE_SHAPE = new RegExp(`^[${RECOVERY_CODE_ALPHABET}]{10}$`)
const LOOK_ALIKES = ['0', 'O', '1', 'I', 'B', 'G', 'S', 'V', 'Z']

describe('generateRecoveryCodes', { timeout: 30_000 }, () => {
  it('makes 10 distinct codes of 10 alphabet characters', () => {
    const codes = generateRecoveryCodes()
    assert.equal(RECOVERY_CODE_COUNT, 10)
    assert.equal(codes.length, 10)
    assert.equal(new Set(codes).size, 10)
    for (const code of codes) assert.match(code, CODE_SHAPE)
  })

  it('makes new codes every time', () => {
    const first = new Set(generateRecoveryCodes())
    assert.ok(generateRecoveryCodes().every((code) => !first.has(code)))
  })

  it('uses an alphabet of at least 23 distinct characters (≥ 45 bits per code) without look-alikes', () => {
    assert.equal(new Set(RECOVERY_CODE_ALPHABET).size, RECOVERY_CODE_ALPHABET.length)
    assert.ok(10 * Math.log2(RECOVERY_CODE_ALPHABET.length) >= 45)
    for (const char of LOOK_ALIKES) assert.ok(!RECOVERY_CODE_ALPHABET.includes(char), char)
  })

  it('draws every character of the alphabet about equally often', () => {
    const counts = new Map<string, number>()
    for (let i = 0; i < 200; i++) {
      for (const char of generateRecoveryCodes().join('')) counts.set(char, (counts.get(char) ?? 0) + 1)
    }
    // 20,000 characters: about 741 each, standard deviation about 27.
    assert.equal(counts.size, RECOVERY_CODE_ALPHABET.length)
    for (const [char, count] of counts) assert.ok(count > 600 && count < 900, `${char}: ${count}`)
  })
})

describe('formatRecoveryCode and normalizeRecoveryCode', { timeout: 30_000 }, () => {
  it('shows a code as XXXXX-XXXXX and reads it back', () => {
    for (const code of generateRecoveryCodes()) {
      const shown = formatRecoveryCode(code)
      assert.match(shown, /^[0-9A-Z]{5}-[0-9A-Z]{5}$/)
      assert.equal(normalizeRecoveryCode(shown), code)
    }
  })

  it('accepts lower case, spaces and hyphens anywhere', () => {
    assert.equal(normalizeRecoveryCode('axcde-fxhjk'), 'AXCDEFXHJK')
    assert.equal(normalizeRecoveryCode('  axcde fxhjk '), 'AXCDEFXHJK')
    assert.equal(normalizeRecoveryCode('ax-cd-ef-xh-jk'), 'AXCDEFXHJK')
    assert.equal(normalizeRecoveryCode('AXCDEFXHJK'), 'AXCDEFXHJK')
  })

  it('refuses a look-alike character rather than guessing', () => {
    for (const char of LOOK_ALIKES) {
      assert.equal(normalizeRecoveryCode(`AXCDE-FXHJ${char}`), undefined, char)
      assert.equal(normalizeRecoveryCode(`AXCDE-FXHJ${char.toLowerCase()}`), undefined, char.toLowerCase())
    }
  })

  it('refuses wrong lengths and other characters', () => {
    for (const input of ['', '-----', 'AXCDE-FXHJ', 'AXCDE-FXHJKL', 'AXCDE_FXHJK', 'AXCDE\tFXHJK', 'AXCDE-FXHJK\n', 'AXCDE-FXHJ\u00C9']) {
      assert.equal(normalizeRecoveryCode(input), undefined, JSON.stringify(input))
    }
  })

  it('does not let Unicode upper-casing turn other characters into a code', () => {
    // 'ﬀ'.toUpperCase() is 'FF' and 'ı'.toUpperCase() is 'I'.
    assert.equal(normalizeRecoveryCode('AXCDE-XH\uFB00JK'), undefined)
    assert.equal(normalizeRecoveryCode('AXCDE-FXHJ\u0131'), undefined)
  })
})

describe('hashRecoveryCode', { timeout: 30_000 }, () => {
  const pepper = deriveRecoveryCodePepper(undefined)

  it('is deterministic and differs per code', () => {
    const codes = generateRecoveryCodes()
    const hashes = codes.map((code) => hashRecoveryCode(code, pepper))
    assert.deepEqual(codes.map((code) => hashRecoveryCode(code, pepper)), hashes)
    assert.equal(new Set(hashes).size, codes.length)
    for (const hash of hashes) assert.match(hash, /^[A-Za-z0-9_-]{43}$/)
  })

  it('depends on the key-encryption key, which is not in the database', () => {
    const sealed = deriveRecoveryCodePepper('a key-encryption key of at least 32 characters')
    const again = deriveRecoveryCodePepper('a key-encryption key of at least 32 characters')
    const other = deriveRecoveryCodePepper('another key-encryption key, also 32+ characters')
    assert.deepEqual(again, sealed)
    assert.equal(sealed.length, 32)
    assert.notEqual(hashRecoveryCode('AXCDEFXHJK', sealed), hashRecoveryCode('AXCDEFXHJK', pepper))
    assert.notEqual(hashRecoveryCode('AXCDEFXHJK', sealed), hashRecoveryCode('AXCDEFXHJK', other))
  })
})
