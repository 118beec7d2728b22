import { createKeySealer } from '../crypto/key-encryption.js'
import type { AuthContext } from './context.js'

/**
 * Creates a new key pair that signs from now on; the previous key stays published for
 * verification until its last token has expired. Returns the new `kid`.
 */
export async function rotateSigningKey(ctx: Pick<AuthContext, 'config' | 'store' | 'keys'>): Promise<string> {
  if (ctx.config.jwtAlgorithm === 'HS256') throw new Error('HS256 keys come from JWT_SECRET')
  // A KEY_ENCRYPTION_KEY that cannot open the stored keys would seal the new key under a
  // different key than the old ones, and no server could load the set afterwards: refuse first.
  const sealer = createKeySealer(ctx.config.keyEncryptionKey)
  for (const key of await ctx.store.listSigningKeys()) sealer.open(key.privateKey)
  return ctx.keys.rotate()
}
