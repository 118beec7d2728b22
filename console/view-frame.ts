import { type Child, h } from './dom.js'
import type { ConsoleContext } from './context.js'
import { createNotice, type Notice } from './notice.js'

/** A view's frame: its heading (the focus target of a view change), a lead paragraph and its notice. */
export function viewFrame(context: ConsoleContext, title: string, lead?: string): { element: HTMLElement; notice: Notice; body: HTMLElement } {
  const notice = createNotice()
  const flash = context.takeFlash()
  if (flash !== undefined) notice.show(flash.kind, flash.text)
  const body = h('div', { class: 'view-body' })
  const element = h(
    'section',
    { class: 'view', 'aria-labelledby': 'view-title' },
    h('header', { class: 'view-header' }, h('h1', { id: 'view-title', tabindex: '-1' }, title), lead !== undefined && h('p', { class: 'lead' }, lead)),
    notice.element,
    body,
  )
  return { element, notice, body }
}

/** A titled card inside a view: `<section>` named by its `h2`. */
export function card(title: string, ...children: Child[]): HTMLElement {
  const id = `card-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children)
}

/** A small coloured label: "Verified", "This device", "On". */
export function badge(text: string, tone: 'success' | 'warning' | 'neutral' | 'accent'): HTMLElement {
  return h('span', { class: `badge ${tone}` }, text)
}
