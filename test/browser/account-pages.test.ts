import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { DIALECTS } from '../support/dialects.js'
import { linkIn, type SmtpSink, startSmtpSink, tokenIn } from '../support/smtp-sink.js'
import { startTestServer, type TestServer } from '../support/test-app.js'

// The pages the links of mails lead to (contract §9), in a real browser (Debian's Chromium),
// over the real API and a real SMTP conversation. The API itself is tested on every database
// elsewhere; the pages need one.
const [sqlite] = DIALECTS

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
const PAGES = ['/account/verify-email', '/account/reset-password']
const MAIL_TIMEOUT_MS = 30_000
const UI_TIMEOUT_MS = 15_000

const INVALID_LINK = /invalid, expired or already used/
const INCOMPLETE_LINK = /incomplete/

function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

/** A browser tab that may reach the test server only, recording what the page complains about. */
interface WatchedPage {
  page: Page
  consoleErrors: string[]
  pageErrors: string[]
}

async function openPage(context: BrowserContext): Promise<WatchedPage> {
  const page = await context.newPage()
  const watched: WatchedPage = { page, consoleErrors: [], pageErrors: [] }
  page.on('console', (message) => {
    if (message.type() === 'error') watched.consoleErrors.push(message.text())
  })
  page.on('pageerror', (error) => watched.pageErrors.push(error.message))
  return watched
}

/** The browser never leaves the loopback test server. */
async function confineToLoopback(context: BrowserContext): Promise<void> {
  await context.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()))
}

