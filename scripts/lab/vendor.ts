/**
 * The lab's vendor: its namespace behind the simulated WAN (wan.ts), the signed repository and
 * feed (vendor-repo.ts) and the server that publishes them (vendor-server.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDetached } from './background.js';
import type { LabPlan } from './spec.js';
import { buildVendorRepo, type VendorRepo } from './vendor-repo.js';
import { buildVendorRpmRepo } from './vendor-rpm.js';
import { buildWan } from './wan.js';

const serverPath = fileURLToPath(new URL('./vendor-server.ts', import.meta.url));
const repoFile = (plan: LabPlan): string => join(plan.workDir, 'vendor', 'repo.json');

/** Build the repository, the WAN link and start the server; the vendor namespace must exist. */
export const startVendor = async (plan: LabPlan): Promise<VendorRepo> => {
  const v = plan.vendor;
  if (!v) throw new Error(`lab ${plan.name} has no vendor`);
  const built = buildVendorRepo(join(plan.workDir, 'vendor'), v.payloadBytes);
  const rpmHosts = plan.hosts.some((h) => h.managed?.rpm);
  const repo: VendorRepo = rpmHosts
    ? { ...built, rpm: buildVendorRpmRepo(join(plan.workDir, 'vendor-rpm'), v.payloadBytes) }
    : built;
  writeFileSync(repoFile(plan), `${JSON.stringify(repo, null, 1)}\n`);
  await buildWan(plan.applianceNs, v);
  const config = {
    root: repo.root,
    feedFile: repo.feedFile,
    ...(repo.rpm ? { rpmRoot: repo.rpm.root, osvFile: repo.rpm.osvFile } : {}),
    address: v.ip,
    port: v.port,
    latencyMs: v.latencyMs,
  };
  await startDetached(v.ns, serverPath, config, `lab vendor of ${plan.name}`);
  return repo;
};

/** What the vendor publishes (package sizes, codename...), for tests and benchmarks. */
export const readVendorRepo = (plan: LabPlan): VendorRepo =>
  JSON.parse(readFileSync(repoFile(plan), 'utf8')) as VendorRepo;
