/** Up to 4 significant digits, integers in full: enough to read a value in a graph or a printout. */
export function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}
