/**
 * A deployment's words about its hosts: halt notes naming hosts as the page does, and what a host
 * that has run nothing waits for.
 */
import type { Deployment, HostState } from '../../daemon/deploy/deployment.js';

/**
 * A halt's note as stored names each host by its id (`h-4beb81773b: install: ...`); the page
 * names them as its host table does (`10.0.0.20: install: ...`).
 */
export const namedHosts = (
  text: string,
  hosts: readonly Pick<HostState, 'hostId'>[],
  label: (id: string) => string,
): string => hosts.reduce((t, h) => t.replaceAll(`${h.hostId}: `, `${label(h.hostId)}: `), text);

/** A host's log page has something to show: a step ran, a dry run or a reason was recorded. */
export const hasLog = (h: HostState): boolean =>
  h.steps.length > 0 || h.dryRun !== undefined || h.reason !== undefined || h.failures.length > 0;

/** What a host that has run nothing yet waits for, in words. */
export const notStartedWhy = (
  d: Pick<Deployment, 'state' | 'rings'>,
  h: Pick<HostState, 'outcome' | 'waiting' | 'ring' | 'phase'>,
): string => {
  if (h.outcome) return `it ended ${h.outcome} before any step ran`;
  if (h.waiting) return h.waiting;
  if (d.state === 'draft') return 'the deployment has not been started';
  if (d.state !== 'running') return `the deployment is ${d.state}`;
  const ring = d.rings[h.ring];
  if (ring && ring.state === 'pending') {
    return h.ring === 0
      ? 'its ring starts next'
      : `ring ${h.ring} starts once ring ${h.ring - 1} passes its gate`;
  }
  return h.phase === 'pending' ? 'its turn in the ring has not come' : `it is ${h.phase}`;
};
