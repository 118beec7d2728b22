import { isLatchkeyError, isMfaRequired, type MfaRequiredError } from 'latchkey/client'
import type { ConsoleContext, View } from '../context.js'
import { h } from '../dom.js'
import { createForm } from '../form.js'
import { viewFrame } from '../view-frame.js'
import { resendVerification } from './resend-verification.js'

/** Sign-in: the password, then (when the answer is `mfa_required`) the second factor's code. */
export const signInView: View = {
  title: 'Sign in',
  needsSession: false,
  async render(context) {
    const frame = viewFrame(context, 'Sign in', 'Welcome back. Sign in to manage your account, devices and security.')
    const resend = resendVerification(context.client)
    const form = createForm({
      notice: frame.notice,
      fields: [
        { name: 'userName', label: 'User name or email', autocomplete: 'username', code: true },
        { name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' },
      ],
      submitLabel: 'Sign in',
      busyLabel: 'Signing in…',
      async onSubmit(form) {
        resend.element.hidden = true
        try {
          await context.client.login({ userName: form.value('userName'), password: form.value('password') })
          context.signedIn()
        } catch (error) {
          if (isMfaRequired(error)) return showSecondStep(context, frame.body, error, () => form.input('userName').focus())
          if (isLatchkeyError(error, 'email_not_verified')) resend.offer(form.value('userName'))
          form.fail(error, { invalid_credentials: 'password' })
        }
      },
    })
    const links = h(
      'p',
      { class: 'form-links' },
      h('a', { href: '#/forgot-password' }, 'Forgot your password?'),
      h('span', { 'aria-hidden': 'true' }, ' · '),
      'New here? ',
      h('a', { href: '#/sign-up' }, 'Create an account'),
    )
    frame.body.append(h('div', { class: 'card' }, form.element, resend.element, links))
    return frame.element
  },
}

/** The second step: the password was right, the account asks for a code. */
function showSecondStep(context: ConsoleContext, body: HTMLElement, challenge: MfaRequiredError, backToPassword: () => void): void {
  const passwordStep = body.firstElementChild as HTMLElement
  const intro = h('p', { id: 'code-intro' }, 'Open your authenticator app and enter the 6-digit code it shows for this account. Lost your phone? Enter one of your recovery codes instead.')
  const form = createForm({
    intro,
    fields: [{ name: 'code', label: 'Authentication code', autocomplete: 'one-time-code', inputmode: 'text', code: true }],
    submitLabel: 'Verify and sign in',
    busyLabel: 'Verifying…',
    async onSubmit(form) {
      try {
        await context.client.loginMfa({ mfaToken: challenge.mfaToken, code: form.value('code').trim() })
        context.signedIn()
      } catch (error) {
        // A spent or expired mfaToken: only a new password step gives another.
        if (isLatchkeyError(error, 'invalid_grant')) return context.go('sign-in', { kind: 'error', text: 'That sign-in attempt expired or had too many wrong codes. Sign in again.' })
        form.fail(error, { invalid_mfa_code: 'code' })
      }
    },
  })
  const back = h('button', { type: 'button', class: 'button link' }, 'Start over')
  back.addEventListener('click', () => {
    step.remove()
    passwordStep.hidden = false
    backToPassword()
  })
  const step = h('div', { class: 'card' }, h('h2', {}, 'Two-factor authentication'), form.element, h('p', { class: 'form-links' }, back))
  passwordStep.hidden = true
  body.append(step)
  form.input('code').setAttribute('aria-describedby', 'code-intro')
  form.input('code').focus()
}
