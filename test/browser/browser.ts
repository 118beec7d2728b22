import assert from 'node:assert/strict'
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page, type Request } from 'playwright-core'
import { startTestServer, type TestServer } from '../support/test-app.js'
import { DIALECTS } from '../support/dialects.js'

// What the console's browser tests share: Debian's Chromium (playwright-core downloads no
// browser), a real server on SQLite with a real clock (access tokens really expire), tabs that
// never leave the loopback server, and a log of every request they make.

/** Generous: the machine may be busy (2 cores, password hashing, other suites). */
export const UI_TIMEOUT_MS = 30_000

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

/** A real server on the real clock; the API docs and console on, the given variables on top. */
export function startRealClockServer(env: Record<string, string> = {}): Promise<TestServer> {
  const [sqlite] = DIALECTS
  assert.ok(sqlite !== undefined)
  return startTestServer({ dialect: sqlite, clock: { now: () => Date.now() }, env })
}

/** A browser context (a device) whose pages may reach the test server only. */
export async function newDevice(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...options })
  await context.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()))
  return context
}

/** A tab, recording its requests and what it complains about. */
export interface WatchedPage {
  page: Page
  requests: Request[]
  consoleErrors: string[]
  pageErrors: string[]
}

export async function openTab(context: BrowserContext): Promise<WatchedPage> {
  const page = await context.newPage()
  const watched: WatchedPage = { page, requests: [], consoleErrors: [], pageErrors: [] }
  page.on('request', (request) => watched.requests.push(request))
  page.on('console', (message) => {
    if (message.type() === 'error') watched.consoleErrors.push(message.text())
  })
  page.on('pageerror', (error) => watched.pageErrors.push(error.message))
  return watched
}

/** The path of a request (`/api/auth/refreshtoken`). */
export function pathOf(request: Request): string {
  return new URL(request.url()).pathname
}

/** The refresh requests among `requests`. */
export function refreshes(requests: Request[]): Request[] {
  return requests.filter((request) => /^\/api\/auth\/refresh(token)?$/i.test(pathOf(request)))
}

/**
 * The refresh requests sent before the first request to `path`: those the call to `path` waited
 * for. (With a 2-second token the client also refreshes on its timer every half second or so;
 * those come after.)
 */
export function refreshesBefore(requests: Request[], path: string): Request[] {
  const index = requests.findIndex((request) => pathOf(request) === path)
  assert.ok(index >= 0, `no request to ${path}`)
  return refreshes(requests.slice(0, index))
}

/** No CSP violation and no script error on the page. Failed 401s a test provoked are the browser's own "Failed to load" lines, not violations. */
export function assertCleanConsole(watched: WatchedPage): void {
  const violations = watched.consoleErrors.filter((text) => /content security policy|refused to/i.test(text))
  assert.deepEqual(violations, [], 'CSP violations in the console')
  assert.deepEqual(watched.pageErrors, [], 'script errors on the page')
}

/** Waits for the console to show the view titled `title` (its h1). */
export async function viewShows(page: Page, title: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name: title }).waitFor({ timeout: UI_TIMEOUT_MS })
  await page.locator('main:not([aria-busy])').waitFor({ timeout: UI_TIMEOUT_MS })
}

/** Waits until the current view's live region says something matching `pattern`. */
export async function noticeSays(page: Page, pattern: RegExp): Promise<void> {
  await page.locator('main .view > .message').filter({ hasText: pattern }).waitFor({ timeout: UI_TIMEOUT_MS })
}

export interface Person {
  firstName: string
  lastName: string
  email: string
  userName: string
  password: string
}

let people = 0

/** A new person's details, unique in this process. */
export function person(firstName = 'Ada', lastName = 'Lovelace'): Person {
  people += 1
  const tag = `${process.pid}${people}${Math.random().toString(36).slice(2, 6)}`
  return { firstName, lastName, email: `${firstName.toLowerCase()}.${tag}@example.com`, userName: `${firstName.toLowerCase()}_${tag}`, password: 'correct horse battery staple' }
}

/** Fills and sends the console's sign-up form (the view must be showing). */
export async function signUp(page: Page, who: Person): Promise<void> {
  const form = page.locator('main form')
  await form.getByLabel('First name').fill(who.firstName)
  await form.getByLabel('Last name').fill(who.lastName)
  await form.getByLabel('Email address').fill(who.email)
  await form.getByLabel('User name').fill(who.userName)
  await form.getByLabel('Password').fill(who.password)
  await form.getByRole('button', { name: 'Create account' }).click()
}

/** Signs in from the sign-in view with the password (the first step). */
export async function signIn(page: Page, who: { userName: string; password: string }): Promise<void> {
  await page.getByLabel('User name or email').fill(who.userName)
  await page.getByLabel('Password', { exact: true }).fill(who.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
}

/** Opens the console at `route` (e.g. `sessions`) in `page`. */
export async function openConsole(page: Page, server: TestServer, route = ''): Promise<void> {
  await page.goto(`${server.url}/account${route === '' ? '' : `#/${route}`}`)
}

/** Follows a link of the signed-in navigation. */
export async function navigate(page: Page, label: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: label, exact: true }).click()
}
