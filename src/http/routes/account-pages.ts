import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AuthContext } from '../../auth/context.js'

/** The pages the links of mails lead to (contract §9): `/account/<page>#token=…`. */
const PAGES = ['verify-email', 'reset-password'] as const

/** The files served under /account/assets/, by extension. */
const ASSET_TYPES: Partial<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
}

/** The console's bundle, built from console/ by `npm run build` (esbuild). */
const CONSOLE_BUNDLE = 'console.js'

// A page holding a single-use token or a refresh token runs only its own files: no inline script
// or style (an injected one could read the token), no other origin, not framed (clickjacking), no
// <base>.
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  // Neither the page's address nor its fragment goes to anyone in a Referer.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
}

/**
 * The account console (`/account`) and the static pages of mailed links, with their assets, read
 * once here and served from memory. The pages refer to their assets and to the API by relative
 * URLs, so they work under a PUBLIC_URL with a path as well. The console needs its bundle: without
 * a build (`npm run build`) `/account` is 404 and the link pages still work.
 */
export const accountPageRoutes: FastifyPluginAsyncTypebox<{ ctx: AuthContext }> = async (app, { ctx }) => {
  const root = packageRoot()
  const folder = join(root, 'public', 'account')
  const bundleFolder = join(root, 'dist', 'console')
  const consoleBuilt = existsSync(join(bundleFolder, CONSOLE_BUNDLE))
  if (!consoleBuilt) ctx.log.warn({ missing: join('dist', 'console', CONSOLE_BUNDLE) }, 'the account console is not built (npm run build): /account answers 404')

  const pages: Array<[path: string, file: string]> = PAGES.map((page) => [`account/${page}`, `${page}.html`])
  if (consoleBuilt) pages.push(['account', 'console.html'])
  for (const [path, file] of pages) {
    const html = readFileSync(join(folder, file))
    const name = path.slice(path.lastIndexOf('/') + 1)
    app.get(`/${path}`, { schema: { hide: true } }, async (request, reply) => servePage(request, reply, html, name))
  }

  const assets = [...filesOf(folder), ...(consoleBuilt ? filesOf(bundleFolder) : [])]
  for (const file of assets) {
    const type = ASSET_TYPES[extname(file)]
    if (type === undefined) continue
    const body = readFileSync(file)
    app.get(`/account/assets/${basename(file)}`, { schema: { hide: true } }, async (_request, reply) => reply.type(type).send(body))
  }
}

function servePage(request: FastifyRequest, reply: FastifyReply, html: Buffer, name: string): FastifyReply {
  reply.headers(PAGE_HEADERS)
  // With a trailing slash the relative asset URLs would miss: back to the plain path (a browser
  // keeps the fragment, and so a link's token or the console's view, across the redirect).
  if ((request.url.split('?', 1)[0] ?? '').endsWith('/')) return reply.redirect(`../${name}`)
  return reply.type('text/html; charset=utf-8').send(html)
}

function filesOf(folder: string): string[] {
  return existsSync(folder) ? readdirSync(folder).map((file) => join(folder, file)) : []
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
