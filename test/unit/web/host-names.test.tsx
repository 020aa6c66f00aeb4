/** The host page lists the name a machine reports beside its DNS and mDNS names. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newHost } from '../../../daemon/hosts/host-record.js';
import { hostView } from '../../../daemon/hosts/host-view.js';
import { HostPage } from '../../../web/views/host.js';
import { sampleAsset } from '../../sample-asset.js';

const page = (hostname: string | undefined, hostnames: string[]) => {
  const host = newHost({ mac: null, assetId: 'ip-10.0.0.18', address: '10.0.0.18' }, new Date(), 'test');
  if (hostname) host.hostname = hostname;
  const asset = sampleAsset({ id: 'ip-10.0.0.18', ip: '10.0.0.18', hostnames });
  const parts = { host, name: 'x', asset, target: undefined, inventory: undefined, assessment: undefined };
  const html = String(<HostPage view={hostView(parts, { packages: 1, fixes: 1 })} csrf="t" />);
  return html.slice(
    html.indexOf('<h2>Host names</h2>'),
    html.indexOf('</ul>', html.indexOf('<h2>Host names</h2>')),
  );
};

test('Host names: the network names, then the one the machine reports, said as such', () => {
  const html = page('pilot1', ['pilot1.local']);
  assert.match(html, /<li>pilot1\.local<\/li><li>pilot1 \(the name the machine reports\)<\/li>/);
  assert.doesNotMatch(page(undefined, ['pilot1.local']), /reports/);
});
