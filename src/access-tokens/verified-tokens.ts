import type { SignedToken } from '../crypto/access-tokens.js'

/** A key as the cache sees it: entries it vouched for die with it. */
export interface VerifyingKey {
  /** Set once the key leaves the key set (retired out of the JWKS, or gone on reload). */
  removed: boolean
}

interface Entry {
  token: SignedToken
  key: VerifyingKey
}

/**
 * Token strings whose header and signature (and iss, aud) passed, bounded, oldest out first.
 * Keyed by the exact string, so only a token one of our keys signed can ever be found here.
 * An entry counts only while its key is still in the key set.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Entry>()

  constructor(private readonly capacity: number) {}

  get(token: string): SignedToken | undefined {
    const entry = this.entries.get(token)
    if (entry === undefined) return undefined
    // A key retired out of the set takes its tokens with it, whatever the cache remembers.
    if (entry.key.removed) {
      this.entries.delete(token)
      return undefined
    }
    return entry.token
  }

  remember(token: string, signed: SignedToken, key: VerifyingKey): void {
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string)
    this.entries.set(token, { token: signed, key })
  }

  /** Drops the entries of removed keys (their memory; `get` already ignores them). */
  sweep(): void {
    for (const [token, entry] of this.entries) if (entry.key.removed) this.entries.delete(token)
  }

  get size(): number {
    return this.entries.size
  }
}
