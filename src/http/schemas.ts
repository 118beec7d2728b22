import { type Static, Type } from 'typebox'

// One schema per shape: it validates the request, types the handler, filters the response
// and writes the OpenAPI document.

export const RegisterBody = Type.Object({
  firstName: Type.String(),
  lastName: Type.String(),
  email: Type.String(),
  userName: Type.String(),
  password: Type.String(),
})
export type RegisterBody = Static<typeof RegisterBody>

export const RegisterResponse = Type.Object({ id: Type.String(), success: Type.Boolean() })

export const LoginBody = Type.Object({
  userName: Type.String({ minLength: 1, maxLength: 254, description: 'The user name; failing that, an email address.' }),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
})
export type LoginBody = Static<typeof LoginBody>

export const TokenResponse = Type.Object({
  accessToken: Type.Object({
    token: Type.String({ description: 'A JWT (RFC 9068), sent as `Authorization: Bearer <token>`.' }),
    expiresIn: Type.Integer({ description: 'Seconds until it expires.' }),
  }),
  refreshToken: Type.String({ description: 'Opaque; works once. Trade it at /api/auth/refreshtoken.' }),
})

export const RefreshBody = Type.Object({
  refreshToken: Type.String(),
  accessToken: Type.Optional(Type.String({ description: 'Optional, as the sample sent it: checked against the refresh token.' })),
})
export type RefreshBody = Static<typeof RefreshBody>

export const ProtectedResponse = Type.Object({ result: Type.Boolean() })

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    errors: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
  },
  { description: 'RFC 9457 problem details (application/problem+json).' },
)

/** The problem responses a route documents, by status. */
export function problems(...statuses: number[]): Record<number, typeof Problem> {
  return Object.fromEntries(statuses.map((status) => [status, Problem]))
}
