/**
 * What a host has installed: the contract between the collectors (SSH, agent, offline file) and
 * assessment. One HostInventory per host, stored in its own file. Collectors produce it; the
 * parse-*.ts files turn raw command output into its parts; assess/ only reads it.
 */
import { z } from 'zod';
import { ecosystems, MAX_PACKAGE_TEXT, osReleaseSchema } from '../platform.js';

export const installedPackageSchema = z
  .object({
    /** Binary package name as the package manager knows it (`libssl3`, `openssl-libs`). */
    name: z.string().min(1).max(MAX_PACKAGE_TEXT),
    /** Full version string in the ecosystem's own syntax (`1:2.3-4+deb12u1`, `3.0.7-27.el9`). */
    version: z.string().min(1).max(MAX_PACKAGE_TEXT),
    /** `amd64`, `x86_64`, `noarch`, `all`... when the collector knows it. */
    arch: z.string().min(1).max(64).optional(),
    /**
     * Source package the binary was built from. Security trackers (Debian, Ubuntu) key their
     * fixes on source names, so assessment maps binary -> source with this. Absent = same as name.
     */
    source: z.string().min(1).max(MAX_PACKAGE_TEXT).optional(),
    /** Source version when it differs from the binary version (binNMUs, `-dbgsym` rebuilds). */
    sourceVersion: z.string().min(1).max(MAX_PACKAGE_TEXT).optional(),
  })
  .strict();
export type InstalledPackage = z.infer<typeof installedPackageSchema>;

export const hostInventorySchema = z
  .object({
    /** Asset id of the host in the store. */
    hostId: z.string().min(1).max(128),
    /** ISO-8601 UTC time the collection finished. */
    collectedAt: z.iso.datetime(),
    os: osReleaseSchema,
    /** `uname -r` of the running kernel. */
    kernel: z.string().max(256),
    packages: z.array(installedPackageSchema),
    ecosystem: z.enum(ecosystems),
    /** Debian's /var/run/reboot-required, `needs-restarting -r` on rpm systems, etc. */
    rebootRequired: z.boolean(),
    /**
     * The name the machine gives itself (`uname -n`), when it gives a usable one: what pages call
     * it when neither DNS nor mDNS names it. Absent in records from before it was collected.
     */
    hostname: z.string().min(1).max(253).optional(),
  })
  .strict();
export type HostInventory = z.infer<typeof hostInventorySchema>;
