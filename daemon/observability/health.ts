/**
 * Health problems: every service that can go wrong in a way a technician should know about
 * reports it through one small interface, and one registry gathers them for /healthz and the
 * dashboard. An empty list means all is well.
 */
import type { Logger } from '../log.js';

export interface Problem {
  /** The service that reports it: catalog, cache, discovery, inventory, jobs. */
  source: string;
  /** One sentence a technician can act on. */
  message: string;
  /** The job whose page tells the whole story (its full error and log), when one does. */
  jobId?: string;
  /** The deployment the problem is about (a halted one), when it is about one. */
  deploymentId?: string;
}

export interface HealthReporter {
  readonly name: string;
  health(): Problem[] | Promise<Problem[]>;
}

export class HealthRegistry {
  private readonly reporters: HealthReporter[] = [];

  constructor(private readonly log: Logger) {}

  add(reporter: HealthReporter): void {
    this.reporters.push(reporter);
  }

  /** Every reporter's problems; one that fails to answer is itself a problem, not an outage. */
  async problems(): Promise<Problem[]> {
    const lists = await Promise.all(
      this.reporters.map(async (r): Promise<Problem[]> => {
        try {
          return await r.health();
        } catch (err) {
          this.log.error('health check failed', { source: r.name, err });
          return [{ source: r.name, message: `health check failed: ${(err as Error).message}` }];
        }
      }),
    );
    return lists.flat();
  }
}
