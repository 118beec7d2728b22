// The account console: one page at /account, views chosen by the fragment (#/sessions), built on
// latchkey/client. Served under a strict CSP: this bundle and the stylesheet are all it loads.
import { type Account, createClient, isLatchkeyError, type SessionEndReason } from 'latchkey/client'
import { consoleStorage } from './console-storage.js'
import type { ConsoleContext, Flash, RouteName } from './context.js'
import { renderChrome } from './chrome.js'
import { h } from './dom.js'
import { errorText } from './error-text.js'
import { routeOf, VIEWS } from './routes.js'

/** The API is at the root this page is served under: …/account/assets/console.js → …/ (a PUBLIC_URL path prefix is kept). */
const BASE_URL = new URL('../../', import.meta.url).href.replace(/\/$/, '')

const ENDED: Record<SessionEndReason, Flash> = {
  logout: { kind: 'success', text: 'You have signed out.' },
  other_tab: { kind: 'info', text: 'You signed out in another tab.' },
  token_rejected: { kind: 'info', text: 'Your session has ended: it was signed out from another device, or it expired. Sign in again.' },
  refresh_rejected: { kind: 'info', text: 'Your session has ended: it was signed out from another device, or it expired. Sign in again.' },
}

const storage = consoleStorage('latchkey-console')
const client = createClient({ baseUrl: BASE_URL, storage, onSessionEnded: (event) => ended(ENDED[event.reason]) })
const main = document.getElementById('content') as HTMLElement

let account: Promise<Account> | undefined
let flash: Flash | undefined
/** The view a signed-out visitor asked for: shown once they sign in. */
let afterSignIn: RouteName | undefined
let shown: RouteName | undefined
let renders = 0
let firstRender = true

const context: ConsoleContext = {
  client,
  account: () => (account ??= loadAccount()),
  go(route, message) {
    flash = message
    if (routeOf(location.hash) === route) void render(route)
    else location.hash = `#/${route}`
  },
  takeFlash() {
    const taken = flash
    flash = undefined
    return taken
  },
  signedIn() {
    account = undefined
    const target = afterSignIn ?? 'profile'
    afterSignIn = undefined
    context.go(target)
  },
}

function loadAccount(): Promise<Account> {
  const loading = client.me()
  // A failed read is not kept: the next view asks again.
  loading.catch(() => {
    if (account === loading) account = undefined
  })
  return loading
}

function ended(message: Flash): void {
  account = undefined
  context.go('sign-in', message)
}

/** Shows the view `requested` names (or the default one), sending it to sign-in or the profile as the session requires. */
async function render(requested: RouteName | undefined): Promise<void> {
  const ticket = ++renders
  const signedIn = await client.isSignedIn()
  let route: RouteName = requested ?? (signedIn ? 'profile' : 'sign-in')
  if (VIEWS[route].needsSession && !signedIn) {
    afterSignIn = route
    route = 'sign-in'
  } else if (!VIEWS[route].needsSession && signedIn) {
    route = afterSignIn ?? 'profile'
  }
  if (routeOf(location.hash) !== route) history.replaceState(null, '', `#/${route}`)
  const view = VIEWS[route]
  main.setAttribute('aria-busy', 'true')
  // Read afresh once per view: the view and the header share the one request.
  if (view.needsSession) account = undefined
  const header = view.needsSession ? context.account().catch(() => undefined) : Promise.resolve(undefined)
  let element: HTMLElement
  try {
    element = await view.render(context)
  } catch (error) {
    if (ticket !== renders) return
    // The session ended under this view: the sign-in view is on its way (onSessionEnded).
    if ((isLatchkeyError(error, 'session_ended') || isLatchkeyError(error, 'invalid_token')) && !(await client.isSignedIn())) return
    element = failedView(error, () => void render(route))
  }
  if (ticket !== renders) return
  shown = route
  renderChrome({ route, signedIn: view.needsSession, account: await header, signOut })
  main.replaceChildren(element)
  main.removeAttribute('aria-busy')
  document.title = `${view.title} · Latchkey`
  // A view change moves focus to the new view's heading, so a screen reader announces it and Tab
  // continues from there; the first view of a page load leaves focus where the browser put it.
  if (!firstRender) main.querySelector<HTMLElement>('h1')?.focus()
  firstRender = false
}

async function signOut(): Promise<void> {
  // Signed out already (by another tab, say): the client reports no end, the view changes all the same.
  if (await client.isSignedIn()) await client.logout()
  else ended(ENDED.logout)
}

function failedView(error: unknown, retry: () => void): HTMLElement {
  return h(
    'section',
    { class: 'view', 'aria-labelledby': 'view-title' },
    h('header', { class: 'view-header' }, h('h1', { id: 'view-title', tabindex: '-1' }, 'This page could not be loaded')),
    h('div', { class: 'message error', role: 'status', 'aria-live': 'polite' }, errorText(error)),
    h('button', { type: 'button', class: 'button primary', onclick: retry }, 'Try again'),
  )
}

addEventListener('hashchange', () => {
  const route = routeOf(location.hash)
  if (route !== undefined) void render(route)
})
// Another tab signed in: this one follows (the client already has the new tokens from that tab).
addEventListener('storage', (event) => {
  if (event.key === storage.key && event.newValue !== null && shown !== undefined && !VIEWS[shown].needsSession) void render(afterSignIn ?? 'profile')
})
void render(routeOf(location.hash))
