import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import qrcode from 'qrcode-generator'
import { totpStep } from '../../src/crypto/totp.js'
import type { TestServer } from '../support/test-app.js'
import { codeOfStep } from '../support/two-factor.js'
import { assertCleanConsole, launchChromium, navigate, newDevice, noticeSays, openConsole, openTab, pathOf, signIn, startRealClockServer, UI_TIMEOUT_MS, viewShows } from './browser.js'

// Two-factor authentication in the console (contract §10), as a user with an authenticator app
// does it: the app's codes are computed from the key the page shows, on the real clock.

/** The dark modules of the QR code of `text`, as the path the console draws (4-module quiet zone). */
function expectedQrPath(text: string): string {
  const code = qrcode(0, 'M')
  code.addData(text)
  code.make()
  let path = ''
  for (let row = 0; row < code.getModuleCount(); row++) {
    for (let col = 0; col < code.getModuleCount(); col++) if (code.isDark(row, col)) path += `M${col + 4} ${row + 4}h1v1h-1z`
  }
  return path
}

/** The code the app shows `stepsAhead` steps from now (the server accepts the current step ± 1, each step once). */
function appCode(secret: string, stepsAhead = 0): string {
  return codeOfStep(secret, totpStep(Date.now()) + stepsAhead)
}

/** The card of the two-factor view titled `title`. */
function section(page: Page, title: string) {
  return page.locator('section.card').filter({ has: page.getByRole('heading', { level: 2, name: title }) })
}