/** The same path and fragment on the test server (the mail's PUBLIC_URL default names another port). */
function onServer(server: TestServer, link: string, expectedPath: string): string {
  const url = new URL(link)
  assert.equal(url.pathname, expectedPath)
  assert.match(url.hash, /^#token=[A-Za-z0-9_-]{43}$/)
  return `${server.url}${url.pathname}${url.hash}`
}

/** Waits until the page's live region says something matching `pattern`; returns its text. */
async function statusSays(page: Page, pattern: RegExp): Promise<string> {
  const region = page.getByRole('status')
  await region.filter({ hasText: pattern }).waitFor({ timeout: UI_TIMEOUT_MS })
  return (await region.textContent()) ?? ''
}

/** No Content-Security-Policy violation and no script error on the page. */
function assertCleanConsole(watched: WatchedPage): void {
  const violations = watched.consoleErrors.filter((text) => /content security policy|refused to/i.test(text))
  assert.deepEqual(violations, [], 'CSP violations in the console')
  assert.deepEqual(watched.pageErrors, [], 'script errors on the page')
}

describe('account pages in a browser', { timeout: 120_000 }, () => {
  let sink: SmtpSink
  let server: TestServer
  let browser: Browser
  let context: BrowserContext
  before(async () => {
    assert.ok(sqlite !== undefined)
    sink = await startSmtpSink()
    server = await startTestServer({ dialect: sqlite, env: { SMTP_URL: sink.url } })
    browser = await launchChromium()
    context = await browser.newContext()
    await confineToLoopback(context)
  })
  after(async () => {
    await browser?.close()
    await server?.close()
    await sink?.close()
  })

  it('verifies the address from the mailed link, clears the token from the address bar, and refuses the used link', async () => {
    const user = await server.register()
    const sent = await server.request('POST', '/api/accounts/verify-email/send', { body: { email: user.email } })
    assert.equal(sent.status, 202)
    const link = onServer(server, linkIn(await sink.nextMail(user.email, { timeoutMs: MAIL_TIMEOUT_MS })), '/account/verify-email')

    const watched = await openPage(context)
    const { page } = watched
    // First without its fragment, as a link cut short would arrive; then the whole link pasted
    // over it, which changes only the fragment and reloads nothing.
    await page.goto(`${server.url}/account/verify-email`)
    await statusSays(page, INCOMPLETE_LINK)
    await page.goto(link)
    await statusSays(page, /email address is verified/)
    assert.equal(page.url(), `${server.url}/account/verify-email`, 'the token left the address bar')
    assert.equal(await page.evaluate<string>('location.hash'), '')

    const login = await server.login(user.userName, user.password)
    const me = await server.request('GET', '/api/accounts/me', { token: login.accessToken.token })
    assert.equal(me.status, 200)
    assert.equal(me.body.emailVerified, true)

    const again = await openPage(context)
    await again.page.goto(link)
    await statusSays(again.page, INVALID_LINK)
    assertCleanConsole(watched)
    assertCleanConsole(again)
    await page.close()
    await again.page.close()
  })

  it('resets the password from the mailed link: the server\'s refusal, a mismatch kept client-side, then success', async () => {
    const user = await server.register()
    const sent = await server.request('POST', '/api/auth/password-reset/send', { body: { email: user.email } })
    assert.equal(sent.status, 202)
    const link = onServer(server, linkIn(await sink.nextMail(user.email, { timeoutMs: MAIL_TIMEOUT_MS })), '/account/reset-password')
    // What the server says of a too-short password (a refusal does not use the link up).
    const refusal = await server.request('POST', '/api/auth/password-reset', { body: { token: tokenIn(link), newPassword: 'short' } })
    assert.equal(refusal.status, 400)
    assert.equal(refusal.body.code, 'validation_failed')
    const serverSays = refusal.body.errors.newPassword as string[]
    assert.ok(serverSays.length > 0)

    const watched = await openPage(context)
    const { page } = watched
    const resetCalls: string[] = []
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/auth/password-reset') resetCalls.push(request.postData() ?? '')
    })
    await page.goto(link)
    assert.equal(page.url(), `${server.url}/account/reset-password`, 'the token left the address bar')
    const newPassword = page.getByLabel('New password', { exact: true })
    const confirmation = page.getByLabel('Confirm new password', { exact: true })
    const submit = page.getByRole('button', { name: 'Set new password' })

    // A password the registration rules refuse: the server's own words, and the form stays.
    await newPassword.fill('short')
    await confirmation.fill('short')
    await submit.click()
    await statusSays(page, /choose another/i)
    assert.deepEqual(await page.getByRole('status').locator('li').allTextContents(), serverSays)
    assert.equal(await newPassword.getAttribute('aria-invalid'), 'true')
    assert.equal(resetCalls.length, 1)

    // Two different entries never reach the server.
    await newPassword.fill('a new and much longer passphrase')
    await confirmation.fill('a new and much longer passphrase!')
    await submit.click()
    await statusSays(page, /do not match/)
    assert.equal(resetCalls.length, 1, 'a mismatch is caught before the API')

    // By keyboard alone: the refused password did not use the link up.
    await confirmation.focus()
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('ControlOrMeta+A')
    await page.keyboard.type('a new and much longer passphrase')
    await page.keyboard.press('Tab')
    await page.keyboard.press('ControlOrMeta+A')
    await page.keyboard.type('a new and much longer passphrase')
    await page.keyboard.press('Enter')
    await statusSays(page, /password has been changed/)
    assert.match(await page.getByRole('status').textContent() ?? '', /sign in/i, 'a hint to sign in, no automatic login')
    assert.equal(await newPassword.isVisible(), false, 'the form is gone')
    assert.equal(resetCalls.length, 2)

    await server.login(user.userName, 'a new and much longer passphrase')
    const old = await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: user.password } })
    assert.equal(old.status, 401)
    assertCleanConsole(watched)
    await page.close()
  })

  it('hides the form and says so when the reset link is dead or incomplete', async () => {
    const watched = await openPage(context)
    const { page } = watched
    await page.goto(`${server.url}/account/reset-password`)
    await statusSays(page, INCOMPLETE_LINK)
    assert.equal(await page.getByLabel('New password', { exact: true }).isVisible(), false)

    await page.goto(`${server.url}/account/reset-password#token=${'A'.repeat(43)}`)
    await page.getByLabel('New password', { exact: true }).fill('a new and much longer passphrase')
    await page.getByLabel('Confirm new password', { exact: true }).fill('a new and much longer passphrase')
    await page.getByRole('button', { name: 'Set new password' }).click()
    await statusSays(page, INVALID_LINK)
    assert.equal(await page.getByLabel('New password', { exact: true }).isVisible(), false)
    assertCleanConsole(watched)
    await page.close()
  })

  it('keeps the token across the redirect of a trailing-slash address', async () => {
    const watched = await openPage(context)
    const { page } = watched
    const calls: string[] = []
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/accounts/verify-email') calls.push(request.postData() ?? '')
    })
    const token = 'B'.repeat(43)
    await page.goto(`${server.url}/account/verify-email/#token=${token}`)
    await statusSays(page, INVALID_LINK)
    assert.equal(page.url(), `${server.url}/account/verify-email`)
    assert.deepEqual(calls, [JSON.stringify({ token })])
    assertCleanConsole(watched)
    await page.close()
  })

  it('serves each page with a strict policy, no inline script, its own assets, and no console violation', async () => {
    for (const path of PAGES) {
      const response = await server.request('GET', path)
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8')
      assert.equal(response.headers.get('content-security-policy'), CSP)
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer')
      assert.equal(response.headers.get('x-frame-options'), 'DENY')
      assert.equal(response.headers.get('cache-control'), 'no-store')
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff')
      const scripts = [...response.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)]
      assert.ok(scripts.length > 0)
      for (const [, attributes, body] of scripts) {
        assert.match(attributes ?? '', /\ssrc="[^"]+"/, 'every script comes from a file')
        assert.equal(body?.trim(), '', 'no inline script')
      }
      assert.doesNotMatch(response.text, /<style\b|\sstyle="|\son[a-z]+="/i, 'no inline style or handler')

      const watched = await openPage(context)
      await watched.page.goto(server.url + path)
      await statusSays(watched.page, INCOMPLETE_LINK)
      // The stylesheet applied under the policy (the card's width comes from it).
      assert.equal(await watched.page.evaluate<string>("getComputedStyle(document.querySelector('main')).maxWidth"), '416px')
      assertCleanConsole(watched)
      await watched.page.close()
    }
    const assets = { 'account.css': 'text/css; charset=utf-8', 'account.js': 'text/javascript; charset=utf-8', 'verify-email.js': 'text/javascript; charset=utf-8', 'reset-password.js': 'text/javascript; charset=utf-8' }
    for (const [file, type] of Object.entries(assets)) {
      const response = await server.request('GET', `/account/assets/${file}`)
      assert.equal(response.status, 200, file)
      assert.equal(response.headers.get('content-type'), type)
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff')
    }
    const unknown = await server.request('GET', '/account/assets/nothing.js')
    assert.equal(unknown.status, 404)
    assert.equal(unknown.body.code, 'not_found')
  })

  it('passes an accessibility smoke check: one h1, main, language, labelled inputs, a polite live region', async () => {
    for (const path of PAGES) {
      const { page } = await openPage(context)
      await page.goto(`${server.url}${path}#token=${'C'.repeat(43)}`)
      const facts = {
        lang: await page.locator('html').getAttribute('lang'),
        h1: await page.locator('h1').count(),
        main: await page.locator('main').count(),
        viewport: await page.locator('meta[name="viewport"]').count(),
        unlabelled: await page.evaluate<string[]>("[...document.querySelectorAll('input')].filter((input) => input.labels.length === 0).map((input) => input.id)"),
        live: await page.getByRole('status').getAttribute('aria-live'),
      }
      assert.deepEqual(facts, { lang: 'en', h1: 1, main: 1, viewport: 1, unlabelled: [], live: 'polite' }, path)
      await page.close()
    }
    const { page } = await openPage(context)
    await page.goto(`${server.url}/account/reset-password#token=${'C'.repeat(43)}`)
    for (const label of ['New password', 'Confirm new password']) {
      const input = page.getByLabel(label, { exact: true })
      assert.equal(await input.count(), 1, label)
      assert.equal(await input.getAttribute('autocomplete'), 'new-password')
      assert.equal(await input.getAttribute('type'), 'password')
    }
    // The first Tab reaches the first field: the form works from the keyboard.
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate<string>('document.activeElement.id'), 'new-password')
    await page.close()
  })
})

describe('account pages switched off', { timeout: 120_000 }, () => {
  let server: TestServer
  before(async () => {
    assert.ok(sqlite !== undefined)
    server = await startTestServer({ dialect: sqlite, env: { ACCOUNT_CONSOLE: 'false' } })
  })
  after(() => server?.close())

  it('answers 404 for the pages and their assets under ACCOUNT_CONSOLE=false', async () => {
    for (const path of [...PAGES, '/account/assets/account.css']) {
      const response = await server.request('GET', path)
      assert.equal(response.status, 404, path)
      assert.equal(response.body.code, 'not_found')
    }
  })
})
