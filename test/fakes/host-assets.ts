/**
 * An in-memory AssetSource for the host directory's unit tests: assets set by the test, and
 * `scan()` reporting changed ones to listeners as discovery does after a scan. The real one
 * (discovery's asset store and scan listener) is used in the page and lab tests.
 */
import type { Asset } from '../../daemon/discovery/asset.js';
import type { AssetSource } from '../../daemon/hosts/ports.js';
import { sampleAsset } from '../sample-asset.js';

/** An asset as discovery records one: id from the MAC (else the address), seen now by ARP. */
export const asset = (over: Partial<Asset> & Pick<Asset, 'ip'>): Asset =>
  sampleAsset({
    id: over.mac ? `m-${over.mac.replaceAll(':', '')}` : `ip-${over.ip}`,
    ipHistory: [{ ip: over.ip, firstSeen: '2026-12-01T10:00:00.000Z', lastSeen: '2026-12-01T10:00:00.000Z' }],
    seenBy: ['arp'],
    firstSeen: '2026-12-01T10:00:00.000Z',
    lastSeen: '2026-12-01T10:00:00.000Z',
    isNew: true,
    ...over,
  });

export class MemoryAssets implements AssetSource {
  readonly assets = new Map<string, Asset>();
  private readonly listeners = new Set<(changed: readonly Asset[]) => Promise<void> | void>();

  all(): Iterable<Asset> {
    return this.assets.values();
  }

  byId(id: string): Asset | undefined {
    return this.assets.get(id);
  }

  /** Tests change `assets` in place: every call is a new version, so nothing derived is kept. */
  private calls = 0;
  version(): number {
    return ++this.calls;
  }

  onAssetsChanged(listener: (changed: readonly Asset[]) => Promise<void> | void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Store these assets (replacing by id, dropping `removed`) and tell the listeners. */
  scan(changed: Asset[], removed: string[] = []): void {
    for (const a of changed) this.assets.set(a.id, a);
    for (const id of removed) this.assets.delete(id);
    for (const listener of this.listeners) listener(changed);
  }
}
