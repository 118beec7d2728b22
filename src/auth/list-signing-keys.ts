import type { AuthContext } from './context.js'

export interface SigningKeySummary {
  kid: string
  algorithm: string
  /** `active`: signs new tokens; `retired`: rotated out, or of an algorithm no longer configured. */
  state: 'active' | 'retired'
  createdAt: Date
}

/** The signing keys kept in the database, oldest first (none under HS256: its keys are secrets). */
export async function listSigningKeys(ctx: Pick<AuthContext, 'config' | 'store'>): Promise<SigningKeySummary[]> {
  const keys = await ctx.store.listSigningKeys()
  return keys.map((key) => ({
    kid: key.kid,
    algorithm: key.algorithm,
    state: key.retiredAt === null && key.algorithm === ctx.config.jwtAlgorithm ? 'active' : 'retired',
    createdAt: new Date(key.createdAt),
  }))
}
