/** Builds the presence service with the real adapters (this machine's interfaces, UDP 5353). */

import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import { OsInterfaces, ownAddresses } from '../discovery/local-interfaces.js';
import type { ScopeTargets } from '../discovery/scope.js';
import { systemClock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { type Offered, PresenceService } from './presence-service.js';
import { UdpMdnsTransport } from './udp-transport.js';

/** The web UI's and the cache proxy's DNS-SD types (`_apt_proxy._tcp` is what squid-deb-proxy-client browses for). */
export const WEB_TYPE = '_patch-depot._tcp';
export const APT_PROXY_TYPE = '_apt_proxy._tcp';

export interface PresenceSources {
  scopes: () => readonly ScopeTargets[];
  /** The listening sockets, once started (undefined: not listening, nothing to announce). */
  web: () => AddressInfo | undefined;
  proxy: () => AddressInfo | undefined;
}

const offered = (sources: PresenceSources): Offered[] => {
  const out: Offered[] = [];
  const web = sources.web();
  if (web) out.push({ type: WEB_TYPE, port: web.port, txt: ['path=/'], listenAddress: web.address });
  const proxy = sources.proxy();
  if (proxy) out.push({ type: APT_PROXY_TYPE, port: proxy.port, txt: [], listenAddress: proxy.address });
  return out;
};

export const createPresenceService = (
  config: Config,
  sources: PresenceSources,
  log: Logger,
): PresenceService => {
  const interfaces = new OsInterfaces();
  return new PresenceService({
    advertise: config.mdns.advertise,
    hostname: config.mdns.hostname,
    scopes: sources.scopes,
    links: () => interfaces.connectedSubnets().map(({ mac: _mac, ...link }) => link),
    ownAddresses,
    services: () => offered(sources),
    transport: (link) => new UdpMdnsTransport(link.address, log),
    clock: systemClock,
    log,
  });
};
