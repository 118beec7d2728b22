import { h } from '../dom.js'

/** The recovery codes, shown once: a list, a copy button, and "I have saved them". */
export function recoveryCodesPanel(options: { title: string; intro: string; codes: string[]; onDone(): void }): HTMLElement {
  const copied = h('span', { class: 'copied', role: 'status', 'aria-live': 'polite' })
  const copy = h('button', { type: 'button', class: 'button secondary' }, 'Copy codes')
  copy.addEventListener('click', () => {
    navigator.clipboard.writeText(options.codes.join('\n')).then(
      () => (copied.textContent = 'Copied.'),
      () => (copied.textContent = 'Copying is not allowed here: select the codes and copy them.'),
    )
  })
  const done = h('button', { type: 'button', class: 'button primary' }, 'I have saved my codes')
  done.addEventListener('click', options.onDone)
  return h(
    'div',
    { class: 'recovery' },
    h('h3', { tabindex: '-1' }, options.title),
    h('p', {}, options.intro),
    h('ol', { class: 'recovery-codes', 'aria-label': 'Recovery codes' }, ...options.codes.map((code) => h('li', {}, h('code', {}, code)))),
    h('div', { class: 'actions' }, done, copy, copied),
  )
}
