/**
 * What the demo (`scripts/quickstart --lab`) prints once the site is up: where to open the UI and
 * the steps of the whole life cycle, in the order a technician takes them.
 */
export interface DemoSteps {
  tag: string;
  port: number;
  dataDir: string;
  subnet: string;
  /** "pilot1 10.213.93.18, ...": which address is which managed machine. */
  managedAt: string;
  feedUrl: string;
  /** The machines of ring 0. */
  pilots: string[];
  configFile: string;
}

export const demoSteps = (s: DemoSteps): string => `
${s.tag} open http://localhost:${s.port}/ and set the admin password, with the setup code from
  the log above (or: patch-depot setup-code --data-dir ${s.dataDir}); a data directory set up
  before asks you to sign in instead. Then the whole life cycle, offline:
  1. Settings → Scopes: confirm the suggested scope ${s.subnet}; Assets → Scan now.
  2. Each managed machine (${s.managedAt}): open its address on Assets; under SSH access give
     user root, port 22 → Manage this machine (its host key is pinned on first use). Then
     Inventory → Collect all hosts now.
  3. Patches → Feeds: the daemon syncs the vendor's feed ${s.feedUrl} (behind a slow WAN
     link) by itself, at its first start on a data directory and then on schedule (the jobs are
     on Activity); Sync now fetches it at once.
  4. Patches: tick an advisory → Deploy selected → Create draft → Approve → Run now. Ring 0 is
     ${s.pilots.join(', ')}; the rest follow once a pilot is verified. Packages come through
     this appliance's cache (Cache page: bytes saved); "broken" fails its postinst and halts ring 1.
  Settings: ${s.configFile}. Ctrl-C stops everything.
`;
