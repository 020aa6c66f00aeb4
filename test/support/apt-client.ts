/**
 * A real apt-get with its own state, cache and sources under a temp dir, so tests can run
 * `update` and `download` against a cache without touching the machine's apt setup.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type AptGet = (args: string[], cwd?: string) => Promise<{ stdout: string; stderr: string }>;

/** Why apt-get cannot run here, or false. */
export const aptMissing = async (): Promise<string | false> => {
  try {
    await run('apt-get', ['--version']);
    return false;
  } catch {
    return 'apt-get is not installed';
  }
};

/** apt-get over `sourcesList` with everything private to `dir`; `extra` are more `-o` settings. */
export const aptClient = async (dir: string, sourcesList: string, extra: string[] = []): Promise<AptGet> => {
  for (const sub of ['state/lists/partial', 'cache/archives/partial', 'etc/parts', 'etc/prefs'])
    await mkdir(join(dir, sub), { recursive: true });
  await writeFile(join(dir, 'etc/sources.list'), sourcesList);
  const settings = [
    `Dir::State=${join(dir, 'state')}`,
    `Dir::Cache=${join(dir, 'cache')}`,
    `Dir::Etc::SourceList=${join(dir, 'etc/sources.list')}`,
    `Dir::Etc::SourceParts=${join(dir, 'etc/parts')}`,
    `Dir::Etc::Parts=${join(dir, 'etc/parts')}`,
    `Dir::Etc::PreferencesParts=${join(dir, 'etc/prefs')}`,
    'Acquire::Languages=none',
    'APT::Sandbox::User=root',
    'Debug::NoLocking=1',
    ...extra,
  ];
  const opts = [...settings.flatMap((s) => ['-o', s]), '-q'];
  return (args, cwd = dir) => run('apt-get', [...opts, ...args], { cwd, maxBuffer: 16 << 20 });
};
