import type { LatchkeyClient } from 'latchkey/client'
import { h } from '../dom.js'
import { createForm } from '../form.js'

/** "Mail me a new verification link", offered when a sign-in is refused for an unverified address. */
export function resendVerification(client: LatchkeyClient): { element: HTMLElement; offer(identifier: string): void } {
  const form = createForm({
    intro: h('p', {}, 'Your email address is not verified yet. We can mail you a new link.'),
    fields: [{ name: 'email', label: 'Email address', type: 'email', autocomplete: 'email' }],
    submitLabel: 'Send verification link',
    busyLabel: 'Sending…',
    async onSubmit(form) {
      await client.sendVerification(form.value('email').trim())
      form.notice.show('success', `If ${form.value('email').trim()} belongs to an unverified account, a new link is on its way. It works for 24 hours.`)
    },
  })
  const element = h('div', { class: 'subform', hidden: true }, form.element)
  return {
    element,
    offer(identifier) {
      if (identifier.includes('@')) form.input('email').value = identifier
      element.hidden = false
    },
  }
}
