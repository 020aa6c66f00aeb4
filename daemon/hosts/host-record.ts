/**
 * One machine, as the host directory knows it: a stable id that never changes, and what joins
 * to it. The id is random (`h-` + 10 hex digits), assigned once, and not derived from the MAC:
 * a machine first known by its address (SSH access given before any scan, or a host behind a
 * router whose MAC is never seen) must keep its id when its MAC shows up later, and a NIC swap
 * must not make a new machine. Everything else about the machine is filed under this id: its
 * SSH target and pinned key, its inventory and attempt files, its assessment, later its
 * deployments. The discovery asset (`m-<mac>` or `ip-<address>`) is linked, not the identity.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

export const HOST_ID_RE = /^h-[0-9a-f]{10}$/;
export const isHostId = (id: string): boolean => HOST_ID_RE.test(id);
export const newHostId = (): string => `h-${randomBytes(5).toString('hex')}`;

export const MAX_HOST_EVENTS = 50;

const hostEventSchema = z
  .object({
    at: z.iso.datetime(),
    kind: z.enum(['created', 'linked', 'moved', 'adopted']),
    detail: z.string().max(500),
  })
  .strict();
export type HostEvent = z.infer<typeof hostEventSchema>;

export const hostRecordSchema = z
  .object({
    id: z.string().regex(HOST_ID_RE),
    createdAt: z.iso.datetime(),
    /** The MAC discovery saw on the LAN: what DHCP cannot change, so what a moved machine is found by. */
    mac: z.string().nullable(),
    /** Its discovery asset: `m-<mac>`, or `ip-<address>` while no MAC was seen. */
    assetId: z.string().nullable(),
    /** Where it answers now: its asset's address, else the address its SSH access was given for. */
    address: z.string().nullable(),
    /**
     * Other names it is known by: ids from before the directory (inventories filed by address or
     * by a technician's "asset id") and assets folded into it. Old links and files resolve here.
     */
    aliases: z.array(z.string()),
    /** The last address change, kept so a collection at the new address can confirm the machine. */
    lastMove: z.object({ from: z.string(), to: z.string(), at: z.iso.datetime() }).strict().nullable(),
    /**
     * The name the machine gives itself (`uname -n` at its last inventory). Pages call it that when
     * neither DNS nor mDNS names it; absent until an inventory reports one.
     */
    hostname: z.string().min(1).max(253).optional(),
    events: z.array(hostEventSchema),
  })
  .strict();
export type HostRecord = z.infer<typeof hostRecordSchema>;

export const directorySchema = z.object({ version: z.literal(1), hosts: z.array(hostRecordSchema) }).strict();
export type DirectoryDocument = z.infer<typeof directorySchema>;

export const addEvent = (host: HostRecord, event: HostEvent): void => {
  host.events.push(event);
  if (host.events.length > MAX_HOST_EVENTS) host.events.splice(0, host.events.length - MAX_HOST_EVENTS);
};

export const addAlias = (host: HostRecord, alias: string): void => {
  if (alias !== host.id && alias !== host.assetId && !host.aliases.includes(alias)) host.aliases.push(alias);
};

export const newHost = (
  fields: Pick<HostRecord, 'mac' | 'assetId' | 'address'>,
  now: Date,
  detail: string,
  id = newHostId(),
): HostRecord => ({
  id,
  createdAt: now.toISOString(),
  ...fields,
  aliases: [],
  lastMove: null,
  events: [{ at: now.toISOString(), kind: 'created', detail }],
});
