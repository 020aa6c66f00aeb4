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

/** UDP packets of any kind. */
export const ANY_UDP = 'meta l4proto udp';
/**
 * TFTP DATA and ACK packets past the option handshake (opcode 3 or 4, block ≠ 0). atftp aborts
 * when an OACK is sent again because its ACK 0 was lost, so a loss test that is about the
 * transfer itself leaves the handshake alone.
 */
export const TFTP_BLOCKS = 'meta l4proto udp @th,64,16 { 3, 4 } @th,80,16 != 0';

/**
 * Drop `percent` of the packets `match` selects, in both directions on the lab host's link (0
 * removes the rule): the lab's packet loss, since this kernel has no `tc netem`. The drop sits on
 * the device (netdev ingress and egress of eth0), as a lossy wire would, not in the inet output
 * hook: a packet dropped there makes the sender's sendto() fail with EPERM, which no real network
 * does, and curl's TFTP client ends the transfer on it at once (error 55, CURLE_SEND_ERROR; curl
 * lib/tftp.c, tftp_rx: `if(sbytes < 0) { failf(...); return CURLE_SEND_ERROR; }`).
 */
export const setUdpLoss = async (
  ns: string,
  percent: number,
  match = ANY_UDP,
  device = 'eth0',
): Promise<void> => {
  const reset = 'table netdev pdloss\ndelete table netdev pdloss\n';
  if (percent <= 0) {
    await applyFilter(ns, reset);
    return;
  }
  const drop = `${match} numgen random mod 100 < ${Math.round(percent)} drop`;
  const chain = (hook: string) =>
    `  chain ${hook} { type filter hook ${hook} device ${device} priority 0; policy accept; ${drop}; }`;
  await applyFilter(ns, `${reset}table netdev pdloss {\n${chain('ingress')}\n${chain('egress')}\n}\n`);
};
