/**
 * The site both tools patch, built fresh for each so neither inherits the other's apt lists or
 * installed packages: N managed lab hosts holding the old versions of the lab vendor's packages,
 * the vendor behind the simulated WAN, and the fix set (every advisory the vendor publishes: each
 * package's fixed version). Afterwards each host's own dpkg says whether it runs the fix set.
 */
import { randomBytes } from 'node:crypto';
import { createLab, type Lab } from '../../scripts/lab/lab.js';
import { VENDOR_PACKAGES } from '../../scripts/lab/vendor-repo.js';
import type { WanCounters } from '../../scripts/lab/wan.js';

/**
 * Poll `cond` every `everyMs` until it holds, or fail naming `what`. Slower than the tests'
 * waitFor on purpose: polling must not take the CPU the measured tools need.
 */
export const poll = async (
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms: number,
  everyMs = 250,
): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
};

export interface SiteOptions {
  hosts: number;
  /** Incompressible bytes in each package (the .deb is about this size). */
  payloadBytes: number;
  rateKbit: number;
  latencyMs: number;
}

/** The fix set: every vendor advisory, so every package goes to its fixed version. */
export const FIX_SET = VENDOR_PACKAGES;

/** Lab names for this benchmark: `pdb` and 4 hex digits (a lab name is at most 12 characters). */
export const benchLabName = (): string => `pdb${randomBytes(2).toString('hex')}`;

export const hostLabels = (n: number): string[] => Array.from({ length: n }, (_, i) => `h${i + 1}`);

export const createSite = (opts: SiteOptions, authorizedKeys: string[]): Promise<Lab> =>
  createLab({
    name: benchLabName(),
    vendor: { payloadBytes: opts.payloadBytes, rateKbit: opts.rateKbit, latencyMs: opts.latencyMs },
    authorizedKeys,
    hosts: hostLabels(opts.hosts).map((label) => ({ kind: 'ping' as const, label, managed: true })),
  });

/** Bytes of the fix set's .debs: what one copy of the fix set weighs. */
export const fixSetBytes = (lab: Lab): number => {
  const { debSizes } = lab.vendorInfo().repo;
  return FIX_SET.reduce((sum, p) => sum + (debSizes[p.name] ?? 0), 0);
};

export interface WanBytes {
  /** Vendor to site (responses). */
  down: number;
  /** Site to vendor (requests, ACKs). */
  up: number;
}

export const wanDelta = (before: WanCounters, after: WanCounters): WanBytes => ({
  down: after.txBytes - before.txBytes,
  up: after.rxBytes - before.rxBytes,
});

/** The fix set's packages and their versions as the host's own dpkg shows them. */
const versionsOn = async (lab: Lab, label: string): Promise<Map<string, string>> => {
  const names = FIX_SET.map((p) => p.name);
  const out = await lab
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
    .execInHost(label, ['dpkg-query', '-W', '-f', '${Package} ${Version}\n', ...names])
    .catch(() => '');
  return new Map(out.split('\n').map((l) => l.split(' ') as [string, string]));
};

const shown = (have: Map<string, string>, names: readonly string[]): string =>
  names.map((n) => `${n} ${have.get(n) ?? '?'}`).join(', ');

/** Hosts whose dpkg shows every package of the fix set at its fixed version, and what the others show. */
export const checkHosts = async (lab: Lab): Promise<{ patched: number; wrong: string[] }> => {
  const wrong: string[] = [];
  await Promise.all(
    lab.hosts.map(async (h) => {
      const have = await versionsOn(lab, h.label);
      const off = FIX_SET.filter((p) => have.get(p.name) !== p.fixedVersion).map((p) => p.name);
      if (off.length) wrong.push(`${h.label}: ${shown(have, off)}`);
    }),
  );
  return { patched: lab.hosts.length - wrong.length, wrong };
};

/** Every host runs the old versions before a tool starts (a fresh site), or the run proves nothing. */
export const assertUnpatched = async (lab: Lab): Promise<void> => {
  for (const h of lab.hosts) {
    const have = await versionsOn(lab, h.label);
    if (FIX_SET.some((p) => have.get(p.name) !== p.oldVersion))
      throw new Error(
        `${h.label} should start at the old versions, has ${shown(
          have,
          FIX_SET.map((p) => p.name),
        )}`,
      );
  }
};

/** What one tool's run measured. */
export interface ToolRun {
  /** From the tool being told to deploy to every host done. */
  wallMs: number;
  wan: WanBytes;
  /** Hosts whose own dpkg shows the whole fix set afterwards. */
  patched: number;
  /** Hosts that do not, with what they show. */
  wrong: string[];
  /** What the tool itself reported per host (outcomes, or Ansible's recap). */
  reported: Record<string, number>;
}
