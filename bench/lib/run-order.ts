/**
 * The order of `pairs` A/B pairs as ABBA ABBA...: `false` for A, `true` for B. Drift in the load
 * of a shared machine then falls on A and B alike, rather than on whichever runs last.
 */
export function abbaOrder(pairs: number): boolean[] {
  const order: boolean[] = [];
  for (let k = 0; k < pairs; k++) order.push(...(k % 2 === 0 ? [false, true] : [true, false]));
  return order;
}
