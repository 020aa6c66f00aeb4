/**
 * The order the deployment pages list hosts in: ring by ring (pilots first, as they run), and
 * within a ring by the address or name the page shows, not by internal host id.
 */
import { inAddressOrder } from '../../daemon/discovery/ipv4.js';

export const inRingOrder = <T extends { hostId: string }>(
  items: readonly T[],
  ringOf: (item: T) => number,
  label: (hostId: string) => string,
): T[] =>
  inAddressOrder(
    items,
    (item) => label(item.hostId),
    (a, b) => ringOf(a) - ringOf(b),
  );
