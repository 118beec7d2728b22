import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

export const OPENAPI_PATH = '/swagger/v1/swagger.json'

/** The OpenAPI document, generated from the route schemas, and Swagger UI served from this server. */
export async function registerApiDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Latchkey',
        version: '1',
        description: 'Register, log in, call protected routes with the access token, refresh without the password.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  })
  await app.register(swaggerUi, {
    routePrefix: '/swagger',
    uiConfig: { url: OPENAPI_PATH, persistAuthorization: false },
  })
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger())
}
