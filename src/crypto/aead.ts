import { createCipheriv, createDecipheriv } from 'node:crypto'
import { randomBytesPooled } from './random-pool.js'

/** AES-256-GCM with a fresh 96-bit IV: `iv.ciphertext.tag`, each part base64url. */
export function seal(key: Buffer, plaintext: string): string {
  const iv = randomBytesPooled(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return [iv, data, cipher.getAuthTag()].map((part) => part.toString('base64url')).join('.')
}

/** The plaintext, or undefined when `sealed` was made under another key or was tampered with. */
export function open(key: Buffer, sealed: string): string | undefined {
  const [iv, data, tag, ...extra] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'))
  if (iv === undefined || data === undefined || tag === undefined || extra.length > 0) return undefined
  if (iv.length !== 12 || tag.length !== 16) return undefined
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv)
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8')
  } catch {
    return undefined
  }
}
