import type { TotpEnrollment } from 'latchkey/client'
import type { ConsoleContext, View } from '../context.js'
import { h } from '../dom.js'
import { createForm, type FieldSpec } from '../form.js'
import { qrCodeSvg } from '../qr-code.js'
import { badge, card, viewFrame } from '../view-frame.js'
import { recoveryCodesPanel } from './recovery-codes.js'

const PASSWORD_FIELD: FieldSpec = { name: 'currentPassword', label: 'Current password', type: 'password', autocomplete: 'current-password' }
const CODE_FIELD: FieldSpec = {
  name: 'code',
  label: 'Authentication code',
  autocomplete: 'one-time-code',
  inputmode: 'text',
  code: true,
  hint: 'The 6-digit code from your authenticator app, or a recovery code.',
}

/** Two-factor authentication: turn it on (QR code, a code, recovery codes shown once), new recovery codes, turn it off. */
export const twoFactorView: View = {
  title: 'Two-factor authentication',
  needsSession: true,
  async render(context) {
    const account = await context.account()
    const frame = viewFrame(context, 'Two-factor authentication', 'A code from an app on your phone, asked for after your password: a stolen password alone no longer opens your account.')
    const status = account.mfaEnabled
      ? h('p', { class: 'with-badge' }, badge('On', 'success'), 'Signing in asks for a code from your authenticator app, or a recovery code.')
      : h('p', { class: 'with-badge' }, badge('Off', 'neutral'), 'Signing in asks for your password only.')
    frame.body.append(card('Authenticator app', status))
    if (account.mfaEnabled) frame.body.append(...enabledCards(context))
    else frame.body.append(enrollCard(context))
    return frame.element
  },
}

function enrollCard(context: ConsoleContext): HTMLElement {
  const body = h('div', {})
  const start = createForm({
    intro: h('p', {}, 'You need an authenticator app, such as Aegis, Google Authenticator, 1Password or Microsoft Authenticator. Confirm your password to begin.'),
    fields: [PASSWORD_FIELD],
    submitLabel: 'Set up two-factor authentication',
    busyLabel: 'Starting…',
    async onSubmit(form) {
      let enrollment: TotpEnrollment
      try {
        enrollment = await context.client.startTotpEnrollment(form.value('currentPassword'))
      } catch (error) {
        return form.fail(error, { invalid_current_password: 'currentPassword' })
      }
      body.replaceChildren(scanStep(context, enrollment, body))
      body.querySelector<HTMLElement>('h3')?.focus()
    },
  })
  body.append(start.element)
  return card('Turn on', body)
}

/** Step 2: scan the code (or type the key), then prove it with a code. */
function scanStep(context: ConsoleContext, enrollment: TotpEnrollment, body: HTMLElement): HTMLElement {
  const confirm = createForm({
    fields: [{ ...CODE_FIELD, label: '6-digit code from the app', hint: 'The code changes every 30 seconds.', inputmode: 'numeric' }],
    submitLabel: 'Turn on',
    busyLabel: 'Checking the code…',
    async onSubmit(form) {
      let recoveryCodes: string[]
      try {
        ;({ recoveryCodes } = await context.client.confirmTotp(form.value('code').replace(/\s/g, '')))
      } catch (error) {
        return form.fail(error, { invalid_mfa_code: 'code' })
      }
      body.replaceChildren(
        recoveryCodesPanel({
          title: 'Two-factor authentication is on',
          intro: 'Every other device was signed out. Save these recovery codes somewhere safe, such as a password manager: each one signs you in once if you lose your phone. This is the only time they are shown.',
          codes: recoveryCodes,
          onDone: () => context.go('two-factor', { kind: 'success', text: 'Two-factor authentication is on. You will be asked for a code when you sign in.' }),
        }),
      )
      body.querySelector<HTMLElement>('h3')?.focus()
    },
  })
  const key = h('code', { class: 'secret', id: 'totp-secret' }, groupsOfFour(enrollment.secret))
  return h(
    'div',
    { class: 'enroll' },
    h('h3', { tabindex: '-1' }, 'Scan this code with your authenticator app'),
    h(
      'div',
      { class: 'enroll-grid' },
      h('div', { class: 'qr-frame' }, qrCodeSvg(enrollment.otpauthUri, 'QR code to add this account to an authenticator app')),
      h(
        'div',
        {},
        h('p', {}, 'Cannot scan it? Choose "enter a setup key" in the app and type this key:'),
        h('p', {}, key),
        h('p', { class: 'hint' }, 'Time-based, 6 digits, every 30 seconds.'),
        confirm.element,
      ),
    ),
  )
}

function enabledCards(context: ConsoleContext): HTMLElement[] {
  const regenerateBody = h('div', {})
  const regenerate = createForm({
    intro: h('p', {}, 'Used some, or lost the list? Get 10 new recovery codes; the old ones stop working.'),
    fields: [PASSWORD_FIELD, CODE_FIELD],
    submitLabel: 'Get new recovery codes',
    busyLabel: 'Making new codes…',
    async onSubmit(form) {
      let recoveryCodes: string[]
      try {
        ;({ recoveryCodes } = await context.client.regenerateRecoveryCodes({ currentPassword: form.value('currentPassword'), code: form.value('code').trim() }))
      } catch (error) {
        return form.fail(error, { invalid_current_password: 'currentPassword', invalid_mfa_code: 'code' })
      }
      regenerateBody.replaceChildren(
        recoveryCodesPanel({
          title: 'Your new recovery codes',
          intro: 'Save them somewhere safe. The old codes no longer work, and these are shown only this once.',
          codes: recoveryCodes,
          onDone: () => context.go('two-factor', { kind: 'success', text: 'Your new recovery codes are ready to use.' }),
        }),
      )
      regenerateBody.querySelector<HTMLElement>('h3')?.focus()
    },
  })
  regenerateBody.append(regenerate.element)

  const disable = createForm({
    intro: h('p', {}, 'Your account will be protected by your password alone.'),
    fields: [PASSWORD_FIELD, CODE_FIELD],
    submitLabel: 'Turn off two-factor authentication',
    tone: 'danger',
    busyLabel: 'Turning it off…',
    async onSubmit(form) {
      try {
        await context.client.disableMfa({ currentPassword: form.value('currentPassword'), code: form.value('code').trim() })
      } catch (error) {
        return form.fail(error, { invalid_current_password: 'currentPassword', invalid_mfa_code: 'code' })
      }
      context.go('two-factor', { kind: 'success', text: 'Two-factor authentication is off.' })
    },
  })
  return [card('Recovery codes', regenerateBody), card('Turn off', disable.element)]
}

/** `ABCD EFGH …`: easier to read out and type. */
function groupsOfFour(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ')
}