describe('console: two-factor authentication', { timeout: 180_000 }, () => {
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

  it('turns it on with a scanned key and a code, shows 10 recovery codes once; then sign-in asks for the code', async () => {
    const user = await server.register({ firstName: 'Hedy', lastName: 'Lamarr' })
    const device = await newDevice(browser)
    const watched = await openTab(device)
    const { page } = watched
    await openConsole(page, server)
    await signIn(page, user)
    await viewShows(page, 'Profile')
    await navigate(page, 'Two-factor authentication')
    await viewShows(page, 'Two-factor authentication')
    assert.match((await section(page, 'Authenticator app').textContent()) ?? '', /Off/)

    // Step 1: the password; the answer's secret is what the page must show.
    const enrollment = page.waitForResponse((response) => pathOf(response.request()) === '/api/accounts/me/mfa/totp', { timeout: UI_TIMEOUT_MS })
    const turnOn = section(page, 'Turn on')
    await turnOn.getByLabel('Current password').fill('not my password')
    await turnOn.getByRole('button', { name: 'Set up two-factor authentication' }).click()
    await turnOn.getByText('Your current password is incorrect.').first().waitFor({ timeout: UI_TIMEOUT_MS })
    assert.equal((await enrollment).status(), 403)
    const accepted = page.waitForResponse((response) => pathOf(response.request()) === '/api/accounts/me/mfa/totp' && response.status() === 200, { timeout: UI_TIMEOUT_MS })
    await turnOn.getByLabel('Current password').fill(user.password)
    await turnOn.getByRole('button', { name: 'Set up two-factor authentication' }).click()
    const { secret, otpauthUri } = (await (await accepted).json()) as { secret: string; otpauthUri: string }
    await page.getByRole('heading', { name: 'Scan this code with your authenticator app' }).waitFor({ timeout: UI_TIMEOUT_MS })

    // Step 2: what the app reads, by camera or by hand.
    const shownKey = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s/g, '')
    assert.equal(shownKey, secret, 'the setup key on the page is the secret')
    const qr = page.getByRole('img', { name: /QR code/ })
    assert.equal(await qr.locator('path').getAttribute('d'), expectedQrPath(otpauthUri), 'the QR code encodes the otpauth URI')
    assert.match(otpauthUri, new RegExp(`^otpauth://totp/[^?]*${user.userName}\\?`))

    await turnOn.getByLabel('6-digit code from the app').fill('000000' === appCode(shownKey) ? '111111' : '000000')
    await turnOn.getByRole('button', { name: 'Turn on', exact: true }).click()
    await turnOn.getByText(/That code is not right/).first().waitFor({ timeout: UI_TIMEOUT_MS })
    await turnOn.getByLabel('6-digit code from the app').fill(appCode(shownKey))
    await turnOn.getByRole('button', { name: 'Turn on', exact: true }).click()

    // The recovery codes, shown once.
    await page.getByRole('heading', { name: 'Two-factor authentication is on' }).waitFor({ timeout: UI_TIMEOUT_MS })
    assert.match(await page.evaluate<string>('document.activeElement.textContent'), /Two-factor authentication is on/, 'focus moves to what appeared')
    const recoveryCodes = (await page.getByRole('list', { name: 'Recovery codes' }).locator('li').allTextContents()).map((code) => code.trim())
    assert.equal(recoveryCodes.length, 10)
    assert.equal(new Set(recoveryCodes).size, 10)
    await page.getByRole('button', { name: 'I have saved my codes' }).click()
    await noticeSays(page, /Two-factor authentication is on/)
    assert.match((await section(page, 'Authenticator app').textContent()) ?? '', /On/)
    assert.equal(await page.getByRole('list', { name: 'Recovery codes' }).count(), 0, 'the codes are not shown again')

    // Signing in now takes the password and then the app's code.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click()
    await viewShows(page, 'Sign in')
    await signIn(page, user)
    const code = page.getByLabel('Authentication code')
    await code.waitFor({ timeout: UI_TIMEOUT_MS })
    assert.equal(await page.evaluate<string>('document.activeElement.getAttribute("autocomplete")'), 'one-time-code', 'focus on the code field')
    await code.fill('12345x')
    await page.getByRole('button', { name: 'Verify and sign in' }).click()
    await page.getByText(/That code is not right/).first().waitFor({ timeout: UI_TIMEOUT_MS })
    // The confirmation used this step's code: the app's next one (within the ±1 window) is new.
    await code.fill(appCode(shownKey, 1))
    await page.getByRole('button', { name: 'Verify and sign in' }).click()
    await viewShows(page, 'Profile')
    assert.match((await page.locator('.details').textContent()) ?? '', /Two-factor authentication\s*On/)

    // New recovery codes, then off: each with the password and a recovery code (a lost phone).
    await navigate(page, 'Two-factor authentication')
    await viewShows(page, 'Two-factor authentication')
    const regenerate = section(page, 'Recovery codes')
    await regenerate.getByLabel('Current password').fill(user.password)
    await regenerate.getByLabel('Authentication code').fill(recoveryCodes[0]!)
    await regenerate.getByRole('button', { name: 'Get new recovery codes' }).click()
    await page.getByRole('heading', { name: 'Your new recovery codes' }).waitFor({ timeout: UI_TIMEOUT_MS })
    const newCodes = (await page.getByRole('list', { name: 'Recovery codes' }).locator('li').allTextContents()).map((text) => text.trim())
    assert.equal(newCodes.length, 10)
    assert.equal(newCodes.filter((text) => recoveryCodes.includes(text)).length, 0)
    await page.getByRole('button', { name: 'I have saved my codes' }).click()
    await noticeSays(page, /new recovery codes are ready/)

    const off = section(page, 'Turn off')
    await off.getByLabel('Current password').fill(user.password)
    await off.getByLabel('Authentication code').fill(recoveryCodes[1]!)
    await off.getByRole('button', { name: 'Turn off two-factor authentication' }).click()
    await off.getByText(/That code is not right/).first().waitFor({ timeout: UI_TIMEOUT_MS })
    await off.getByLabel('Authentication code').fill(newCodes[0]!)
    await off.getByRole('button', { name: 'Turn off two-factor authentication' }).click()
    await noticeSays(page, /Two-factor authentication is off/)

    await page.getByRole('button', { name: 'Sign out', exact: true }).click()
    await viewShows(page, 'Sign in')
    await signIn(page, user)
    await viewShows(page, 'Profile')
    assertCleanConsole(watched)
    await device.close()
  })
})
