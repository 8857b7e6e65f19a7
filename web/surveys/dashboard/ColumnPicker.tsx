// Show or hide the table's columns (a disclosure with one checkbox per column).
import { COLUMNS } from './columns.js';

export function ColumnPicker({
  shown,
  onChange,
}: {
  shown: ReadonlySet<string>;
  onChange: (next: Set<string>) => void;
}) {
  return (
    <details className="column-picker">
      <summary className="btn btn--ghost btn--small">Columns</summary>
      <div className="column-picker__panel">
        <fieldset>
          <legend>Show columns</legend>
          {COLUMNS.map((c) => {
            const id = `column-${c.key}`;
            const checked = shown.has(c.key);
            return (
              <div className="choice" key={c.key}>
                <input
                  type="checkbox"
                  id={id}
                  checked={checked}
                  // At least one column stays.
                  disabled={checked && shown.size === 1}
                  onChange={(e) => {
                    const next = new Set(shown);
                    if (e.target.checked) next.add(c.key);
                    else next.delete(c.key);
                    onChange(next);
                  }}
                />
                <label htmlFor={id}>{c.label}</label>
              </div>
            );
          })}
        </fieldset>
      </div>
    </details>
  );
}
