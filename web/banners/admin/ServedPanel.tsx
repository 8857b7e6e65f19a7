// Impressions served per banner since the start (flushed in batches by the serving side).
import type { AdminOverviewView, ServedView } from '../../../src/systems/banners/views.js';
import { Table, type Column } from '../../ui/Table.js';
import { formatCount } from './format.js';

const COLUMNS: readonly Column<ServedView>[] = [
  { key: 'campaign', header: 'Campaign', cell: (r) => r.campaign_id, numeric: true },
  { key: 'banner', header: 'Banner', cell: (r) => r.banner_id, numeric: true },
  { key: 'served', header: 'Impressions served', cell: (r) => formatCount(r.served), numeric: true },
];

export function ServedPanel({ data }: { data: AdminOverviewView }) {
  const total = data.served.reduce((sum, s) => sum + s.served, 0);
  return (
    <section aria-labelledby="served-heading">
      <h2 id="served-heading">Impressions served</h2>
      <p data-testid="served-total">
        {formatCount(total)} impressions of {formatCount(data.served.length)} banners since the start (written
        every few seconds by each app instance).
      </p>
      <Table
        caption="Impressions served per campaign and banner"
        columns={COLUMNS}
        rows={data.served}
        rowKey={(r) => `${r.campaign_id}:${r.banner_id}`}
        empty="No banner has been served yet."
        testId="served-table"
      />
    </section>
  );
}
