/**
 * The Debian mirror this machine is configured with, read from its apt sources (deb822 *.sources
 * or one-line *.list files), so no mirror host name is ever written into the repository.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Mirror {
  uri: string;
  suite: string;
  component: string;
  signedBy: string | undefined;
}

export const systemMirror = (
  dir = '/etc/apt/sources.list.d',
  extra = ['/etc/apt/sources.list'],
): Mirror | undefined => {
  let names: string[] = [];
  try {
    names = readdirSync(dir).map((n) => join(dir, n));
  } catch {
    // no directory
  }
  for (const file of [...names, ...extra]) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (k: string) => new RegExp(`^${k}:\\s*(.+)$`, 'mi').exec(stanza)?.[1]?.trim();
        if (!/\bdeb\b/.test(field('Types') ?? '') || /^Enabled:\s*no/im.test(stanza)) continue;
        const uri = field('URIs')
          ?.split(/\s+/)
          .find((u) => u.startsWith('http://'));
        const suite = field('Suites')?.split(/\s+/)[0];
        if (uri && suite && !suite.includes('security'))
          return { uri: uri.replace(/\/$/, ''), suite, component: 'main', signedBy: field('Signed-By') };
      }
    } else if (file.endsWith('.list')) {
      for (const line of text.split('\n')) {
        const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(http:\/\/\S+)\s+(\S+)\s+(\S+)/.exec(line.trim());
        if (m && !m[3]!.includes('security')) {
          const signedBy = /signed-by=(\S+)/.exec(m[1] ?? '')?.[1];
          return { uri: m[2]!.replace(/\/$/, ''), suite: m[3]!, component: m[4]!, signedBy };
        }
      }
    }
  }
  return undefined;
};
