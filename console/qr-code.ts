import qrcode from 'qrcode-generator'
import { svg } from './dom.js'

/** The blank border a reader needs around the code, in modules (the standard asks for 4). */
const QUIET_ZONE = 4

/**
 * `text` as a QR code drawn in SVG, made in the page (the secret never goes to a QR service, and
 * the CSP allows no data: image): one path of dark modules on a white square, scaled by CSS.
 */
export function qrCodeSvg(text: string, label: string): SVGSVGElement {
  const code = qrcode(0, 'M')
  code.addData(text)
  code.make()
  const count = code.getModuleCount()
  const size = count + 2 * QUIET_ZONE
  let path = ''
  for (let row = 0; row < count; row++) {
    for (let col = 0; col < count; col++) {
      if (code.isDark(row, col)) path += `M${col + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`
    }
  }
  return svg(
    'svg',
    { class: 'qr-code', viewBox: `0 0 ${size} ${size}`, role: 'img', 'aria-label': label, 'shape-rendering': 'crispEdges' },
    svg('rect', { width: size, height: size, fill: '#ffffff' }),
    svg('path', { d: path, fill: '#000000' }),
  )
}
