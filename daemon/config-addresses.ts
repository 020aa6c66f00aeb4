/** Zod schemas for addresses in the config, with messages that show what was given. */
import { z } from 'zod';

const shown = (input: unknown): string => JSON.stringify(input)?.slice(0, 60) ?? String(input);
/** A listen address; zod's own message for a failed union is "Invalid input". */
export const ipAddress = z.union([z.ipv4(), z.ipv6()], {
  error: (iss) =>
    `expected an IP address such as 0.0.0.0 (every IPv4 interface) or 192.168.1.5, got ${shown(iss.input)}`,
});
/** An allow-list entry. */
export const addressOrCidr = z.union([z.cidrv4(), z.cidrv6(), z.ipv4(), z.ipv6()], {
  error: (iss) =>
    `expected an address or CIDR such as 192.168.1.20 or 192.168.1.0/24, got ${shown(iss.input)}`,
});
