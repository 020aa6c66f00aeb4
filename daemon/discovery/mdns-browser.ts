/**
 * mDNS/DNS-SD browsing with bonjour-service: the services meta-query (every type a device
 * announces) plus explicit queries for common types (some devices ignore the meta-query), for a
 * fixed window. Only listens and asks; it never publishes anything.
 */
import { Bonjour, type Service } from 'bonjour-service';
import { COMMON_TYPES } from './mdns-types.js';
import type { MdnsBrowser, MdnsRecord } from './ports.js';

const txtToStrings = (txt: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (!txt || typeof txt !== 'object') return out;
  for (const [k, v] of Object.entries(txt as Record<string, unknown>)) {
    out[k.slice(0, 64)] = (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)).slice(0, 256);
  }
  return out;
};

export const recordsOf = (service: Service): MdnsRecord[] => {
  const addresses = (service.addresses ?? []).filter((a) => a.includes('.'));
  if (addresses.length === 0 && service.referer?.family === 'IPv4') addresses.push(service.referer.address);
  const hostname = service.host ? service.host.replace(/\.local\.?$/i, '').toLowerCase() : undefined;
  return addresses.map((address) => ({
    address,
    hostname,
    service: {
      name: service.name,
      type: service.type,
      protocol: service.protocol ?? 'tcp',
      port: service.port,
      txt: txtToStrings(service.txt),
    },
  }));
};

export class BonjourMdnsBrowser implements MdnsBrowser {
  browse(windowMs: number, signal?: AbortSignal): Promise<MdnsRecord[]> {
    return new Promise((resolve) => {
      const records: MdnsRecord[] = [];
      let bonjour: Bonjour | undefined;
      try {
        // Socket errors (no multicast route, port in use) just mean no mDNS answers this time.
        bonjour = new Bonjour({}, () => {});
      } catch {
        resolve([]);
        return;
      }
      const onUp = (s: Service): void => {
        records.push(...recordsOf(s));
      };
      const browsers = [
        bonjour.find(null, onUp),
        ...COMMON_TYPES.map((type) => bonjour!.find({ type }, onUp)),
      ];
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        for (const b of browsers) b.stop();
        bonjour?.destroy();
        resolve(records);
      };
      const timer = setTimeout(finish, windowMs);
      signal?.addEventListener('abort', finish, { once: true });
    });
  }
}
