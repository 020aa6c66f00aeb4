/**
 * An asset: one device as the appliance knows it across scans, merged by MAC (falling back to
 * the IP when no MAC is visible, e.g. behind a router). The zod schema validates the assets file.
 */
import { z } from 'zod';
import { DEVICE_CLASSES } from './classify.js';

/** The evidence a scan gives the appliance's own address: it is listed, never a device to review or manage. */
export const SELF_EVIDENCE = 'this appliance';

/** The asset is the Patch Depot appliance itself (the scan found one of its own addresses). */
export const isThisAppliance = (a: { evidence: readonly string[] }): boolean =>
  a.evidence.includes(SELF_EVIDENCE);

const service = z.object({
  name: z.string(),
  type: z.string(),
  protocol: z.string(),
  port: z.number().int(),
  txt: z.record(z.string(), z.string()),
});

export const assetEventSchema = z.object({
  at: z.string(),
  scanId: z.string().nullable(),
  kind: z.enum(['discovered', 'ip-changed', 'online', 'offline', 'changed', 'edited']),
  detail: z.string(),
});

export const assetSchema = z.object({
  id: z.string(),
  mac: z.string().nullable(),
  ip: z.string(),
  ipHistory: z.array(z.object({ ip: z.string(), firstSeen: z.string(), lastSeen: z.string() })),
  vendor: z.string().nullable(),
  hostnames: z.array(z.string()),
  services: z.array(service),
  openPorts: z.array(z.number().int()),
  banners: z.record(z.string(), z.string()),
  deviceClass: z.enum(DEVICE_CLASSES),
  os: z.string().nullable(),
  model: z.string().nullable(),
  evidence: z.array(z.string()),
  seenBy: z.array(z.string()),
  firstSeen: z.string(),
  lastSeen: z.string(),
  online: z.boolean(),
  isNew: z.boolean(),
  tags: z.array(z.string()),
  notes: z.string(),
  lastScanId: z.string().nullable(),
  events: z.array(assetEventSchema),
});

export type Asset = z.infer<typeof assetSchema>;
export type AssetEvent = z.infer<typeof assetEventSchema>;

/** Ids are safe in URLs and file names: `m-001ba9000001` or `ip-10.0.0.5`. */
export const assetIdFor = (mac: string | null, ip: string): string =>
  mac ? `m-${mac.replaceAll(':', '')}` : `ip-${ip}`;

export const MAX_EVENTS = 100;
export const MAX_IP_HISTORY = 20;
/** Names kept for one device: those the latest scan heard first, then earlier ones (mDNS is anyone's to answer). */
export const MAX_HOSTNAMES = 32;
