import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import type { TestServer } from '../support/test-app.js'
import { assertCleanConsole, launchChromium, navigate, newDevice, openConsole, openTab, pathOf, refreshes, signIn, startRealClockServer, UI_TIMEOUT_MS, viewShows } from './browser.js'

// Two tabs of one browser (two pages of one context: one localStorage, one Web Locks manager,
// one BroadcastChannel), REFRESH_REUSE_GRACE=0: a second refresh with the same token would be a
// reuse and end the session, so both tabs staying signed in after acting together is the proof
// that they shared one refresh.
//
// "Both expired, acting at the same moment" is a laptop waking up: the tabs' timers did not run
// (their proactive refresh never fired) and the clock has jumped. Playwright's clock does exactly
// that to the pages: timers paused, then the time set forward without firing them.

/** Resolves with the next 200 answer of `path` in `page`. */
function answered(page: Page, path: string): Promise<unknown> {
  return page.waitForResponse((response) => pathOf(response.request()) === path && response.status() === 200, { timeout: UI_TIMEOUT_MS })
}

/** Clicks the navigation link to `route` from inside the page. */
function clickNavigation(page: Page, route: string): Promise<void> {
  return page.evaluate(`document.querySelector('nav a[href="#/${route}"]').click()`)
}

describe('console: two tabs expire and act at once (REFRESH_REUSE_GRACE=0, ACCESS_TOKEN_TTL=2)', { timeout: 180_000 }, () => {
  let server: TestServer
  let browser: Browser
  before(async () => {
    server = await startRealClockServer({ ACCESS_TOKEN_TTL: '2', REFRESH_REUSE_GRACE: '0' })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('makes exactly one refresh request for both tabs, and both stay signed in', async (t) => {
    const user = await server.register()
    const device = await newDevice(browser)
    await device.clock.install()
    const a = await openTab(device)
    const b = await openTab(device)
    await openConsole(a.page, server)
    await viewShows(a.page, 'Sign in')
    await signIn(a.page, user)
    await viewShows(a.page, 'Profile')
    // The second tab finds the session in localStorage and gets an access token of its own.
    await openConsole(b.page, server, 'profile')
    await viewShows(b.page, 'Profile')

    // The machine sleeps: no timer fires in either tab from now on. (The pages' clock is their
    // own: it may run a little apart from this process's.)
    const pagesNow = Math.max(...(await Promise.all([a.page, b.page].map((page) => page.evaluate<number>('Date.now()')))))
    const sleptAt = pagesNow + 1_000
    await device.clock.pauseAt(sleptAt)
    await sleep(500) // whatever was already on the wire lands
    await sleep(3_000) // both access tokens expire on the server's (real) clock
    await device.clock.setSystemTime(sleptAt + 4_000)
    const mark = { a: a.requests.length, b: b.requests.length }

    // It wakes up: both tabs act at the same moment, each needing a fresh access token.
    const data = Promise.all([answered(a.page, '/api/sessions'), answered(b.page, '/api/accounts/me/activity')])
    // One round trip to each page (a click by locator takes several): the two clicks land together.
    await Promise.all([clickNavigation(a.page, 'sessions'), clickNavigation(b.page, 'activity')])
    await data
    await Promise.all([viewShows(a.page, 'Sessions'), viewShows(b.page, 'Security activity')])
    const sinceWake = [...a.requests.slice(mark.a), ...b.requests.slice(mark.b)]
    const refreshRequests = refreshes(sinceWake)
    assert.equal(refreshRequests.length, 1, `refresh requests across both tabs: ${refreshRequests.length}`)
    const statuses = await Promise.all(sinceWake.filter((request) => pathOf(request).startsWith('/api/')).map(async (request) => (await request.response())?.status()))
    assert.ok(statuses.every((status) => status === 200), `every API call succeeded: ${statuses.join(', ')}`)
    t.diagnostic(`refresh requests of two tabs expired and acting at once: ${refreshRequests.length} (of ${sinceWake.length} requests)`)

    // Time runs again: a second use of the spent refresh token would have ended the session by now.
    await device.clock.resume()
    // Chromium 156 reports a background tab's elements as not visible to Playwright: each tab comes
    // to the front to be clicked.
    for (const [tab, label] of [
      [a, 'Profile'],
      [b, 'Sessions'],
    ] as const) {
      await tab.page.bringToFront()
      await navigate(tab.page, label)
      await viewShows(tab.page, label)
    }
    assert.match((await b.page.locator('.session.current').textContent()) ?? '', /This device/, 'still signed in')
    const sessions = await server.request('GET', '/api/sessions', { token: (await server.login(user.userName, user.password)).accessToken.token })
    assert.equal(sessions.body.length, 2, 'the tabs\' session is still live (and the check\'s own)')
    assertCleanConsole(a)
    assertCleanConsole(b)
    await device.close()
  })

  it('signs every tab in when one signs in, and out when one signs out', async () => {
    const user = await server.register()
    const device = await newDevice(browser)
    const a = await openTab(device)
    const b = await openTab(device)
    await openConsole(b.page, server, 'sessions')
    await viewShows(b.page, 'Sign in')
    await openConsole(a.page, server)
    await signIn(a.page, user)
    await viewShows(a.page, 'Profile')
    // The tab that was showing the sign-in form follows, to the view it had asked for.
    await viewShows(b.page, 'Sessions')

    // Chromium 156 reports a background tab's elements as not visible to Playwright: the tab that
    // signs out comes to the front.
    await a.page.bringToFront()
    await a.page.getByRole('button', { name: 'Sign out', exact: true }).click()
    await viewShows(a.page, 'Sign in')
    await viewShows(b.page, 'Sign in')
    assert.match((await b.page.locator('main .view > .message').textContent()) ?? '', /signed out in another tab/)
    assertCleanConsole(a)
    assertCleanConsole(b)
    await device.close()
  })
})
