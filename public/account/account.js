// What the account pages share: the link's token, the call to the API, the message region.
// Plain browser JavaScript (ES2020 modules), no build step.

export const MESSAGES = {
  incompleteLink:
    'This link is incomplete. Open it again from the mail; if your mail program broke it over two lines, copy the whole link into the address bar.',
  invalidLink: 'This link is invalid, expired or already used. Ask for a new one.',
  tooManyRequests: 'Too many attempts. Please wait a while and try again.',
  unreachable: 'The server could not be reached. Check your connection and try again.',
  failed: 'Something went wrong on our side. Please try again later.',
}

/**
 * The token of a mailed link (`#token=…`), or null when there is none.
 * The fragment leaves the address bar and the history at once: the token is single-use and must
 * not be left behind for the next person at this browser, in a bookmark or a copied address.
 */
function takeLinkToken() {
  const token = new URLSearchParams(location.hash.slice(1)).get('token')
  history.replaceState(null, '', location.pathname)
  return token === null || token === '' ? null : token
}

/**
 * Calls `use` with the link's token (null when the address has none), then again with each link
 * opened over this page later: a link pasted into the address bar of this page changes only the
 * fragment, which reloads nothing.
 */
export function onLinkToken(use) {
  use(takeLinkToken())
  addEventListener('hashchange', () => {
    const token = takeLinkToken()
    if (token !== null) use(token)
  })
}

/**
 * POSTs `body` as JSON to `apiPath` (e.g. 'api/auth/password-reset') of this server.
 * Resolved from this script's own address (…/account/assets/account.js), so the pages also work
 * when the server is reached under a path prefix. Resolves to the status and the problem
 * document, if any; status 0 when the server could not be reached.
 */
export async function postJson(apiPath, body) {
  const url = new URL(`../../${apiPath}`, import.meta.url)
  let response
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, application/problem+json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
      redirect: 'error',
      referrerPolicy: 'no-referrer',
    })
  } catch {
    return { status: 0, problem: null }
  }
  let problem = null
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      problem = await response.json()
    } catch {
      problem = null
    }
  }
  return { status: response.status, problem }
}

/**
 * Shows `text` (and an optional list of `details`) in the page's live region; `kind` is
 * 'info', 'success' or 'error'. Text only, never HTML: details come from the server.
 */
export function showMessage(region, kind, text, details = []) {
  region.className = `message ${kind}`
  region.replaceChildren(text)
  if (details.length === 0) return
  const list = document.createElement('ul')
  for (const detail of details) {
    const item = document.createElement('li')
    item.textContent = String(detail)
    list.append(item)
  }
  region.append(list)
}

/** Empties the live region. */
export function clearMessage(region) {
  region.className = 'message'
  region.replaceChildren()
}

/** The message for an answer no page handles specially. */
export function messageForStatus(status) {
  if (status === 0) return MESSAGES.unreachable
  if (status === 429) return MESSAGES.tooManyRequests
  return MESSAGES.failed
}
