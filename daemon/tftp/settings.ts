/** The TFTP server's settings (config key `tftp`). */
import { z } from 'zod';
import { addressOrCidr, ipAddress } from '../config-addresses.js';

/** The read-only TFTP server for network devices' firmware and configuration (off by default). */
export const tftpSettingsSchema = z
  .object({
    enabled: z.boolean().default(false),
    address: ipAddress.default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(69),
    /** The only directory served (default: DATA_DIR/tftp). */
    root: z.string().min(1).optional(),
    /** Addresses/CIDRs allowed to fetch; empty = the discovery scopes. Others get silence. */
    clients: z.array(addressOrCidr).default([]),
    /** Largest block agreed (RFC 2348): 1468 fits a 1500-byte Ethernet frame unfragmented. */
    maxBlksize: z.number().int().min(512).max(65464).default(1468),
    maxWindowsize: z.number().int().min(1).max(256).default(64),
    /** Retransmission interval when the client asks for none (RFC 2349 `timeout` overrides). */
    timeoutMs: z.number().int().min(100).max(255_000).default(1000),
    /**
     * A transfer is given up after this long with no block acknowledged. Long enough for a
     * client that re-ACKs a duplicate only once and then waits on its own timer (atftp: 5 s).
     */
    giveUpMs: z.number().int().min(1000).max(600_000).default(30_000),
    /** Largest site file (a phone's config) that can be uploaded on the Network devices page. */
    maxSiteFileMB: z.number().int().min(1).max(1024).default(16),
    maxPerClient: z.number().int().min(1).max(64).default(4),
    maxTransfers: z.number().int().min(1).max(1024).default(64),
    /** Error replies per second to one address: a forged request cannot make this a reflector. */
    errorsPerSecond: z.number().int().min(1).max(1000).default(5),
    /** Transfers kept in the log (DATA_DIR/tftp-transfers.json). */
    keepTransfers: z.number().int().min(10).max(100_000).default(2000),
  })
  .strict();
