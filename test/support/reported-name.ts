/**
 * What pages call this machine when it is inventoried over SSH on loopback or in a network
 * namespace (same UTS namespace): the name it reports (`uname -n`), unless that is localhost,
 * which the collector drops (then its address).
 */
import { hostname } from 'node:os';

export const reportedName = (address: string): string =>
  /^localhost(\.localdomain)?$/i.test(hostname()) ? address : hostname();
