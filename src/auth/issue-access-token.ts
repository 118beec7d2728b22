import { randomTokenId } from '../crypto/random-id.js'
import type { AuthContext } from './context.js'

/** Signs an access token for the user in the session; `exp` never passes the session's end. */
export function issueAccessToken(
  ctx: Pick<AuthContext, 'config' | 'clock' | 'keys'>,
  user: { id: string; userName: string },
  roles: readonly string[],
  session: { id: string; absoluteExpiresAt: number; amr: readonly string[] },
): { token: string; expiresIn: number } {
  const { config } = ctx
  const iat = Math.floor(ctx.clock.now() / 1000)
  const exp = Math.min(iat + config.accessTokenTtlSeconds, Math.floor(session.absoluteExpiresAt / 1000))
  const token = ctx.keys.sign({
    iss: config.jwtIssuer,
    aud: config.jwtAudience,
    sub: user.id,
    client_id: config.jwtClientId,
    id: user.id,
    preferred_username: user.userName,
    rol: [...roles],
    amr: [...session.amr],
    sid: session.id,
    jti: randomTokenId(),
    iat,
    nbf: iat,
    exp,
  })
  return { token, expiresIn: exp - iat }
}
