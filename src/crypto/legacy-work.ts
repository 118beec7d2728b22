import { randomBytes } from 'node:crypto'
import { deriveIdentitySubkey, type IdentityPrf } from './identity-hash.js'
import { WRAPPED_PREFIX } from './password-hasher.js'

const PROFILE = /^\$identity\$(sha1|sha256|sha512)\$(\d+)\$(\d+)\$/

/** `sha512$100000$32`: the PBKDF2 parameters of a stored (wrapped) Identity hash, without its salt. */
export function legacyProfileOf(stored: string): string | undefined {
  if (!stored.startsWith(WRAPPED_PREFIX)) return undefined
  const match = PROFILE.exec(stored)
  return match === null ? undefined : `${match[1]}$${match[2]}$${match[3]}`
}

/**
 * Runs one PBKDF2 of each profile with a random salt and throws the result away. A login of an
 * imported account costs its own PBKDF2 on top of argon2id; every other login (an unknown user,
 * a native account, an imported account of another profile) runs the profiles it did not run,
 * so all cost the same and the time of a failed login tells nothing about the account.
 */
export async function burnLegacyWork(profiles: Iterable<string>, password: string): Promise<void> {
  for (const profile of profiles) {
    const [prf, iterations, length] = profile.split('$') as [IdentityPrf, string, string]
    await deriveIdentitySubkey(password, { prf, iterations: Number(iterations), length: Number(length), salt: randomBytes(16) })
  }
}

/**
 * The profiles of imported hashes still stored, kept in memory (read at start, then refreshed
 * by the server's upkeep); a profile met at login that is not listed yet is added at once.
 */
export class LegacyProfiles {
  private profiles: readonly string[] = []

  constructor(private readonly load: () => Promise<string[]>) {}

  list(): readonly string[] {
    return this.profiles
  }

  remember(profile: string): void {
    if (!this.profiles.includes(profile)) this.profiles = [...this.profiles, profile].sort()
  }

  async refresh(): Promise<void> {
    this.profiles = [...(await this.load())].sort()
  }
}
