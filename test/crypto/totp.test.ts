import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  matchTotp,
  otpauthUri,
  totpCode,
  totpStep,
} from '../../src/crypto/totp.js'

/** The secret of RFC 4226 Appendix D and RFC 6238 Appendix B (SHA-1). */
const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii')
const SECOND = 1000
/** A time in the middle of a step, so ±1 step stays clear of the boundaries. */
const NOW_MS = Date.UTC(2026, 10, 30, 12, 0, 15)
const NOW_STEP = totpStep(NOW_MS)

function codeAt(offset: number): string {
  return totpCode(RFC_SECRET, NOW_STEP + offset)
}

describe('RFC test vectors', { timeout: 30_000 }, () => {
  const hotp = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489']
  hotp.forEach((expected, counter) => {
    it(`gives RFC 4226 HOTP ${expected} for counter ${counter}`, () => {
      assert.equal(totpCode(RFC_SECRET, counter), expected)
    })
  })

  // RFC 6238 Appendix B gives 8 digits; a 6-digit code is the last 6 of them.
  const totp: [seconds: number, eightDigits: string][] = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ]
  for (const [seconds, eightDigits] of totp) {
    it(`gives RFC 6238 TOTP ${eightDigits.slice(2)} at T = ${seconds} s`, () => {
      assert.equal(totpCode(RFC_SECRET, totpStep(seconds * SECOND)), eightDigits.slice(2))
    })
  }

  it('puts a time on the step it falls in', () => {
    assert.equal(totpStep(0), 0)
    assert.equal(totpStep(29_999), 0)
    assert.equal(totpStep(30_000), 1)
    assert.equal(totpStep(59 * SECOND), 1)
    assert.equal(totpStep(20000000000 * SECOND), 666666666)
  })

  it('refuses a negative or fractional step', () => {
    assert.throws(() => totpCode(RFC_SECRET, -1), RangeError)
    assert.throws(() => totpCode(RFC_SECRET, 1.5), RangeError)
  })
})

describe('base32', { timeout: 30_000 }, () => {
  // RFC 4648 §10, with the padding left off on output.
  const vectors: [plain: string, encoded: string][] = [
    ['', ''],
    ['f', 'MY======'],
    ['fo', 'MZXQ===='],
    ['foo', 'MZXW6==='],
    ['foob', 'MZXW6YQ='],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI======'],
  ]
  for (const [plain, encoded] of vectors) {
    it(`encodes ${JSON.stringify(plain)} as ${encoded.replaceAll('=', '') || '""'} and decodes it with or without padding`, () => {
      const bytes = Buffer.from(plain, 'ascii')
      assert.equal(base32Encode(bytes), encoded.replaceAll('=', ''))
      assert.deepEqual(base32Decode(encoded), bytes)
      assert.deepEqual(base32Decode(encoded.replaceAll('=', '')), bytes)
    })
  }

  it('round-trips any bytes, upper-case and unpadded', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (array) => {
        const bytes = Buffer.from(array)
        const text = base32Encode(bytes)
        assert.match(text, /^[A-Z2-7]*$/)
        assert.equal(text.length, Math.ceil((bytes.length * 8) / 5))
        assert.deepEqual(base32Decode(text), bytes)
        assert.deepEqual(base32Decode(text.toLowerCase()), bytes)
      }),
    )
  })

  it('ignores case, spaces and padding', () => {
    assert.deepEqual(base32Decode('mzxw 6ytb oi== ===='), Buffer.from('foobar'))
  })

  it('refuses characters outside the alphabet and lengths no encoder makes', () => {
    for (const text of ['MZXW6YT1', 'MZXW6YT0', 'MZXW6YT8', 'MZXW6YT-', 'MZXW6YTB\n', 'MZXW6YTÉ', 'M', 'MZX', 'MZXW6Y']) {
      assert.equal(base32Decode(text), undefined, JSON.stringify(text))
    }
  })

  it('makes 160-bit secrets that differ each time and encode to 32 characters', () => {
    const first = generateTotpSecret()
    const second = generateTotpSecret()
    assert.equal(first.length, 20)
    assert.notDeepEqual(first, second)
    assert.equal(base32Encode(first).length, 32)
  })
})

