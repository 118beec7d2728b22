import type { JsonWebKey } from 'node:crypto'
import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import {
  type AccessTokenCheck,
  type AccessTokenClaims,
  type AccessTokenPolicy,
  checkHeader,
  checkTimeClaims,
  createAccessTokenSigner,
  createSignedTokenVerifier,
  type SignedCheck,
} from '../crypto/access-tokens.js'
import type { KeySealer } from '../crypto/key-encryption.js'
import { generateKeyPair, publicJwk, secretKid, type SigningKey } from '../crypto/signing-keys.js'
import type { SigningKeyStore, StoredSigningKey } from '../persistence/store.js'
import { type VerifyingKey, VerifiedTokens } from './verified-tokens.js'

interface LoadedKey extends VerifyingKey {
  verify: (token: string) => SignedCheck | Promise<SignedCheck>
}

interface Loaded {
  signingKid: string
  sign: (claims: AccessTokenClaims) => string
  keys: Map<string, LoadedKey>
  jwks: Map<string, JsonWebKey>
}

/** What `load` found of the private keys at rest: how many it sealed, how many stay plaintext. */
export interface KeyStorageReport {
  sealed: number
  plaintext: number
}

/** How long a retired key stays published after it stopped signing, beyond the last token's life. */
const RETIRED_KEY_MARGIN_MS = 300_000
const RELOAD_INTERVAL_MS = 1_000
/** Verified token strings kept (about 1 KiB each): far more than the live tokens of a busy instance. */
const VERIFIED_TOKENS_KEPT = 20_000
const UNKNOWN_KEY: AccessTokenCheck = Object.freeze({ ok: false, expired: false, reason: 'The token was signed by an unknown key.' })

/**
 * The keys this instance signs and verifies access tokens with. Asymmetric keys live in the
 * database, so every instance shares them; HS256 keys come from the configuration.
 */
export class KeyRing {
  private loaded: Loaded | undefined
  private lastLoadAt = Number.NEGATIVE_INFINITY
  /** The reload running now, if any. */
  private reloading: Promise<void> | undefined
  /** The next reload to start, which callers that meet an unknown `kid` wait for. */
  private nextReload: Promise<void> | undefined
  private readonly verified = new VerifiedTokens(VERIFIED_TOKENS_KEPT)
  private readonly policy: AccessTokenPolicy

  constructor(
    private readonly config: Config,
    private readonly store: SigningKeyStore,
    private readonly sealer: KeySealer,
    private readonly clock: Clock,
  ) {
    this.policy = tokenPolicy(config)
  }

  /**
   * Loads the keys; outside production, creates the first key pair when there is none. Private
   * keys stored in plaintext (made before KEY_ENCRYPTION_KEY was set) are sealed first.
   */
  async load(): Promise<KeyStorageReport> {
    const storage = await this.sealPlaintextKeys()
    if (this.config.jwtAlgorithm === 'HS256') {
      this.loaded = loadSecrets(this.config)
      return storage
    }
    let stored = await this.store.listSigningKeys()
    // Fails now, at boot, when KEY_ENCRYPTION_KEY is missing or wrong for any stored key.
    for (const key of stored) this.sealer.open(key.privateKey)
    if (!stored.some((key) => isActive(key, this.config.jwtAlgorithm))) {
      if (this.config.production) {
        throw new Error(`no active ${this.config.jwtAlgorithm} signing key: run \`latchkey keys rotate\` first`)
      }
      await this.rotate()
      stored = await this.store.listSigningKeys()
    }
    this.replace(this.fromStored(stored))
    this.lastLoadAt = this.clock.now()
    return storage
  }

  /**
   * Seals every private key still stored in plaintext, when a key-encryption key is set: a key
   * generated before KEY_ENCRYPTION_KEY existed must not stay readable in the database forever.
   * Without one, counts them, so the caller can warn.
   */
  private async sealPlaintextKeys(): Promise<KeyStorageReport> {
    const report = { sealed: 0, plaintext: 0 }
    for (const key of await this.store.listSigningKeys()) {
      if (this.sealer.isSealed(key.privateKey)) continue
      if (!this.sealer.sealsAtRest) report.plaintext++
      // Compare-and-set: two instances starting together seal each key once.
      else if (await this.store.replacePrivateKey({ kid: key.kid, expected: key.privateKey, privateKey: this.sealer.seal(key.privateKey) })) report.sealed++
    }
    return report
  }

  /** Creates a new key pair that signs from now on; the previous one is retired. */
  async rotate(): Promise<string> {
    const algorithm = this.config.jwtAlgorithm
    if (algorithm === 'HS256') throw new Error('HS256 keys come from JWT_SECRET')
    const pair = generateKeyPair(algorithm)
    await this.store.addSigningKey({
      kid: pair.kid,
      algorithm,
      publicKey: pair.publicKeyPem,
      // Private keys are sealed with KEY_ENCRYPTION_KEY (when set) before they reach the database.
      privateKey: this.sealer.seal(pair.privateKeyPem),
      createdAt: this.clock.now(),
      retiredAt: null,
    })
    return pair.kid
  }

  sign(claims: AccessTokenClaims): string {
    return this.current().sign(claims)
  }

  /**
   * Header, signature, then iss, aud, nbf and exp: `undefined` when the token names a key this
   * process does not know (then `verify` may reload). A token string verified before skips
   * straight to its time claims, without waiting; a new one under a public key waits for its
   * signature check on the thread pool.
   */
  verifyNow(token: string): AccessTokenCheck | Promise<AccessTokenCheck> | undefined {
    const signed = this.verified.get(token)
    if (signed !== undefined) return checkTimeClaims(signed, this.policy.clockSkewSeconds, this.clock.now())
    const header = checkHeader(token, this.config.jwtAlgorithm)
    if ('reason' in header) return { ok: false, expired: false, reason: header.reason }
    const key = this.current().keys.get(header.kid)
    if (key === undefined) return undefined
    const result = key.verify(token)
    return result instanceof Promise ? result.then((settled) => this.settle(token, settled, key)) : this.settle(token, result, key)
  }

