/** Host ids compare by UTF-16 code units, not locale, so tie-breaks are the same on every machine. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
