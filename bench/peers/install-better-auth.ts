import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The peer's versions, pinned: a new version is a deliberate change of this line. */
export const BETTER_AUTH_VERSION = '1.7.29'
/** jose, which Better Auth's JWT plugin verifies with; the /api/protected-jose route uses it directly. */
const JOSE_VERSION = '6.2.19'

/**
 * Better Auth in a temporary folder of its own (`npm install --prefix`), never a dependency of
 * Latchkey: reused while the folder holds the pinned version. Returns the server script's path,
 * copied there so its imports resolve to that folder's node_modules.
 */
export async function installBetterAuth(): Promise<string> {
  const dir = join(tmpdir(), `latchkey-bench-better-auth-${BETTER_AUTH_VERSION}`)
  if (installedVersion(dir) !== BETTER_AUTH_VERSION) {
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'latchkey-bench-peer', private: true, type: 'module' }))
    console.log(`  installing better-auth@${BETTER_AUTH_VERSION} into ${dir}`)
    await run('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--ignore-scripts', '--save-exact', `better-auth@${BETTER_AUTH_VERSION}`, `jose@${JOSE_VERSION}`], {
      timeout: 300_000,
    })
  }
  const script = join(dir, 'better-auth-server.mjs')
  copyFileSync(new URL('./better-auth-server.mjs', import.meta.url), script)
  return script
}

function installedVersion(dir: string): string | undefined {
  const manifest = join(dir, 'node_modules', 'better-auth', 'package.json')
  return existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version : undefined
}
