import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Locator, Page } from 'playwright-core'
import type { TestServer } from '../support/test-app.js'
import { assertCleanConsole, launchChromium, newDevice, openTab, pathOf, person, startRealClockServer, UI_TIMEOUT_MS } from './browser.js'

// The walk-through of the article the sample comes from, done the way its reader would: in
// Swagger UI, register with "Try it out", log in, paste the access token into "Authorize", and
// call the protected route.

/** The block of one operation in Swagger UI, e.g. `POST /api/accounts`. */
function operation(page: Page, method: string, path: string): Locator {
  return page.locator(`.opblock-${method.toLowerCase()}`).filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) })
}

/** Opens an operation, presses "Try it out", types the JSON body (if any), executes it; returns the status shown and the body shown. */
async function tryItOut(page: Page, method: string, path: string, body?: unknown): Promise<{ status: string; body: string }> {
  const block = operation(page, method, path)
  await block.locator('.opblock-summary').first().click()
  await block.getByRole('button', { name: 'Try it out' }).click()
  if (body !== undefined) await block.locator('textarea.body-param__text').fill(JSON.stringify(body, null, 2))
  await block.getByRole('button', { name: 'Execute' }).click()
  const live = block.locator('.live-responses-table tbody .response')
  await live.first().waitFor({ timeout: UI_TIMEOUT_MS })
  const status = ((await live.first().locator('.response-col_status').textContent()) ?? '').trim()
  const shown = (await live.first().locator('.response-col_description pre').first().textContent()) ?? ''
  return { status, body: shown }
}

describe('the Swagger UI walk-through', { timeout: 180_000 }, () => {
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

  it('registers with "Try it out", logs in, authorizes with the bare access token, and GET /api/protected shows 200', async () => {
    const device = await newDevice(browser)
    const watched = await openTab(device)
    const { page } = watched
    await page.goto(`${server.url}/swagger`)
    await operation(page, 'POST', '/api/accounts').waitFor({ timeout: UI_TIMEOUT_MS })
    const who = person('Grace', 'Hopper')

    const registered = await tryItOut(page, 'POST', '/api/accounts', who)
    assert.equal(registered.status, '201', registered.body)
    assert.equal(JSON.parse(registered.body).success, true)

    const loggedIn = await tryItOut(page, 'POST', '/api/auth/login', { userName: who.userName, password: who.password })
    assert.equal(loggedIn.status, '200', loggedIn.body)
    // What the reader copies out of the response shown on the page.
    const token = (JSON.parse(loggedIn.body) as { accessToken: { token: string } }).accessToken.token
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/)

    // Without authorizing first: 401, so the 200 below is the token's doing.
    const refused = await tryItOut(page, 'GET', '/api/protected')
    assert.equal(refused.status, '401')

    await page.getByRole('button', { name: 'Authorize' }).first().click()
    const dialog = page.locator('.modal-ux')
    await dialog.getByRole('textbox').fill(token)
    // Swagger UI names its "Authorize" button "Apply credentials" for screen readers.
    await dialog.getByRole('button', { name: 'Apply credentials' }).click()
    await dialog.getByRole('button', { name: 'Close', exact: true }).click()

    const block = operation(page, 'GET', '/api/protected')
    const sent = page.waitForRequest((request) => pathOf(request) === '/api/protected' && request.headers().authorization !== undefined)
    await block.getByRole('button', { name: 'Execute' }).click()
    assert.equal((await sent).headers().authorization, `Bearer ${token}`, 'the bare token, with the Bearer scheme added by Swagger UI')
    const live = block.locator('.live-responses-table tbody .response').first()
    await live.locator('.response-col_status', { hasText: /^\s*200\s*$/ }).waitFor({ timeout: UI_TIMEOUT_MS })
    assert.deepEqual(JSON.parse((await live.locator('.response-col_description pre').first().textContent()) ?? ''), { result: true })
    assertCleanConsole(watched)
    await device.close()
  })
})
