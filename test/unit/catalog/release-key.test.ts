import assert from 'node:assert/strict';
import { test } from 'node:test';
import { releaseKeyFor, releaseLabel } from '../../../daemon/catalog/release-key.js';

test('os-release maps onto one key per release', () => {
  const os = (id: string, versionId: string, codename = '') => ({ id, versionId, codename, prettyName: '' });
  assert.equal(releaseKeyFor(os('debian', '12', 'bookworm')), 'debian:bookworm');
  assert.equal(releaseKeyFor(os('raspbian', '12')), 'debian:bookworm', 'a codename from the version');
  assert.equal(releaseKeyFor(os('ubuntu', '22.04', 'jammy')), 'ubuntu:22.04');
  assert.equal(releaseKeyFor(os('alpine', '3.19.1')), 'alpine:3.19');
  assert.equal(releaseKeyFor(os('rocky', '9.4')), 'rocky:9');
});

test('a release key reads as people name the release', () => {
  assert.equal(releaseLabel('debian:bookworm'), 'Debian 12 (bookworm)');
  assert.equal(releaseLabel('debian:sid'), 'Debian sid');
  assert.equal(releaseLabel('ubuntu:22.04'), 'Ubuntu 22.04');
  assert.equal(releaseLabel('alpine:3.19'), 'Alpine 3.19');
  assert.equal(releaseLabel('rocky:9'), 'Rocky Linux 9');
  assert.equal(releaseLabel('fedora:40'), 'fedora:40', 'another family as it is');
  assert.equal(releaseLabel('plain'), 'plain');
});
