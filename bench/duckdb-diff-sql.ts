/**
 * DuckDB's side of the diffing benchmark: the query, shared by the in-child runs
 * (bench/diffing-child.ts) and the whole-process ones (bench/diffing.ts --whole).
 */

export interface DiffSpecArg {
  keys: string[];
  value: string;
}

const REL_TOL = 1e-9;

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * new LEFT JOIN old on every key column (IS NOT DISTINCT FROM: empty fields are
 * read as NULL), keep rows whose old side is missing or whose value is not
 * math.isclose(new, old, rel_tol=1e-9).
 */
export function duckdbDiffSql(oldPath: string, newPath: string, outPath: string, spec: DiffSpecArg): string {
  const csv = (p: string) =>
    `read_csv(${sqlString(p)}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')`;
  const v = ident(spec.value);
  const keyCols = spec.keys.map(ident);
  const on = keyCols.map((k) => `n.${k} IS NOT DISTINCT FROM o.${k}`).join(' AND ');
  return `COPY (
  WITH o AS (
    SELECT ${keyCols.join(', ')}, CAST(${v} AS DOUBLE) AS __ov, true AS __present FROM ${csv(oldPath)}
  ), n AS (
    SELECT *, CAST(${v} AS DOUBLE) AS __nv FROM ${csv(newPath)}
  )
  SELECT n.* EXCLUDE (__nv)
  FROM n LEFT JOIN o ON ${on}
  WHERE o.__present IS NULL
     OR NOT (n.__nv = o.__ov OR abs(n.__nv - o.__ov) <= ${REL_TOL} * greatest(abs(n.__nv), abs(o.__ov)))
) TO ${sqlString(outPath)} (FORMAT csv, HEADER true, DELIMITER ',')`;
}
