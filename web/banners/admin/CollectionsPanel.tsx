// Every campaign's collection in one quarter, with the rule applied and each banner's numbers.
import { useMemo, useState } from 'react';
import type { AdminOverviewView, CollectionBannerView } from '../../../src/systems/banners/views.js';
import { TextField } from '../../ui/fields.js';
import { Link, useLocation, withQuery } from '../../ui/router.js';
import { Table, type Column } from '../../ui/Table.js';
import { formatCount, formatRevenue, PICK_LABELS, RULE_LABELS } from './format.js';

type Row = CollectionBannerView & { rank: number; served: number };

const COLUMNS: readonly Column<Row>[] = [
  { key: 'rank', header: 'Rank', cell: (r) => r.rank, numeric: true },
  { key: 'banner', header: 'Banner', cell: (r) => r.banner_id, numeric: true },
  { key: 'pick', header: 'Chosen by', cell: (r) => PICK_LABELS[r.pick] ?? r.pick },
  { key: 'revenue', header: 'Revenue', cell: (r) => formatRevenue(r.revenue), numeric: true },
  { key: 'conversions', header: 'Conversions', cell: (r) => formatCount(r.conversions), numeric: true },
  { key: 'clicks', header: 'Clicks', cell: (r) => formatCount(r.clicks), numeric: true },
  { key: 'served', header: 'Served', cell: (r) => formatCount(r.served), numeric: true },
];

export function CollectionsPanel({ data }: { data: AdminOverviewView }) {
  const { query } = useLocation();
  const asked = Number(query.get('quarter'));
  const quarter = [1, 2, 3, 4].includes(asked) ? asked : data.current_quarter;
  const [filter, setFilter] = useState('');
  const served = useMemo(
    () => new Map(data.served.map((s) => [`${s.campaign_id}:${s.banner_id}`, s.served])),
    [data.served],
  );
  const collections = data.collections.filter(
    (c) => c.quarter === quarter && (filter.trim() === '' || String(c.campaign_id) === filter.trim()),
  );
  const rules = new Map<string, number>();
  for (const c of data.collections)
    if (c.quarter === quarter) rules.set(c.rule, (rules.get(c.rule) ?? 0) + 1);

  return (
    <section aria-labelledby="collections-heading">
      <h2 id="collections-heading">Collections in quarter {quarter}</h2>
      <nav aria-label="Quarter">
        <ul className="tabs">
          {[1, 2, 3, 4].map((q) => (
            <li key={q}>
              <Link
                href={withQuery('/banners/admin', { quarter: q })}
                aria-current={q === quarter ? 'page' : undefined}
              >
                Quarter {q} (:{String((q - 1) * 15).padStart(2, '0')}–:{(q - 1) * 15 + 14})
                {q === data.current_quarter ? ' · now' : ''}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <p data-testid="rule-counts">
        {[...rules].map(([rule, n]) => `${n} × ${RULE_LABELS[rule] ?? rule}`).join(' · ') ||
          'No collections.'}
      </p>
      <TextField
        name="campaign"
        label="Campaign id"
        hint="Show one campaign only"
        value={filter}
        onChange={setFilter}
        inputMode="numeric"
      />
      {collections.length === 0 && (
        <p>No campaign has a collection here yet: import a dataset for this quarter.</p>
      )}
      {collections.map((c) => (
        <div className="card" key={c.campaign_id} data-testid={`collection-${c.campaign_id}`}>
          <h3>
            Campaign {c.campaign_id}{' '}
            <a href={`/campaigns/${c.campaign_id}`} className="small-print">
              open its page
            </a>
          </h3>
          <p className="small-print" data-testid="rule">
            Rule: {RULE_LABELS[c.rule] ?? c.rule}
          </p>
          <Table
            caption={`Collection of campaign ${c.campaign_id} in quarter ${quarter}`}
            columns={COLUMNS}
            rows={c.banners.map((b, i) => ({
              ...b,
              rank: i + 1,
              served: served.get(`${c.campaign_id}:${b.banner_id}`) ?? 0,
            }))}
            rowKey={(r) => r.banner_id}
          />
        </div>
      ))}
    </section>
  );
}
