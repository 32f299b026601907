/** An SVG as an image address, so that it never becomes part of the page's DOM. */
export function svgDataUri(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}
