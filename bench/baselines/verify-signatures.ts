import { createHmac, createPublicKey, timingSafeEqual, verify } from 'node:crypto'
import type { SigningKey } from '../../src/crypto/signing-keys.js'

/**
 * Signature checks per second on one core, straight on node:crypto, of distinct tokens: the
 * least a cache-miss request must do (EdDSA: Ed25519 verify; HS256: HMAC-SHA256 + compare).
 */
export function verifySignaturesPerSecond(tokens: readonly string[], key: SigningKey, seconds: number): number {
  const check = signatureCheck(key)
  const deadline = performance.now() + seconds * 1000
  const startedAt = performance.now()
  let count = 0
  while (performance.now() < deadline) {
    for (let i = 0; i < 256; i++) {
      const token = tokens[count % tokens.length] as string
      const dot = token.lastIndexOf('.')
      if (!check(Buffer.from(token.slice(0, dot)), Buffer.from(token.slice(dot + 1), 'base64url'))) throw new Error('a minted token does not verify')
      count++
    }
  }
  return count / ((performance.now() - startedAt) / 1000)
}

function signatureCheck(key: SigningKey): (signingInput: Buffer, signature: Buffer) => boolean {
  if (key.algorithm === 'HS256') {
    return (input, signature) => {
      const expected = createHmac('sha256', key.verifyKey).update(input).digest()
      return expected.length === signature.length && timingSafeEqual(expected, signature)
    }
  }
  const publicKey = createPublicKey(key.verifyKey)
  return (input, signature) => verify(null, input, publicKey, signature)
}
