/**
 * The HostExecutor for Debian-family hosts: apt-get and dpkg over SSH, as root or through
 * `sudo -n` (package-executor.ts runs the sessions). Nothing changes the host permanently except
 * install itself, recover, reboot, and `onboard`, which an admin calls explicitly.
 */
import { DEBIAN_ROOT_PROGRAMS, type RootOptions } from '../../remote/sudo.js';
import type { StepRecord } from '../ports.js';
import { StepFailure } from '../ports.js';
import { APT_ENV, type AptSettings, aptChecks, aptCommands, onboardFile } from './apt-commands.js';
import { classifyAptFailure, parseAptSimulation, parseDpkgAudit } from './apt-output.js';
import { type ExecutorOptions, freeBytesOf, PackageExecutor, type PackageTool } from './package-executor.js';

export interface AptExecutorOptions extends ExecutorOptions {
  settings: AptSettings;
  /** Refresh the package lists (through the cache) in preflight; default true. */
  refreshLists?: boolean | undefined;
}

/** The default name of the file "onboard this host" writes under /etc/apt/apt.conf.d. */
export const ONBOARD_NAME = '90patch-depot';

/** apt as a PackageTool: `dpkg --audit` and df in preflight, `apt-get -s` as the dry run. */
export const aptTool = (settings: AptSettings, refreshLists = true): PackageTool => ({
  programs: DEBIAN_ROOT_PROGRAMS,
  env: APT_ENV,
  async preflight(steps) {
    const audit = await steps.plain('preflight: dpkg --audit', aptChecks.audit);
    if (audit.exitCode !== 0) throw classifyAptFailure(audit);
    const df = await steps.plain('preflight: free space', aptChecks.freeSpace);
    const freeBytes = freeBytesOf(df);
    const records = [audit, df];
    if (refreshLists)
      records.push(await steps.root('preflight: apt-get update', aptCommands.update(settings)));
    return { steps: records, freeBytes, broken: parseDpkgAudit(audit.stdout) };
  },
  simulate: (change) => aptCommands.simulate(change.upgrades, settings),
  parseActions: parseAptSimulation,
  install: (change) => aptCommands.install(change.upgrades, settings),
  recover: aptCommands.recover,
  reboot: aptCommands.reboot,
  classify: classifyAptFailure,
});

export class AptExecutor extends PackageExecutor {
  constructor(private readonly aptOpts: AptExecutorOptions) {
    super(aptOpts, aptTool(aptOpts.settings, aptOpts.refreshLists ?? true));
  }

  /**
   * "Onboard this host": write /etc/apt/apt.conf.d/<name> so every apt run on the host fetches
   * through the cache. Only on an admin's explicit request; a sudo login needs its own rule for
   * exactly this file, which the error gives.
   */
  onboard(name = ONBOARD_NAME, signal?: AbortSignal): Promise<StepRecord> {
    const { proxyUrl } = this.aptOpts.settings;
    if (proxyUrl === undefined)
      throw new StepFailure('permanent', 'onboard: no cache proxy URL for this host');
    const file = onboardFile(name, proxyUrl);
    const root: RootOptions = {
      username: this.opts.username,
      label: this.opts.label,
      programs: ['/usr/bin/tee'],
      grant: [`/usr/bin/tee ${file.path}`],
    };
    return this.session(
      (steps) =>
        steps
          .root('onboard', ['/usr/bin/tee', file.path], { input: file.content }, signal)
          .then((r) => this.succeeded(r)),
      signal,
      root,
    );
  }
}
