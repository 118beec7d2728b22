// The page a verification (or change-of-address) link leads to: uses the link at once.
import { MESSAGES, messageForStatus, onLinkToken, postJson, showMessage } from './account.js'

const DUPLICATE_EMAIL =
  'This address is now used by another account, so it could not be set on yours. Sign in and choose another address.'

let token = null
const message = document.getElementById('message')
const retry = document.getElementById('retry')
const next = document.getElementById('next')

async function verify(token) {
  showMessage(message, 'info', 'Verifying your email address…')
  const { status, problem } = await postJson('api/accounts/verify-email', { token })
  if (status === 204) {
    next.hidden = false
    return showMessage(message, 'success', 'Your email address is verified. You can close this page.')
  }
  if (problem?.code === 'invalid_link') return showMessage(message, 'error', MESSAGES.invalidLink)
  if (problem?.code === 'duplicate_email') return showMessage(message, 'error', DUPLICATE_EMAIL)
  // The token left the address bar: a reload cannot retry, this button can.
  showMessage(message, 'error', messageForStatus(status))
  retry.hidden = false
}

retry.addEventListener('click', () => {
  retry.hidden = true
  message.focus()
  void verify(token)
})

onLinkToken((linkToken) => {
  token = linkToken
  retry.hidden = true
  if (token === null) showMessage(message, 'error', MESSAGES.incompleteLink)
  else void verify(token)
})
