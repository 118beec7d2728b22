// Writes the screenshots of the account console shown in the README to docs/screenshots/:
// `npm run docs:screenshots` (it builds first). A throwaway server and user; Debian's Chromium.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { launchChromium, navigate, newDevice, openConsole, signIn, startRealClockServer, viewShows } from './browser.js'

const OUT = join(import.meta.dirname, '..', '..', 'docs', 'screenshots')
const OTHER_DEVICES = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
]
const CHROME_ON_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

async function shoot(page: Page, name: string): Promise<void> {
  // The caret blinks and a focused heading draws a ring: neither belongs in a picture.
  await page.evaluate('document.activeElement?.blur()')
  await page.screenshot({ path: join(OUT, `${name}.png`), animations: 'disabled', caret: 'hide' })
  console.log(`wrote docs/screenshots/${name}.png`)
}

mkdirSync(OUT, { recursive: true })
const server = await startRealClockServer()
const browser = await launchChromium()
try {
  const user = await server.register({ firstName: 'Ada', lastName: 'Lovelace', userName: 'ada', email: 'ada@example.com' })
  for (const userAgent of OTHER_DEVICES) {
    await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: user.password }, headers: { 'user-agent': userAgent } })
  }
  await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: 'not the password' }, headers: { 'user-agent': OTHER_DEVICES[0]! } })

  const device = await newDevice(browser, { viewport: { width: 1200, height: 760 }, userAgent: CHROME_ON_MAC })
  const page = await device.newPage()
  await openConsole(page, server, 'sign-in')
  await viewShows(page, 'Sign in')
  await page.getByLabel('User name or email').fill(user.userName)
  await shoot(page, 'sign-in')

  await page.getByLabel('Password', { exact: true }).fill(user.password)
  await signIn(page, user)
  await viewShows(page, 'Profile')
  await shoot(page, 'profile')
  await navigate(page, 'Sessions')
  await viewShows(page, 'Sessions')
  await shoot(page, 'sessions')
  await navigate(page, 'Security activity')
  await viewShows(page, 'Security activity')
  await shoot(page, 'activity')
  await navigate(page, 'Two-factor authentication')
  await viewShows(page, 'Two-factor authentication')
  await page.getByLabel('Current password').fill(user.password)
  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click()
  await page.getByRole('heading', { name: 'Scan this code with your authenticator app' }).waitFor()
  await shoot(page, 'two-factor')

  await page.goto(`${server.url}/account/reset-password#token=${'A'.repeat(43)}`)
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor()
  await shoot(page, 'reset-password')
  await device.close()
} finally {
  await browser.close()
  await server.close()
}
