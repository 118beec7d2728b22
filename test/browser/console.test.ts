import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page, Response } from 'playwright-core'
import type { TestServer } from '../support/test-app.js'
import {
  assertCleanConsole,
  launchChromium,
  navigate,
  newDevice,
  noticeSays,
  openConsole,
  openTab,
  pathOf,
  person,
  refreshes,
  refreshesBefore,
  signIn,
  signUp,
  startRealClockServer,
  UI_TIMEOUT_MS,
  viewShows,
} from './browser.js'

// The account console (issue 10 part 2) in a real browser over a real server on the real clock.

const STORAGE_KEY = 'latchkey-console'
const FIREFOX_ON_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0'
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

/** The next answer of the sessions list with a 200: the protected view's data. */
function sessionsArrive(page: Page): Promise<Response> {
  return page.waitForResponse((response) => pathOf(response.request()) === '/api/sessions' && response.status() === 200, { timeout: UI_TIMEOUT_MS })
}

/** Everything this origin keeps in the browser: localStorage, sessionStorage, cookies. */
async function browserStorage(page: Page): Promise<{ local: Record<string, string>; session: number; cookies: number }> {
  return {
    local: await page.evaluate<Record<string, string>>('Object.fromEntries(Object.entries(localStorage))'),
    session: await page.evaluate<number>('sessionStorage.length'),
    cookies: (await page.context().cookies()).length,
  }
}

/** The element that has the keyboard focus, described. */
function focused(page: Page): Promise<string> {
  return page.evaluate<string>(`(() => {
    const element = document.activeElement
    if (element === null) return ''
    return element.tagName.toLowerCase() + (element.getAttribute('name') ? '[name=' + element.getAttribute('name') + ']' : '') + ' ' + (element.textContent ?? '').trim().slice(0, 40)
  })()`)
}

/** Presses Tab until `predicate(focused)` holds; fails after `limit` presses. Returns how many it took. */
async function tabUntil(page: Page, predicate: (description: string) => boolean, limit = 15): Promise<number> {
  for (let presses = 1; presses <= limit; presses++) {
    await page.keyboard.press('Tab')
    if (predicate(await focused(page))) return presses
  }
  assert.fail(`focus never reached the element: last at ${await focused(page)}`)
}

