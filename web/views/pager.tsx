/**
 * Page links under a long list: previous, the first and last page, a few around the current
 * one, next. Plain links, so paging works without JavaScript (htmx boosts them when it runs).
 */
import type { Page } from '../../daemon/paging.js';

/** Page numbers to link, with 0 standing for a gap: 1 … 4 5 [6] 7 8 … 20. */
export const pageWindow = (page: number, pages: number, around = 2): number[] => {
  const shown = new Set([1, pages]);
  for (let n = page - around; n <= page + around; n++) if (n >= 1 && n <= pages) shown.add(n);
  const sorted = [...shown].sort((a, b) => a - b);
  return sorted.flatMap((n, i) => (i > 0 && n - sorted[i - 1]! > 1 ? [0, n] : [n]));
};

export const Pager = (props: { page: Page<unknown>; href: (page: number) => string; label: string }) => {
  const { page, pages, total } = props.page;
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label={props.label}>
      {page > 1 ? (
        <a href={props.href(page - 1)} rel="prev">
          ← previous
        </a>
      ) : null}
      {pageWindow(page, pages).map((n) =>
        n === 0 ? (
          <span class="hint">…</span>
        ) : (
          <a href={props.href(n)} aria-current={n === page ? 'page' : undefined}>
            {String(n)}
          </a>
        ),
      )}
      {page < pages ? (
        <a href={props.href(page + 1)} rel="next">
          next →
        </a>
      ) : null}
      <span class="hint">{`page ${page} of ${pages} · ${total} in all`}</span>
    </nav>
  );
};
