/**
 * Peak resident memory of a server process and everything it forks (in.tftpd serves each
 * transfer from a child), sampled from /proc while it runs: the largest VmHWM of any one process
 * and the largest sum of VmRSS over the tree at one moment.
 */
import { readFileSync } from 'node:fs';

const statusKb = (pid: number, field: 'VmHWM' | 'VmRSS'): number => {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // gone between listing and reading
  }
};

const tree = (pid: number): number[] => {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    // exited
  }
  return [pid, ...children.flatMap(tree)];
};

export interface PeakRssKb {
  /** Largest VmHWM of a single process in the tree. */
  process: number;
  /** Largest sum of VmRSS over the tree at one sample. */
  tree: number;
}

export class PeakRss {
  private readonly peak: PeakRssKb = { process: 0, tree: 0 };
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 20,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  sample(): void {
    let sum = 0;
    for (const pid of tree(this.pid)) {
      this.peak.process = Math.max(this.peak.process, statusKb(pid, 'VmHWM'));
      sum += statusKb(pid, 'VmRSS');
    }
    this.peak.tree = Math.max(this.peak.tree, sum);
  }

  /** Take a last sample (call before the process exits) and stop sampling. */
  finish(): PeakRssKb {
    this.sample();
    clearInterval(this.timer);
    return { ...this.peak };
  }
}
