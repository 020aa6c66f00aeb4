/**
 * A halted deployment needs a technician: the dashboard's "Needs attention" names it (and why it
 * halted), not only the failed host job inside it, whose page does not say how to go on.
 */
import type { Problem } from '../observability/health.js';
import type { Deployment } from './deployment.js';

export const haltedDeployments = (
  list: readonly Deployment[],
  label: (hostId: string) => string | undefined,
): Problem[] =>
  list
    .filter((d) => d.state === 'halted')
    .map((d) => {
      // The halt note names hosts by id; a technician knows them by the directory's label.
      const note = d.hosts.reduce(
        (t, h) => t.replaceAll(`${h.hostId}: `, `${label(h.hostId) ?? h.hostId}: `),
        d.note ?? '',
      );
      return {
        source: 'deploy',
        message: `deployment “${d.title}” is halted${note ? `: ${note}` : ''}. Fix the failed hosts and retry them, or cancel it.`,
        deploymentId: d.id,
      };
    });
