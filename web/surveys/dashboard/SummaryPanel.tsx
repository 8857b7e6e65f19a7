// The summary: counts (shortened from 10,000 with the exact number as a tooltip), average age,
// gender ratio, top colours and when the last answer arrived.
import { formatDateTime } from '../../ui/format.js';
import { formatAverage, formatCount } from '../format.js';
import type { Summary } from '../live-table.js';
import { GenderChart } from './GenderChart.js';

export function Count({ value, testId }: { value: number; testId?: string }) {
  const { text, title } = formatCount(value);
  return title === undefined ? (
    <span data-testid={testId}>{text}</span>
  ) : (
    <abbr title={title} data-testid={testId}>
      {text}
    </abbr>
  );
}

export function SummaryPanel({ summary }: { summary: Summary }) {
  const answeredGender = Object.values(summary.gender).reduce((a, b) => a + b, 0);
  return (
    <section aria-labelledby="summary-heading" data-testid="summary">
      <h2 id="summary-heading" className="visually-hidden">
        Summary
      </h2>
      <ul className="stats">
        <li>
          <span className="stat__label">Completed</span>
          <span className="stat__value">
            <Count value={summary.completed} testId="summary-completed" />
          </span>
        </li>
        <li>
          <span className="stat__label">In progress</span>
          <span className="stat__value">
            <Count value={summary.inProgress} testId="summary-in-progress" />
          </span>
        </li>
        <li>
          <span className="stat__label">Average age</span>
          <span className="stat__value" data-testid="summary-average-age">
            {formatAverage(summary.averageAge)}
          </span>
        </li>
        <li>
          <span className="stat__label">Last updated</span>
          <span className="stat__value stat__value--small" data-testid="summary-updated">
            {summary.updatedAt === null ? '—' : formatDateTime(summary.updatedAt)}
          </span>
        </li>
      </ul>
      <div className="dash-grid">
        <div className="card">
          <h3>Gender ratio</h3>
          {answeredGender === 0 ? <p className="small-print">No one has answered this yet.</p> : null}
          <GenderChart gender={summary.gender} />
        </div>
        <div className="card">
          <h3>Top colours</h3>
          {summary.topColours.length === 0 ? (
            <p className="small-print">No favourite colours yet.</p>
          ) : (
            <ol className="top-colours" data-testid="top-colours">
              {summary.topColours.map(({ colour, count }) => (
                <li key={colour}>
                  <span className={`colour-dot colour-dot--${colour.toLowerCase()}`} aria-hidden="true" />
                  <strong>{colour}</strong> · <Count value={count} />
                </li>
              ))}
            </ol>
          )}
        </div>
      </div>
    </section>
  );
}
