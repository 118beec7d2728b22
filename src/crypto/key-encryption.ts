import { scryptSync } from 'node:crypto'
import { open, seal } from './aead.js'

export const SEALED_PREFIX = 'sealed:v1:'

/** Encrypts private signing keys at rest with a key stretched from KEY_ENCRYPTION_KEY. */
export interface KeySealer {
  /** True when a key-encryption key is set: what is stored from now on is sealed. */
  readonly sealsAtRest: boolean
  isSealed(stored: string): boolean
  seal(plaintext: string): string
  /** The plaintext; throws when the stored value was sealed under another key. */
  open(stored: string): string
}

/** Without a key-encryption key the private keys are stored as plain PEM (outside production only). */
export function createKeySealer(keyEncryptionKey: string | undefined): KeySealer {
  if (keyEncryptionKey === undefined) {
    return {
      sealsAtRest: false,
      isSealed,
      seal: (plaintext) => plaintext,
      open(stored) {
        if (stored.startsWith(SEALED_PREFIX)) throw new Error('the stored signing keys are encrypted: set KEY_ENCRYPTION_KEY')
        return stored
      },
    }
  }
  // scrypt, not a bare hash: the operator's value may be a passphrase rather than random bytes.
  const key = scryptSync(keyEncryptionKey, 'latchkey key-encryption v1', 32)
  return {
    sealsAtRest: true,
    isSealed,
    seal: (plaintext) => SEALED_PREFIX + seal(key, plaintext),
    open(stored) {
      if (!stored.startsWith(SEALED_PREFIX)) return stored
      const plaintext = open(key, stored.slice(SEALED_PREFIX.length))
      if (plaintext === undefined) throw new Error('KEY_ENCRYPTION_KEY cannot decrypt the stored signing keys')
      return plaintext
    },
  }
}

function isSealed(stored: string): boolean {
  return stored.startsWith(SEALED_PREFIX)
}
