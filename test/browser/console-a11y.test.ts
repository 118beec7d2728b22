import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { after, before, describe, it } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { totpStep } from '../../src/crypto/totp.js'
import type { TestServer } from '../support/test-app.js'
import { asUser, beginEnrollment, codeOfStep } from '../support/two-factor.js'
import { launchChromium, navigate, newDevice, openConsole, signIn, startRealClockServer, UI_TIMEOUT_MS, viewShows } from './browser.js'

// An automated accessibility check (axe-core, WCAG 2.x A and AA rules) of every view of the
// console and of the link pages, in the light and the dark colour scheme. axe is injected as a
// script of its own, which the pages' CSP would refuse: these contexts alone bypass the CSP (the
// other tests prove the pages work under it).

const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const BLOCKING = new Set(['serious', 'critical'])

interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: Array<{ target: unknown[]; failureSummary?: string }>
}

/** Runs axe on the page as it is; returns the serious and critical violations, described. */
async function blockingViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate<boolean>('typeof window.axe === "object"'))) await page.addScriptTag({ path: AXE_SOURCE })
  const violations = await page.evaluate<AxeViolation[]>(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }, resultTypes: ['violations'] }).then((results) => results.violations)`,
  )
  return violations
    .filter((violation) => BLOCKING.has(violation.impact ?? ''))
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes.map((node) => JSON.stringify(node.target)).join(', ')}`)
}

describe('console: accessibility check of every view (axe-core)', { timeout: 180_000 }, () => {
  let server: TestServer
  let browser: Browser
  before(async () => {
    server = await startRealClockServer()
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`finds no serious or critical violation on any view (${colorScheme} scheme)`, async () => {
      const user = await server.register()
      const device: BrowserContext = await newDevice(browser, { bypassCSP: true, colorScheme })
      const page = await device.newPage()
      const found: Record<string, string[]> = {}
      const check = async (name: string): Promise<void> => {
        found[name] = await blockingViolations(page)
      }

      for (const [route, title] of [['sign-in', 'Sign in'], ['sign-up', 'Create your account'], ['forgot-password', 'Reset your password']] as const) {
        await openConsole(page, server, route)
        await viewShows(page, title)
        await check(route)
      }
      // A form showing its errors.
      await page.getByRole('button', { name: 'Send reset link' }).click()
      await page.locator('input[aria-invalid="true"]').waitFor({ timeout: UI_TIMEOUT_MS })
      await check('forgot-password with an error')

      await openConsole(page, server, 'sign-in')
      await viewShows(page, 'Sign in')
      await signIn(page, user)
      await viewShows(page, 'Profile')
      await check('profile')
      for (const [label, title] of [['Sessions', 'Sessions'], ['Security activity', 'Security activity'], ['Password', 'Change password'], ['Email address', 'Email address'], ['Two-factor authentication', 'Two-factor authentication']] as const) {
        await navigate(page, label)
        await viewShows(page, title)
        await check(title)
      }
      await page.getByLabel('Current password').fill(user.password)
      await page.getByRole('button', { name: 'Set up two-factor authentication' }).click()
      await page.getByRole('heading', { name: 'Scan this code with your authenticator app' }).waitFor({ timeout: UI_TIMEOUT_MS })
      await check('two-factor: scan step')

      for (const path of ['/account/verify-email', `/account/reset-password#token=${'C'.repeat(43)}`]) {
        await page.goto(server.url + path)
        await page.locator('h1').waitFor({ timeout: UI_TIMEOUT_MS })
        await check(path.replace(/#.*/, ''))
      }

      const failures = Object.entries(found).filter(([, violations]) => violations.length > 0)
      assert.deepEqual(failures, [], JSON.stringify(failures, null, 2))
      assert.ok(Object.keys(found).length >= 13, `views checked: ${Object.keys(found).join(', ')}`)
      await device.close()
    })
  }

  it('finds none on the second step of sign-in, the two-factor view with the factor on, and the recovery codes', async () => {
    const user = await server.register()
    // Turned on over the API, as another device would.
    const pair = await server.login(user.userName, user.password)
    const { secret } = await beginEnrollment(server, pair, user.password)
    const confirmed = await asUser(server, pair, 'POST', '/api/accounts/me/mfa/totp/confirm', { code: codeOfStep(secret, totpStep(Date.now())) })
    assert.equal(confirmed.status, 200)
    const recoveryCodes = confirmed.body.recoveryCodes as string[]

    const device = await newDevice(browser, { bypassCSP: true })
    const page = await device.newPage()
    await openConsole(page, server, 'sign-in')
    await viewShows(page, 'Sign in')
    await signIn(page, user)
    await page.getByLabel('Authentication code').waitFor({ timeout: UI_TIMEOUT_MS })
    const found: Record<string, string[]> = { 'sign-in: second step': await blockingViolations(page) }
    await page.getByLabel('Authentication code').fill(recoveryCodes[0]!)
    await page.getByRole('button', { name: 'Verify and sign in' }).click()
    await viewShows(page, 'Profile')
    await navigate(page, 'Two-factor authentication')
    await viewShows(page, 'Two-factor authentication')
    found['two-factor: on'] = await blockingViolations(page)
    const regenerate = page.locator('section.card').filter({ has: page.getByRole('heading', { level: 2, name: 'Recovery codes' }) })
    await regenerate.getByLabel('Current password').fill(user.password)
    await regenerate.getByLabel('Authentication code').fill(recoveryCodes[1]!)
    await regenerate.getByRole('button', { name: 'Get new recovery codes' }).click()
    await page.getByRole('list', { name: 'Recovery codes' }).waitFor({ timeout: UI_TIMEOUT_MS })
    found['two-factor: recovery codes'] = await blockingViolations(page)
    assert.deepEqual(Object.entries(found).filter(([, violations]) => violations.length > 0), [])
    await device.close()
  })
})
