import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AuthContext } from '../../auth/context.js'

/** The pages the links of mails lead to (contract §9): `/account/<page>#token=…`. */
const PAGES = ['verify-email', 'reset-password'] as const

/** The files of public/account/ served under /account/assets/, by extension. */
const ASSET_TYPES: Partial<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
}

// A page holding a single-use token runs only its own files: no inline script or style (an
// injected one could read the token), no other origin, not framed (clickjacking), no <base>.
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  // Neither the page's address nor its fragment goes to anyone in a Referer.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
}

/**
 * The account console's static pages and their assets, read once here and served from memory.
 * The pages refer to their assets and to the API by relative URLs, so they work under a
 * PUBLIC_URL with a path as well.
 */
export const accountPageRoutes: FastifyPluginAsyncTypebox<{ ctx: AuthContext }> = async (app) => {
  const folder = join(packageRoot(), 'public', 'account')

  for (const page of PAGES) {
    const html = readFileSync(join(folder, `${page}.html`))
    app.get(`/account/${page}`, { schema: { hide: true } }, async (request, reply) => {
      reply.headers(PAGE_HEADERS)
      // With a trailing slash the relative asset URLs would miss: back to the plain path (a
      // browser keeps the fragment, and so the token, across the redirect).
      if ((request.url.split('?', 1)[0] ?? '').endsWith('/')) return reply.redirect(`../${page}`)
      return reply.type('text/html; charset=utf-8').send(html)
    })
  }

  for (const file of readdirSync(folder)) {
    const type = ASSET_TYPES[extname(file)]
    if (type === undefined) continue
    const body = readFileSync(join(folder, file))
    app.get(`/account/assets/${file}`, { schema: { hide: true } }, async (_request, reply) => reply.type(type).send(body))
  }
}

/** Latchkey's package folder: found from src/ under tsx and from dist/src/ once built. */
function packageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url))
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'latchkey') return dir
    if (dirname(dir) === dir) throw new Error(`no package.json of latchkey above ${start}`)
  }
}
