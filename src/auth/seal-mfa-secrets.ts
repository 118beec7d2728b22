import { SEALED_PREFIX } from '../crypto/key-encryption.js'
import type { AuthContext } from './context.js'

const BATCH = 500

/**
 * At boot, as for the signing keys (contract §1, §10): a KEY_ENCRYPTION_KEY that cannot open the
 * stored TOTP secrets stops the server (a bad value, not a 500 at the first login), and with a
 * key set, secrets stored in plain text before it was set are sealed now.
 */
export async function checkAndSealMfaSecrets(ctx: Pick<AuthContext, 'store' | 'mfaSealer' | 'log'>): Promise<void> {
  for (const stored of await ctx.store.listMfaSecrets({ sealed: true, prefix: SEALED_PREFIX, limit: 1 })) {
    try {
      ctx.mfaSealer.open(stored.value)
    } catch {
      throw new Error(ctx.mfaSealer.sealsAtRest ? 'KEY_ENCRYPTION_KEY cannot decrypt the stored TOTP secrets' : 'the stored TOTP secrets are encrypted: set KEY_ENCRYPTION_KEY')
    }
  }
  if (!ctx.mfaSealer.sealsAtRest) return
  let sealed = 0
  for (;;) {
    const plain = await ctx.store.listMfaSecrets({ sealed: false, prefix: SEALED_PREFIX, limit: BATCH })
    let progress = 0
    for (const { userId, column, value } of plain) {
      // Compare-and-set: an enrollment that replaced the secret meanwhile keeps its own.
      if (await ctx.store.replaceMfaSecret({ userId, column, expected: value, value: ctx.mfaSealer.seal(value) })) progress++
    }
    sealed += progress
    if (plain.length < BATCH || progress === 0) break
  }
  if (sealed > 0) ctx.log.info({ sealed }, 'sealed plaintext TOTP secrets with KEY_ENCRYPTION_KEY')
}
