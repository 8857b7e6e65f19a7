import { Link } from './router.js';

export interface PagerProps {
  page: number;
  perPage: number;
  total: number;
  /** The URL of page n (pages are links, so they can be opened in a new tab and bookmarked). */
  hrefFor: (page: number) => string;
  /** What is counted: "applicant" → "1 applicant" / "12 applicants". */
  noun?: [singular: string, plural: string];
}

export function Pager({ page, perPage, total, hrefFor, noun = ['result', 'results'] }: PagerProps) {
  const pages = Math.max(1, Math.ceil(total / Math.max(1, perPage)));
  const first = total === 0 ? 0 : (page - 1) * perPage + 1;
  const last = Math.min(total, page * perPage);
  const count = `${total.toLocaleString()} ${total === 1 ? noun[0] : noun[1]}`;
  return (
    <nav className="pager" aria-label="Pagination">
      <p className="pager__status" data-testid="pager-status">
        {total === 0 ? count : `${first.toLocaleString()}–${last.toLocaleString()} of ${count}`}
        <span className="pager__pages">
          {' '}
          · Page {page} of {pages}
        </span>
      </p>
      <ul className="pager__links">
        <li>
          {page > 1 ? (
            <Link className="btn btn--secondary btn--small" href={hrefFor(page - 1)} rel="prev">
              <span aria-hidden="true">← </span>Previous
            </Link>
          ) : (
            <span className="btn btn--secondary btn--small is-disabled" aria-disabled="true">
              <span aria-hidden="true">← </span>Previous
            </span>
          )}
        </li>
        <li>
          {page < pages ? (
            <Link className="btn btn--secondary btn--small" href={hrefFor(page + 1)} rel="next">
              Next<span aria-hidden="true"> →</span>
            </Link>
          ) : (
            <span className="btn btn--secondary btn--small is-disabled" aria-disabled="true">
              Next<span aria-hidden="true"> →</span>
            </span>
          )}
        </li>
      </ul>
    </nav>
  );
}