describe('matchTotp', { timeout: 30_000 }, () => {
  it('uses codes that differ across the five steps around now (so the window tests mean something)', () => {
    const codes = [-2, -1, 0, 1, 2].map(codeAt)
    assert.equal(new Set(codes).size, 5)
  })

  it('accepts the current step and one step either side, and returns the step', () => {
    for (const offset of [-1, 0, 1]) {
      assert.equal(matchTotp(RFC_SECRET, codeAt(offset), NOW_MS, undefined), NOW_STEP + offset)
    }
  })

  it('refuses a code two steps away on either side', () => {
    assert.equal(matchTotp(RFC_SECRET, codeAt(-2), NOW_MS, undefined), undefined)
    assert.equal(matchTotp(RFC_SECRET, codeAt(2), NOW_MS, undefined), undefined)
  })

  it('refuses a code whose step was already used, and every earlier step', () => {
    assert.equal(matchTotp(RFC_SECRET, codeAt(0), NOW_MS, NOW_STEP), undefined)
    assert.equal(matchTotp(RFC_SECRET, codeAt(-1), NOW_MS, NOW_STEP), undefined)
    assert.equal(matchTotp(RFC_SECRET, codeAt(0), NOW_MS, NOW_STEP + 1), undefined)
  })

  it('still accepts a later step after a code was used', () => {
    assert.equal(matchTotp(RFC_SECRET, codeAt(1), NOW_MS, NOW_STEP), NOW_STEP + 1)
    assert.equal(matchTotp(RFC_SECRET, codeAt(0), NOW_MS, NOW_STEP - 1), NOW_STEP)
  })

  it('refuses a replay of the code it just accepted, 10 seconds later', () => {
    const code = codeAt(0)
    const used = matchTotp(RFC_SECRET, code, NOW_MS, undefined)
    assert.equal(used, NOW_STEP)
    assert.equal(matchTotp(RFC_SECRET, code, NOW_MS + 10 * SECOND, used), undefined)
  })

  it('returns the later step when one code belongs to two steps of the window, so it cannot be replayed', () => {
    // With the RFC secret, steps 153567 and 153569 share the code 468457 (found by search).
    const collision = totpCode(RFC_SECRET, 153567)
    assert.equal(totpCode(RFC_SECRET, 153569), collision)
    const atMs = 153568 * 30 * SECOND + 15 * SECOND
    const used = matchTotp(RFC_SECRET, collision, atMs, undefined)
    assert.equal(used, 153569)
    assert.equal(matchTotp(RFC_SECRET, collision, atMs, used), undefined)
  })

  it('accepts a code with spaces in it, as authenticator apps display it', () => {
    const code = codeAt(0)
    const spaced = `${code.slice(0, 2)} ${code.slice(2, 4)} ${code.slice(4)}`
    assert.equal(matchTotp(RFC_SECRET, spaced, NOW_MS, undefined), NOW_STEP)
    assert.equal(matchTotp(RFC_SECRET, ` ${code.slice(0, 3)} ${code.slice(3)} `, NOW_MS, undefined), NOW_STEP)
  })

  it('refuses, without throwing, anything but exactly six ASCII digits', () => {
    const code = codeAt(0)
    const fullWidth = [...code].map((digit) => String.fromCodePoint(0xff10 + Number(digit))).join('')
    const malformed = ['', '      ', '12345', '1234567', 'abcdef', code.slice(0, 5), `${code}0`, `0${code}`,
      `${code.slice(0, 5)}a`, `+${code.slice(1)}`, `-${code.slice(1)}`, `${code}\n`, `${code.slice(0, 3)}\t${code.slice(3)}`,
      `${code.slice(0, 3)}-${code.slice(3)}`, fullWidth, '\u0000'.repeat(6), '9'.repeat(100_000)]
    for (const input of malformed) {
      assert.equal(matchTotp(RFC_SECRET, input, NOW_MS, undefined), undefined, JSON.stringify(input.slice(0, 20)))
    }
  })

  it('does not throw in the first step of the epoch, where one neighbour is negative', () => {
    assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, 0), 10 * SECOND, undefined), 0)
    assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, 1), 10 * SECOND, undefined), 1)
  })
})

describe('otpauthUri', { timeout: 30_000 }, () => {
  it('has the contract shape: issuer:account label, secret first, issuer second, then the parameters', () => {
    const uri = otpauthUri({ issuer: 'https://auth.example.com', accountName: 'alice', secretBase32: 'JBSWY3DPEHPK3PXP' })
    assert.equal(
      uri,
      'otpauth://totp/https%3A%2F%2Fauth.example.com:alice?secret=JBSWY3DPEHPK3PXP&issuer=https%3A%2F%2Fauth.example.com&algorithm=SHA1&digits=6&period=30',
    )
  })

  it('percent-encodes an issuer and user name that need escaping', () => {
    const issuer = 'Acme & Co: Auth?'
    const accountName = 'jo hn/ü#1+x@example.com'
    const uri = otpauthUri({ issuer, accountName, secretBase32: 'GEZDGNBVGY3TQOJQ' })
    assert.equal(
      uri,
      'otpauth://totp/Acme%20%26%20Co%3A%20Auth%3F:jo%20hn%2F%C3%BC%231%2Bx%40example.com' +
        '?secret=GEZDGNBVGY3TQOJQ&issuer=Acme%20%26%20Co%3A%20Auth%3F&algorithm=SHA1&digits=6&period=30',
    )
    const url = new URL(uri)
    assert.equal(url.protocol, 'otpauth:')
    assert.equal(url.host, 'totp')
    const [labelIssuer, labelAccount, ...rest] = url.pathname.slice(1).split(':')
    assert.deepEqual(rest, [])
    assert.equal(decodeURIComponent(labelIssuer ?? ''), issuer)
    assert.equal(decodeURIComponent(labelAccount ?? ''), accountName)
    assert.deepEqual([...url.searchParams.keys()], ['secret', 'issuer', 'algorithm', 'digits', 'period'])
    assert.equal(url.searchParams.get('issuer'), issuer)
  })
})
