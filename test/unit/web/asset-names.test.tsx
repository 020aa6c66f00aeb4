/** The Assets list names a machine no DNS or mDNS names by what it reports at inventory. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assetQuerySchema } from '../../../daemon/discovery/asset-query.js';
import { AssetTable } from '../../../web/views/assets.js';
import { sampleAsset } from '../../sample-asset.js';

test('Name: the network name first, else the name the machine reports, else a dash', () => {
  const items = [
    sampleAsset({ id: 'm-1', ip: '10.0.0.18' }),
    sampleAsset({ id: 'm-2', ip: '10.0.0.19', hostnames: ['pilot2.local'] }),
    sampleAsset({ id: 'm-3', ip: '10.0.0.20' }),
  ];
  const reported: Record<string, string> = { 'm-1': 'pilot1', 'm-2': 'ignored' };
  const html = String(
    <AssetTable
      page={{ items, total: 3, page: 1, pages: 1, query: assetQuerySchema.parse({}) }}
      total={3}
      hostOf={() => undefined}
      reportedName={(id) => reported[id]}
      hasScopes
    />,
  );
  const names = [...html.matchAll(/<\/a><\/td><td>([^<]*)<\/td>/g)].map((m) => m[1]);
  assert.deepEqual(names, ['pilot1', 'pilot2.local', '—']);
});
