// One step of `npm run bench:uptime` in a process of its own, so its peak RSS is its own:
//   import DATA_DIR STATUS HOURS TIMEZONES   load the three CSVs (quintet import uptime's code)
//   report DATA_DIR ROUNDS                   per round: trigger a report over HTTP (the seed's
//       /trigger_report, the in-process job queue and its worker thread), follow it until
//       Complete; then read the same polls with one plain query (the floor). Prints one JSON line.
// With DATABASE_URL set the platform runs on that PostgreSQL database, and the floor is read there.
import Database from 'better-sqlite3';
import pg from 'pg';

// The compiled code (dist/, as `quintet` runs it; `npm run bench:uptime` builds it first): from
// sources, the report's worker thread would compile TypeScript with tsx at every start.
const dist = (module: string) => `../dist/${module}.js`;
const { buildApp } = (await import(dist('app'))) as typeof import('../src/app.js');
const { loadConfig } = (await import(dist('config'))) as typeof import('../src/config.js');
const { createPlatform } = (await import(
  dist('platform/platform')
)) as typeof import('../src/platform/platform.js');
const { migrateAll, systemJobs } = (await import(
  dist('platform/system-runtime')
)) as typeof import('../src/platform/system-runtime.js');
const { importUptimeFiles } = (await import(
  dist('systems/uptime/import')
)) as typeof import('../src/systems/uptime/import.js');
const { WEEK_MS } = (await import(
  dist('systems/uptime/report')
)) as typeof import('../src/systems/uptime/report.js');
const { createUptimeService } = (await import(
  dist('systems/uptime/service')
)) as typeof import('../src/systems/uptime/service.js');
const { uptimeSystem } = (await import(
  dist('systems/uptime/system')
)) as typeof import('../src/systems/uptime/system.js');

const [mode, dataDir, ...rest] = process.argv.slice(2);
const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', SYSTEMS: 'uptime' };
const systems = [uptimeSystem];
const platform = createPlatform(loadConfig(env, systems));
await migrateAll(platform, systems);
const mb = (kb: number) => Math.round(kb / 1024);

if (mode === 'import') {
  const [status, hours, timezones] = rest as [string, string, string];
  const started = performance.now();
  const summary = await importUptimeFiles(platform.database, {
    status: { path: status },
    hours: { path: hours },
    timezones: { path: timezones },
  });
  const seconds = (performance.now() - started) / 1000;
  await platform.close();
  console.log(
    JSON.stringify({
      importS: Number(seconds.toFixed(2)),
      summary,
      peakRssMb: mb(process.resourceUsage().maxRSS),
    }),
  );
} else if (mode === 'report') {
  const rounds = Number(rest[0] ?? '3');
  await platform.jobs.startWorkers(await systemJobs(platform, systems));
  const app = await buildApp(platform, { systems });
  const service = createUptimeService(platform);
  const idleRssMb = Math.round(process.memoryUsage().rss / 2 ** 20);
  // The floor: the report's polls, (now - 7 d, now], in the order the report reads them (the table's
  // key), with one plain query (better-sqlite3, or pg in array mode); every row is touched.
  const floorSql =
    'select store_key, ts_ms, active from uptime_polls where ts_ms > $1 and ts_ms <= $2 order by store_key, ts_ms';
  const databaseUrl = platform.config.databaseUrl;
  const sqlite = databaseUrl ? undefined : new Database(platform.config.sqlitePath, { readonly: true });
  const client = databaseUrl ? new pg.Client({ connectionString: databaseUrl }) : undefined;
  await client?.connect();
  const sqliteFloor = sqlite?.prepare(floorSql.replace(/\$\d/g, '?')).raw(true);
  /** The floor's rows, and the sum of their active column (so no row goes untouched). */
  async function readFloor(from: number, to: number): Promise<{ rows: number; check: number }> {
    let rows = 0;
    let check = 0;
    if (sqliteFloor) {
      for (const row of sqliteFloor.iterate(from, to) as Iterable<[number, number, number]>) {
        rows += 1;
        check += row[2];
      }
    } else {
      // Through a cursor, 50,000 rows a fetch, so the floor's rows are not all held at once (this
      // process's peak RSS is the report's).
      await client!.query('begin');
      await client!.query({ text: `declare floor no scroll cursor for ${floorSql}`, values: [from, to] });
      for (;;) {
        const page = await client!.query<unknown[]>({ text: 'fetch 50000 from floor', rowMode: 'array' });
        if (page.rows.length === 0) break;
        for (const row of page.rows) {
          rows += 1;
          check += row[2] ? 1 : 0;
        }
      }
      await client!.query('commit');
    }
    return { rows, check };
  }
  const attemptsOf = async (id: string): Promise<number> =>
    sqlite
      ? (sqlite.prepare('select attempts from uptime_reports where id = ?').get(id) as { attempts: number })
          .attempts
      : Number(
          (await client!.query('select attempts from uptime_reports where id = $1', [id])).rows[0].attempts,
        );
  const reports: {
    triggerToCompleteS: number;
    jobS: number;
    queuedS: number;
    attempts: number;
    stores: number;
    pollsRead: number;
  }[] = [];
  const floors: { s: number; rows: number }[] = [];
  for (let round = 0; round < rounds; round++) {
    const t0 = performance.now();
    const trigger = await app.inject({ method: 'POST', url: '/trigger_report' });
    const id = trigger.json<{ report_id: string }>().report_id;
    // The report's row (what /get_report answers from) every 10 ms: /get_report itself is rate
    // limited to 10 a second per client. Its status and percent as they move on, for the log.
    const steps: string[] = [];
    for (;;) {
      const report = await service.report(id);
      const step = `${report?.status} ${report?.progress}`;
      if (steps.at(-1)?.endsWith(step) !== true)
        steps.push(`${((performance.now() - t0) / 1000).toFixed(2)} s ${step}`);
      if (report?.status === 'complete') break;
      if (report?.status !== 'queued' && report?.status !== 'running')
        throw new Error(`report ${id}: ${JSON.stringify(report)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const triggerToCompleteS = (performance.now() - t0) / 1000;
    console.error(`report ${round}: ${steps.join(', ')}`);
    const answer = await app.inject({ method: 'GET', url: `/get_report?report_id=${id}` });
    if (answer.json<{ status: string }>().status !== 'Complete')
      throw new Error(`/get_report: ${answer.statusCode} ${answer.body}`);
    const view = await service.report(id);
    const now = Date.parse(view!.now!);
    reports.push({
      triggerToCompleteS: Number(triggerToCompleteS.toFixed(3)),
      jobS: Number(((view!.durationMs ?? 0) / 1000).toFixed(3)),
      // From the report's creation to its job's start: the time it waited for a worker.
      queuedS: Number(((Date.parse(view!.startedAt!) - Date.parse(view!.createdAt)) / 1000).toFixed(3)),
      attempts: await attemptsOf(id),
      stores: view!.stores ?? 0,
      pollsRead: view!.pollsRead ?? 0,
    });

    const f0 = performance.now();
    const { rows, check } = await readFloor(now - WEEK_MS, now);
    floors.push({ s: Number(((performance.now() - f0) / 1000).toFixed(3)), rows });
    if (check < 0) console.error('unreachable');
  }
  sqlite?.close();
  await client?.end();
  await app.close();
  await platform.close();
  console.log(JSON.stringify({ reports, floors, idleRssMb, peakRssMb: mb(process.resourceUsage().maxRSS) }));
} else {
  throw new Error(`unknown mode ${mode}`);
}
