/**
 * nftables inside one lab host: silent hosts drop ICMP/TCP/UDP (they still answer ARP, like a
 * firewalled PC), and watched hosts count every packet addressed to them plus every ARP request
 * asking for them: the evidence that a scan never touched an excluded address.
 */
import { spawnSync } from 'node:child_process';
import { run } from './netns.js';

export const nftAvailable = (): boolean => spawnSync('nft', ['--version'], { stdio: 'ignore' }).status === 0;

export const filterRuleset = (ip: string, opts: { silent: boolean; count: boolean }): string => {
  const lines = ['table inet pdlab {', '  counter probes { }', '  chain input {'];
  lines.push('    type filter hook input priority -10; policy accept;');
  if (opts.count) lines.push(`    ip daddr ${ip} counter name "probes"`);
  if (opts.silent) {
    lines.push('    meta l4proto { icmp, tcp, udp } drop');
  }
  lines.push('  }', '}');
  if (opts.count) {
    lines.push(
      'table arp pdlab {',
      '  counter arprequests { }',
      '  chain input {',
      '    type filter hook input priority 0; policy accept;',
      `    arp operation request arp daddr ip ${ip} counter name "arprequests"`,
      '  }',
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
};

export const applyFilter = async (ns: string, ruleset: string): Promise<void> => {
  await run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], ruleset);
};

export interface PacketCounts {
  /** IPv4 packets addressed to the host (ICMP, TCP, UDP...). */
  ip: number;
  /** ARP requests asking for the host's address. */
  arpRequests: number;
}

export const readCounts = async (ns: string): Promise<PacketCounts> => {
  const out = await run('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'counters']);
  const doc = JSON.parse(out) as { nftables: Array<{ counter?: { name: string; packets: number } }> };
  const get = (name: string): number =>
    doc.nftables.find((e) => e.counter?.name === name)?.counter?.packets ?? 0;
  return { ip: get('probes'), arpRequests: get('arprequests') };
};
