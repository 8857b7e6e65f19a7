// The uptime page's URLs (web/uptime/links.ts): what the query says is shown, and sorting by header.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TABLE, nextSort, readPageQuery, reportHref, storeHref } from '../../web/uptime/links.js';

const read = (search: string) => readPageQuery(new URLSearchParams(search));

describe('readPageQuery', () => {
  it('reads the report, the store, the instant and the table state', () => {
    expect(
      read(
        'report=ab12&sort=downtime_last_week&dir=desc&q=148&page=3&store=1481966498820158979&at=2023-01-25T18:13:22.000Z',
      ),
    ).toEqual({
      report: 'ab12',
      store: '1481966498820158979',
      at: '2023-01-25T18:13:22.000Z',
      table: { sort: 'downtime_last_week', dir: 'desc', q: '148', page: 3 },
    });
  });

  it('falls back to the defaults for what is missing or not one of the choices', () => {
    expect(read('report=../x&sort=constructor&dir=up&page=-2')).toEqual({
      report: null,
      store: null,
      at: null,
      table: DEFAULT_TABLE,
    });
  });
});

describe('reportHref and storeHref', () => {
  it('leave the defaults out of the URL', () => {
    expect(reportHref(null)).toBe('/uptime');
    expect(reportHref('ab12')).toBe('/uptime?report=ab12');
    expect(reportHref('ab12', { sort: 'uptime_last_day', dir: 'desc', q: '', page: 2 })).toBe(
      '/uptime?report=ab12&sort=uptime_last_day&dir=desc&page=2',
    );
  });

  it('keep the table state for the way back and encode the store id', () => {
    const href = storeHref('ab12', { ...DEFAULT_TABLE, q: 'a&b' }, 'x y/z', '2023-01-25T18:13:22.000Z');
    expect(href).toBe('/uptime?report=ab12&q=a%26b&store=x+y%2Fz&at=2023-01-25T18%3A13%3A22.000Z');
    expect(read(href.slice(href.indexOf('?')))).toMatchObject({ store: 'x y/z', table: { q: 'a&b' } });
  });
});

describe('nextSort', () => {
  it('turns the order of the sorted column round and goes back to page 1', () => {
    expect(nextSort({ ...DEFAULT_TABLE, page: 4 }, 'store_id')).toEqual({ ...DEFAULT_TABLE, dir: 'desc' });
    expect(nextSort({ sort: 'uptime_last_hour', dir: 'desc', q: 'x', page: 2 }, 'uptime_last_hour')).toEqual({
      sort: 'uptime_last_hour',
      dir: 'asc',
      q: 'x',
      page: 1,
    });
  });

  it('starts a figure column with the largest first and the store column in order', () => {
    expect(nextSort(DEFAULT_TABLE, 'downtime_last_week')).toMatchObject({
      sort: 'downtime_last_week',
      dir: 'desc',
    });
    expect(nextSort({ ...DEFAULT_TABLE, sort: 'uptime_last_day', dir: 'desc' }, 'store_id')).toMatchObject({
      sort: 'store_id',
      dir: 'asc',
    });
  });
});
