// The page a password-reset link leads to: asks for the new password, then uses the link.
import { clearMessage, MESSAGES, messageForStatus, onLinkToken, postJson, showMessage } from './account.js'

const SUCCESS =
  'Your password has been changed, and every device that was signed in to your account has been signed out. Sign in again with your new password.'

let token = null
const message = document.getElementById('message')
const form = document.getElementById('reset-form')
const password = document.getElementById('new-password')
const confirmation = document.getElementById('confirm-password')
const submit = form.querySelector('button[type="submit"]')
const next = document.getElementById('next')

/** Marks `field` (or none) invalid and ties it to the message that says why. */
function markInvalid(field) {
  for (const input of [password, confirmation]) {
    const invalid = input === field
    input.setAttribute('aria-invalid', String(invalid))
    const describedBy = [input === password ? 'password-hint' : '', invalid ? 'message' : ''].filter(Boolean).join(' ')
    if (describedBy === '') input.removeAttribute('aria-describedby')
    else input.setAttribute('aria-describedby', describedBy)
  }
}

/** The form is done with (used or dead link): it goes, and focus moves to what replaced it. */
function finish(kind, text) {
  form.reset()
  form.hidden = true
  showMessage(message, kind, text)
  message.focus()
}

async function resetPassword() {
  submit.disabled = true
  showMessage(message, 'info', 'Setting your new password…')
  const { status, problem } = await postJson('api/auth/password-reset', { token, newPassword: password.value })
  submit.disabled = false
  if (status === 204) {
    next.hidden = false
    return finish('success', SUCCESS)
  }
  if (problem?.code === 'invalid_link') return finish('error', MESSAGES.invalidLink)
  const refusals = problem?.code === 'validation_failed' ? problem.errors?.newPassword : undefined
  if (Array.isArray(refusals) && refusals.length > 0) {
    // A refused password does not use the link up: the same form can try again.
    markInvalid(password)
    showMessage(message, 'error', 'Choose another password:', refusals)
    password.focus()
    return
  }
  showMessage(message, 'error', messageForStatus(status))
}

form.addEventListener('submit', (event) => {
  event.preventDefault()
  if (password.value !== confirmation.value) {
    markInvalid(confirmation)
    showMessage(message, 'error', 'The two passwords do not match.')
    confirmation.focus()
    return
  }
  markInvalid(null)
  void resetPassword()
})

onLinkToken((linkToken) => {
  token = linkToken
  form.reset()
  markInvalid(null)
  form.hidden = token === null
  if (token === null) showMessage(message, 'error', MESSAGES.incompleteLink)
  else clearMessage(message)
})