describe('console: sign-up, sign-in, the session, and a reload once the access token expired (ACCESS_TOKEN_TTL=2)', { timeout: 180_000 }, () => {
  let server: TestServer
  let browser: Browser
  before(async () => {
    server = await startRealClockServer({ ACCESS_TOKEN_TTL: '2' })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('signs up, signs in, shows this device; after 3 s the reopened console and a reload each refresh exactly once', async (t) => {
    const device = await newDevice(browser)
    const first = await openTab(device)
    await openConsole(first.page, server)
    await viewShows(first.page, 'Sign in')
    await first.page.getByRole('link', { name: 'Create an account' }).click()
    await viewShows(first.page, 'Create your account')
    const who = person()
    await signUp(first.page, who)
    await viewShows(first.page, 'Profile')
    assert.equal(await first.page.locator('#user-name').textContent(), 'Ada Lovelace', 'the header names the user')

    await first.page.getByRole('button', { name: 'Sign out' }).click()
    await viewShows(first.page, 'Sign in')
    await noticeSays(first.page, /You have signed out/)
    assert.deepEqual((await browserStorage(first.page)).local, {}, 'signing out leaves nothing behind')

    await signIn(first.page, who)
    await viewShows(first.page, 'Profile')
    await navigate(first.page, 'Sessions')
    await viewShows(first.page, 'Sessions')
    const item = first.page.locator('.session')
    assert.equal(await item.count(), 1)
    assert.match((await item.textContent()) ?? '', /Headless Chrome on Linux.*This device.*IP 127\.0\.0\.1.*Last active/s)

    // Only the refresh token is kept, in localStorage; the access token lives in the page's memory.
    const kept = await browserStorage(first.page)
    assert.deepEqual(Object.keys(kept.local), [STORAGE_KEY])
    assert.deepEqual(Object.keys(JSON.parse(kept.local[STORAGE_KEY]!) as object), ['refreshToken'])
    assert.doesNotMatch(kept.local[STORAGE_KEY]!, /eyJ/, 'no JWT in storage')
    assert.deepEqual([kept.session, kept.cookies], [0, 0])
    assertCleanConsole(first)
    await first.page.close()

    // The tab is closed (its timer stopped) while the access token expires.
    await sleep(3_000)
    const second = await openTab(device)
    const arrived = sessionsArrive(second.page)
    await openConsole(second.page, server, 'sessions')
    await arrived
    const reopened = refreshesBefore(second.requests, '/api/sessions').length
    t.diagnostic(`refresh requests of the console reopened after 3 s: ${reopened}`)
    assert.equal(reopened, 1, 'one refresh before the protected view asked for its data')
    await viewShows(second.page, 'Sessions')
    assert.match((await second.page.locator('.session').textContent()) ?? '', /This device/, 'still signed in')
    assert.equal(second.requests.filter((request) => pathOf(request) === '/api/auth/login').length, 0)

    // A reload: the access token in memory is gone, the refresh token in localStorage is not.
    await sleep(3_000)
    const before = second.requests.length
    const again = sessionsArrive(second.page)
    await second.page.reload()
    await again
    const reloaded = refreshesBefore(second.requests.slice(before), '/api/sessions').length
    t.diagnostic(`refresh requests of the reload: ${reloaded}`)
    assert.equal(reloaded, 1, 'one refresh after the reload')
    await viewShows(second.page, 'Sessions')
    assert.equal(await second.page.locator('.session').count(), 1)
    assertCleanConsole(second)
    await device.close()
  })
})

describe('console: keyboard, other devices, serving', { timeout: 180_000 }, () => {
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

  it('signs in, moves between views and signs out with the keyboard alone; focus goes to each new view', async () => {
    const user = await server.register()
    const device = await newDevice(browser)
    const watched = await openTab(device)
    const { page } = watched
    await openConsole(page, server)
    await viewShows(page, 'Sign in')

    const presses = await tabUntil(page, (description) => description.startsWith('input[name=userName]'))
    assert.ok(presses <= 3, `the sign-in field is near the start of the page (${presses} Tab presses)`)
    await page.keyboard.type(user.userName)
    await page.keyboard.press('Tab')
    assert.match(await focused(page), /^input\[name=password\]/)
    await page.keyboard.type('a wrong password')
    await page.keyboard.press('Enter')
    await noticeSays(page, /user name or password is incorrect/)
    assert.match(await focused(page), /^input\[name=password\]/, 'focus goes to the field to correct')
    assert.equal(await page.locator('input[name=password]').getAttribute('aria-invalid'), 'true')

    await page.keyboard.press('ControlOrMeta+A')
    await page.keyboard.type(user.password)
    await page.keyboard.press('Enter')
    await viewShows(page, 'Profile')
    assert.match(await focused(page), /^h1 Profile/, 'focus moves to the new view\'s heading')

    await tabUntil(page, (description) => description === 'a Sessions')
    await page.keyboard.press('Enter')
    await viewShows(page, 'Sessions')
    assert.match(await focused(page), /^h1 Sessions/)
    assert.equal(await page.getByRole('link', { name: 'Sessions', exact: true }).getAttribute('aria-current'), 'page')

    await page.getByRole('button', { name: 'Sign out', exact: true }).focus()
    await page.keyboard.press('Enter')
    await viewShows(page, 'Sign in')
    assert.match(await focused(page), /^h1 Sign in/)
    assertCleanConsole(watched)
    await device.close()
  })

  it('ends the other device\'s session from the sessions view; that browser is signed out on its next call', async () => {
    const user = await server.register({ firstName: 'Alan', lastName: 'Turing' })
    const laptop = await newDevice(browser)
    const other = await newDevice(browser, { userAgent: FIREFOX_ON_WINDOWS })
    const a = await openTab(laptop)
    const b = await openTab(other)
    for (const { page } of [b, a]) {
      await openConsole(page, server)
      await viewShows(page, 'Sign in')
      await signIn(page, user)
      await viewShows(page, 'Profile')
    }

    await navigate(a.page, 'Sessions')
    await viewShows(a.page, 'Sessions')
    assert.equal(await a.page.locator('.session').count(), 2)
    assert.equal(await a.page.locator('.session.current').textContent().then((text) => /Headless Chrome on Linux/.test(text ?? '')), true)
    const end = a.page.getByRole('button', { name: 'End session on Firefox on Windows at 127.0.0.1' })
    await end.click()
    await noticeSays(a.page, /Ended the session on Firefox on Windows/)
    assert.equal(await a.page.locator('.session').count(), 1)
    assert.match(await focused(a.page), /^div/, 'focus on the notice that says what happened')

    // Device B still shows its profile; its next call finds the session ended.
    const refused = b.page.waitForResponse((response) => pathOf(response.request()).startsWith('/api/') && response.status() === 401)
    await navigate(b.page, 'Sessions')
    assert.equal((await refused).headers()['token-expired'], undefined, 'ended, not expired')
    await viewShows(b.page, 'Sign in')
    await noticeSays(b.page, /Your session has ended/)
    assert.deepEqual((await browserStorage(b.page)).local, {}, 'the ended session\'s refresh token is gone')
    assert.equal(refreshes(b.requests).length, 0, 'an ended session is not refreshed')

    // Device A is unaffected.
    await navigate(a.page, 'Security activity')
    await viewShows(a.page, 'Security activity')
    assert.match((await a.page.locator('table.activity tbody').textContent()) ?? '', /Session ended/)
    assertCleanConsole(a)
    assertCleanConsole(b)
    await laptop.close()
    await other.close()
  })

  it('serves /account and /account/ (any case) with the strict policy, only its own files, no inline script or style', async () => {
    const response = await server.request('GET', '/account')
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.equal(response.headers.get('content-security-policy'), CSP)
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer')
    assert.equal(response.headers.get('x-frame-options'), 'DENY')
    assert.equal(response.headers.get('cache-control'), 'no-store')
    const scripts = [...response.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)]
    assert.equal(scripts.length, 1)
    assert.match(scripts[0]![1] ?? '', /\ssrc="account\/assets\/console\.js"/)
    assert.equal(scripts[0]![2]?.trim(), '')
    assert.doesNotMatch(response.text, /<style\b|\sstyle="|\son[a-z]+="/i)
    assert.equal((await server.request('GET', '/ACCOUNT')).status, 200)

    const bundle = await server.request('GET', '/account/assets/console.js')
    assert.equal(bundle.status, 200)
    assert.equal(bundle.headers.get('content-type'), 'text/javascript; charset=utf-8')
    assert.doesNotMatch(bundle.text, /\binnerHTML\b|\beval\(|new Function\(/, 'the bundle builds no markup from strings and evaluates no code')

    const device = await newDevice(browser)
    const watched = await openTab(device)
    await watched.page.goto(`${server.url}/account/#/sign-up`)
    await viewShows(watched.page, 'Create your account')
    assert.equal(watched.page.url(), `${server.url}/account#/sign-up`, 'the trailing slash is redirected away, the view kept')
    assert.ok(watched.requests.every((request) => new URL(request.url()).host === new URL(server.url).host), 'nothing from another origin')
    assertCleanConsole(watched)
    await device.close()
  })
})

describe('console switched off', { timeout: 180_000 }, () => {
  let server: TestServer
  before(async () => {
    server = await startRealClockServer({ ACCOUNT_CONSOLE: 'false' })
  })
  after(() => server?.close())

  it('answers 404 for every /account path under ACCOUNT_CONSOLE=false', async () => {
    for (const path of ['/account', '/account/', '/Account', '/account/assets/console.js', '/account/assets/console.js.map', '/account/assets/account.css', '/account/verify-email']) {
      const response = await server.request('GET', path)
      assert.equal(response.status, 404, path)
      assert.equal(response.body.code, 'not_found', path)
    }
  })
})