  /**
   * As `verifyNow`; an unknown `kid` waits for the next reload of the keys (at most one a second)
   * and is checked again, so a token signed by a key rotated in a moment ago passes.
   */
  async verify(token: string): Promise<AccessTokenCheck> {
    const check = this.verifyNow(token)
    if (check !== undefined) return check
    await this.reloadAfterNow()
    return (await this.verifyNow(token)) ?? UNKNOWN_KEY
  }

  private settle(token: string, result: SignedCheck, key: LoadedKey): AccessTokenCheck {
    if ('reason' in result) return { ok: false, expired: false, reason: result.reason }
    // Only a token whose header and signature passed is remembered: nothing forged gets in.
    this.verified.remember(token, result, key)
    return checkTimeClaims(result, this.policy.clockSkewSeconds, this.clock.now())
  }

  /** Public keys for the JWKS document. */
  jwks(): JsonWebKey[] {
    return [...this.current().jwks.values()]
  }

  /** Picks up keys rotated by another process. */
  async reload(): Promise<void> {
    if (this.config.jwtAlgorithm === 'HS256') return
    this.replace(this.fromStored(await this.store.listSigningKeys()))
    this.lastLoadAt = this.clock.now()
  }

  /**
   * Joins the next reload to start — never one already running, whose read may predate the key the
   * caller met — waiting out the rest of the one-second interval first. A flood of unknown `kid`s
   * thus costs the database one read a second, and an honest new key waits at most a second.
   */
  private reloadAfterNow(): Promise<void> {
    this.nextReload ??= (async () => {
      await this.reloading?.catch(() => {})
      const waitMs = Math.min(RELOAD_INTERVAL_MS, this.lastLoadAt + RELOAD_INTERVAL_MS - this.clock.now())
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs))
      this.nextReload = undefined
      this.reloading = this.reload().finally(() => (this.reloading = undefined))
      await this.reloading
    })()
    return this.nextReload
  }

  /** Swaps in a new key set; a key no longer in it stops vouching for the tokens it verified. */
  private replace(next: Loaded): void {
    const previous = this.loaded
    this.loaded = next
    let removedAny = false
    for (const [kid, key] of previous?.keys ?? []) {
      if (next.keys.get(kid) === key) continue
      key.removed = true
      removedAny = true
    }
    if (removedAny) this.verified.sweep()
  }

  private current(): Loaded {
    if (this.loaded === undefined) throw new Error('signing keys not loaded')
    return this.loaded
  }

  private fromStored(stored: StoredSigningKey[]): Loaded {
    const algorithm = this.config.jwtAlgorithm
    const now = this.clock.now()
    const lingerMs = (this.config.accessTokenTtlSeconds + this.config.clockSkewSeconds) * 1000 + RETIRED_KEY_MARGIN_MS
    // A retired key outlives the last token it signed (issued by the time it was retired).
    const usable = stored.filter((key) => key.algorithm === algorithm && (key.retiredAt === null || key.retiredAt + lingerMs > now))
    const active = usable.filter((key) => key.retiredAt === null).at(-1)
    if (active === undefined) throw new Error(`no active ${algorithm} signing key`)
    // Reloads run every second: what was built for a kid (its verifier, its cached tokens) is kept.
    const previous = this.loaded
    const keys = new Map<string, LoadedKey>()
    const jwks = new Map<string, JsonWebKey>()
    for (const key of usable) {
      const verifyOnly: SigningKey = { kid: key.kid, algorithm, verifyKey: key.publicKey }
      keys.set(key.kid, previous?.keys.get(key.kid) ?? loadedKey(verifyOnly, this.policy))
      jwks.set(key.kid, previous?.jwks.get(key.kid) ?? publicJwk(verifyOnly))
    }
    const sign =
      previous?.signingKid === active.kid
        ? previous.sign
        : createAccessTokenSigner({ kid: active.kid, algorithm, verifyKey: active.publicKey, signKey: this.sealer.open(active.privateKey) })
    return { signingKid: active.kid, sign, keys, jwks }
  }
}

function loadedKey(key: SigningKey, policy: AccessTokenPolicy): LoadedKey {
  return { verify: createSignedTokenVerifier(key, policy), removed: false }
}

function tokenPolicy(config: Config): AccessTokenPolicy {
  return {
    algorithm: config.jwtAlgorithm,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    clockSkewSeconds: config.clockSkewSeconds,
  }
}

function isActive(key: StoredSigningKey, algorithm: string): boolean {
  return key.algorithm === algorithm && key.retiredAt === null
}

function loadSecrets(config: Config): Loaded {
  const secrets = [config.jwtSecret, config.jwtSecretPrevious].filter((secret) => secret !== undefined)
  const keys: SigningKey[] = secrets.map((secret) => ({ kid: secretKid(secret), algorithm: 'HS256', verifyKey: secret, signKey: secret }))
  const [signing] = keys
  if (signing === undefined) throw new Error('JWT_SECRET is required with HS256')
  return {
    signingKid: signing.kid,
    sign: createAccessTokenSigner(signing),
    keys: new Map(keys.map((key) => [key.kid, loadedKey(key, tokenPolicy(config))])),
    jwks: new Map(),
  }
}
