/**
 * Ansible's side of bench/deploy: ansible-playbook run inside the appliance namespace (where the
 * daemon runs), forks = the number of hosts, the daemon's own SSH key, a known_hosts built from
 * the lab hosts' host keys (no blind trust), pipelining on and no fact gathering: the quickest
 * honest setup of the peer. One task: the `apt` module with update_cache and the fix set pinned
 * `name=version`, only_upgrade, the same dpkg conffile options and lock timeout Patch Depot uses.
 * Without a cache: the appliance namespace only routes, so every host fetches the indexes and the
 * .debs from the vendor across the WAN itself. Timed from start to exit of ansible-playbook.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lab } from '../../scripts/lab/lab.js';
import { hostDir } from '../../scripts/lab/managed-host.js';
import { checkHosts, FIX_SET, type ToolRun, wanDelta } from './site.js';

/** Ansible's files for this lab under `dir`; the path of ansible.cfg. */
const writeAnsibleFiles = async (lab: Lab, dir: string, privateKey: string): Promise<string> => {
  await mkdir(join(dir, 'home'), { recursive: true });
  const knownHosts = lab.hosts
    .map((h) => `${h.ip} ${readFileSync(join(hostDir(lab, h), 'ssh', 'host_key.pub'), 'utf8').trim()}\n`)
    .join('');
  await writeFile(join(dir, 'known_hosts'), knownHosts);
  const inventory = [
    '[site]',
    ...lab.hosts.map((h) => `${h.label} ansible_host=${h.ip}`),
    '[site:vars]',
    'ansible_user=root',
    `ansible_ssh_private_key_file=${privateKey}`,
    'ansible_python_interpreter=/usr/bin/python3',
    '',
  ].join('\n');
  await writeFile(join(dir, 'hosts.ini'), inventory);
  const config = [
    '[defaults]',
    `inventory = ${join(dir, 'hosts.ini')}`,
    `forks = ${lab.hosts.length}`,
    'host_key_checking = True',
    'gathering = explicit',
    'retry_files_enabled = False',
    'nocows = 1',
    `local_tmp = ${join(dir, 'home', 'tmp')}`,
    '[ssh_connection]',
    'pipelining = True',
    `ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o BatchMode=yes -o UserKnownHostsFile=${join(dir, 'known_hosts')}`,
    `control_path_dir = ${join(dir, 'home', 'cp')}`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'ansible.cfg'), config);
  // JSON is YAML: the playbook needs no YAML library here.
  const playbook = [
    {
      name: 'the fix set',
      hosts: 'site',
      gather_facts: false,
      tasks: [
        {
          name: 'upgrade to the fixed versions',
          'ansible.builtin.apt': {
            name: FIX_SET.map((p) => `${p.name}=${p.fixedVersion}`),
            state: 'present',
            only_upgrade: true,
            update_cache: true,
            lock_timeout: 300,
            dpkg_options: 'force-confdef,force-confold',
          },
          environment: { DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' },
        },
      ],
    },
  ];
  await writeFile(join(dir, 'playbook.yml'), `${JSON.stringify(playbook, null, 1)}\n`);
  return join(dir, 'ansible.cfg');
};

/** Run ansible-playbook in the appliance namespace; its exit code and output. */
const playbook = (lab: Lab, dir: string, config: string): Promise<{ code: number; output: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', lab.applianceNs, 'ansible-playbook', 'playbook.yml'], {
      cwd: dir,
      env: { ...process.env, ANSIBLE_CONFIG: config, HOME: join(dir, 'home'), ANSIBLE_NOCOLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (b: Buffer) => {
      output = (output + b.toString()).slice(-1 << 20);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, output }));
  });

/** PLAY RECAP as counts of hosts: changed, unchanged (ok), failed, unreachable. */
export const recapTally = (output: string): Record<string, number> => {
  const out: Record<string, number> = {};
  const recap = output.slice(output.lastIndexOf('PLAY RECAP'));
  for (const m of recap.matchAll(
    /^\S+\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm,
  )) {
    const [ok, changed, unreachable, failed] = m.slice(1).map(Number) as [number, number, number, number];
    const key = unreachable ? 'unreachable' : failed ? 'failed' : changed ? 'changed' : ok ? 'ok' : 'skipped';
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
};

/** The whole Ansible run on `lab` with `privateKey` (the daemon's key, authorised on every host). */
export const runAnsible = async (lab: Lab, dir: string, privateKey: string): Promise<ToolRun> => {
  await lab.routeSiteToVendor();
  const config = await writeAnsibleFiles(lab, dir, privateKey);
  const wan0 = await lab.wanCounters();
  const t0 = performance.now();
  const { code, output } = await playbook(lab, dir, config);
  const wallMs = performance.now() - t0;
  const wan = wanDelta(wan0, await lab.wanCounters());
  await writeFile(join(dir, 'ansible-output.txt'), output);
  if (code !== 0)
    console.log(`ansible-playbook exited with ${code}; its last words:\n${output.slice(-3000)}`);
  const { patched, wrong } = await checkHosts(lab);
  return { wallMs, wan, patched, wrong, reported: recapTally(output) };
};
