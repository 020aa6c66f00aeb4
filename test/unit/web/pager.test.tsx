/** Page links: a window around the current page with the ends always reachable; nothing for one page. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageNumber, pageOf } from '../../../daemon/paging.js';
import { Pager, pageWindow } from '../../../web/views/pager.js';

test('pages are cut where the data is, clamped, and parsed defensively', () => {
  const all = Array.from({ length: 250 }, (_, i) => i);
  assert.deepEqual(
    { ...pageOf(all, 3), items: pageOf(all, 3).items.length },
    { items: 50, page: 3, pages: 3, total: 250, size: 100 },
  );
  assert.equal(pageOf(all, 99).page, 3);
  assert.equal(pageOf([], 5).pages, 1);
  for (const raw of [undefined, '', '0', '-2', '2.5', 'x', '1e9', '99999999'])
    assert.equal(pageNumber(raw), 1, raw);
  assert.equal(pageNumber('7'), 7);
});

test('the window shows the ends, the neighbours and gaps', () => {
  assert.deepEqual(pageWindow(1, 1), [1]);
  assert.deepEqual(pageWindow(6, 20), [1, 0, 4, 5, 6, 7, 8, 0, 20]);
  assert.deepEqual(pageWindow(2, 4), [1, 2, 3, 4]);
});

test('links carry the page number; the current one is marked; one page shows nothing', () => {
  const html = String(
    <Pager page={pageOf(Array.from({ length: 250 }), 2)} label="Pages" href={(n) => `/x?p=${n}`} />,
  );
  assert.match(html, /<a href="\/x\?p=1" rel="prev">/);
  assert.match(html, /<a href="\/x\?p=2" aria-current="page">2<\/a>/);
  assert.match(html, /<a href="\/x\?p=3" rel="next">/);
  assert.equal(String(<Pager page={pageOf([1], 1)} label="Pages" href={(n) => `/x?p=${n}`} />), '');
});
