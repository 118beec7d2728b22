import { h, uniqueId } from './dom.js'

export type NoticeKind = 'info' | 'success' | 'error'

/** A view's polite live region: what happened, said once to screen readers and shown to everyone. */
export interface Notice {
  element: HTMLElement
  show(kind: NoticeKind, text: string, details?: string[]): void
  clear(): void
}

export function createNotice(): Notice {
  const element = h('div', { id: uniqueId('notice'), class: 'message', role: 'status', 'aria-live': 'polite', tabindex: '-1' })
  return {
    element,
    show(kind, text, details = []) {
      element.className = `message ${kind}`
      element.replaceChildren(text)
      if (details.length > 0) element.append(h('ul', {}, ...details.map((detail) => h('li', {}, detail))))
    },
    clear() {
      element.className = 'message'
      element.replaceChildren()
    },
  }
}
