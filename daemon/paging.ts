/**
 * One page of a long list (a host's packages, its missing fixes, the hosts an advisory affects),
 * cut where the data lives so a page never renders, or sends, the whole list: a host reporting
 * 600,000 packages must not cost 600,000 table rows.
 */

export interface Page<T> {
  items: T[];
  /** 1-based, clamped to the last page. */
  page: number;
  pages: number;
  total: number;
  size: number;
}

export const PAGE_SIZE = 100;

export const pageOf = <T>(all: readonly T[], page: number, size = PAGE_SIZE): Page<T> => {
  const pages = Math.max(1, Math.ceil(all.length / size));
  const current = Math.min(Math.max(1, Math.trunc(page) || 1), pages);
  const start = (current - 1) * size;
  return { items: all.slice(start, start + size), page: current, pages, total: all.length, size };
};

/** A page number from a query string: anything that is not a positive whole number is page 1. */
export const pageNumber = (raw: string | undefined): number => {
  const n = raw !== undefined && /^\d{1,7}$/.test(raw) ? Number(raw) : 1;
  return n >= 1 ? n : 1;
};
