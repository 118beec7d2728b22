// Building the page from code: elements and text nodes only, never HTML strings, so nothing the
// server or a user sends can become markup (and no inline script or style is ever needed).

export type Child = Node | string | false | null | undefined
type Attributes = Record<string, string | number | boolean | undefined | ((event: Event) => void)>

/**
 * `h('button', { type: 'button', onclick: go }, 'Go')`. An attribute `true` is set empty, `false`
 * or undefined is left out; a function is an event listener (`onclick` → `click`).
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2), value)
    else if (value === true) element.setAttribute(name, '')
    else if (value !== false && value !== undefined) element.setAttribute(name, String(value))
  }
  append(element, children)
  return element
}

/** Appends children, skipping the empty ones (`cond && node`). */
export function append(parent: Element, children: Child[]): void {
  for (const child of children) if (child !== false && child !== null && child !== undefined && child !== '') parent.append(child)
}

const SVG = 'http://www.w3.org/2000/svg'

/** An SVG element with attributes (presentation attributes are not styles: the CSP allows them). */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}, ...children: Node[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value))
  element.append(...children)
  return element
}

let lastId = 0

/** A fresh id for `for`/`aria-describedby` pairs: `prefix-3`. */
export function uniqueId(prefix: string): string {
  lastId += 1
  return `${prefix}-${lastId}`
}
