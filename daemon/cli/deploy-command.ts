/**
 * `patch-depot deploy`: its subcommands as the parser, help and usage messages see them. The work
 * is in daemon/deploy/cli.ts, imported only when one runs.
 */
import type { CommandContext } from '../cli-context.js';
import { type CommandSpec, json } from './spec.js';

const viaDeploy = async (ctx: CommandContext) => (await import('../deploy/cli.js')).deployCommand(ctx);

export const deploy: CommandSpec = {
  summary:
    'deployments: plan (preview one), status (list them or show one), run (start one, in windows or now)',
  subcommands: {
    plan: {
      summary: 'the plan from the last synced feeds and collected inventories; changes nothing',
      run: viaDeploy,
      usesDataDir: true,
      needsState: true,
      anyOf: ['advisory', 'package', 'host'],
      options: {
        advisory: { type: 'string', arg: 'ID', multiple: true, help: 'an advisory or CVE to fix' },
        package: { type: 'string', arg: 'NAME', multiple: true, help: 'a package to bring up to date' },
        host: {
          type: 'string',
          arg: 'ID|ADDR',
          multiple: true,
          help: 'only this host',
          default: 'every host',
        },
        'allow-remove': {
          type: 'string',
          arg: 'NAME',
          multiple: true,
          help: 'a package the upgrade may remove',
        },
        json,
      },
      examples: [
        'patch-depot deploy plan --advisory DSA-5880-1',
        'patch-depot deploy plan --host 192.168.1.20 --json',
      ],
    },
    status: {
      summary: 'every deployment, or one with its rings and hosts',
      meantBy: ['list', 'ls', 'show', 'get', 'info'],
      run: viaDeploy,
      usesDataDir: true,
      needsState: true,
      args: [{ name: 'ID', help: 'a deployment id, as the list shows it' }],
      options: { json },
      examples: ['patch-depot deploy status', 'patch-depot deploy status dep-20261203T140200-1a2b3c'],
    },
    run: {
      summary: 'start (or resume) a draft or paused deployment and follow it until it rests',
      run: viaDeploy,
      usesDataDir: true,
      needsState: true,
      args: [{ name: 'ID', required: true, help: 'the deployment to start (see deploy status)' }],
      options: {
        now: { type: 'boolean', help: 'ignore the maintenance windows', default: 'wait for a window' },
      },
      examples: ['patch-depot deploy run dep-20261203T140200-1a2b3c --now'],
    },
  },
};
