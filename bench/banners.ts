// npm run bench:banners — the campaign page's hot path: Quintet (built JS, its own process, the real
// dataset imported) against a bare node:http server (its own process) sending a page of the same
// size, loaded in turn by wrk at 32 connections over random campaigns, a mix of new visitors (no
// cookie) and returning ones (a rotation cookie Quintet signed); the bare server sends Quintet's
// Cache-Control and CSP too (BARE_HEADERS). Prints a table, writes
// bench/results/banners.json.
//   --data DIR       the dataset (folders 1–4 of CSV files; default ../shared/data/banners/csv)
//   --images DIR     its images (default ../shared/data/banners/images)
//   --rounds N       rounds, bare and Quintet alternating (default 5); --duration S per run (default 5)
//   --connections N  (default 32); --threads N wrk threads (default 2)
//   --returning F    share of requests from returning visitors (default 0.75)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { quarterAt } from '../src/systems/banners/quarter.js';
import { rotationViolation, type Shown } from '../src/systems/banners/serving/rotation-rule.js';
import { machineInfo } from './machine.js';
import { ensureWrk, freePort, median, runAutocannon, runWrk, waitFor, type LoadFigures } from './wrk.js';

const root = path.resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(root, '../shared/data/banners/csv') },
    images: { type: 'string', default: path.resolve(root, '../shared/data/banners/images') },
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    threads: { type: 'string', default: '2' },
    returning: { type: 'string', default: '0.75' },
  },
});
const rounds = Number(args.rounds);
const duration = Number(args.duration);
const connections = Number(args.connections);
const threads = Number(args.threads);
const returningShare = Number(args.returning);
/**
 * What any real page of this kind must send besides its type, so the bare server sends them too
 * (Quintet's values): the page is not to be cached, and it is embeddable (its CSP). Quintet sends
 * more (helmet's other security headers, the rotation cookie): that is its own cost.
 */
const BARE_HEADERS = ['cache-control', 'content-security-policy'];
/** Returning visitors per campaign whose cookies the load replays. */
const VISITORS_PER_CAMPAIGN = 40;

const useWrk = ensureWrk();
if (!useWrk)
  console.log('wrk could not be installed: falling back to autocannon (in this process; figures are lower)');
const machine = machineInfo();
console.log(
  `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}`,
);

fs.mkdirSync(path.join(root, 'bench/tmp'), { recursive: true });
const dataDir = fs.mkdtempSync(path.join(root, 'bench/tmp/banners-'));
const env = {
  ...process.env,
  DATA_DIR: dataDir,
  SYSTEMS: 'banners',
  LOG_LEVEL: 'warn',
  ADMIN_PASSWORD: 'bench-password',
};

const children: ChildProcess[] = [];
try {
  // The real dataset through the real import (the selection rules run once, in the data side).
  const started = performance.now();
  const imported = spawnSync(
    process.execPath,
    ['bin/quintet.js', 'import', 'banners', args.data, '--images', args.images],
    { cwd: root, env, encoding: 'utf8' },
  );
  if (imported.status !== 0) throw new Error(`the import failed:\n${imported.stdout}\n${imported.stderr}`);
  console.log(`imported ${args.data} in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const quintetPort = await freePort();
  const quintet = spawn(process.execPath, ['bin/quintet.js', 'serve'], {
    cwd: root,
    env: { ...env, PORT: String(quintetPort) },
    stdio: 'inherit',
  });
  children.push(quintet);
  const base = `http://127.0.0.1:${quintetPort}`;
  await waitFor(`${base}/health`, quintet, 60_000);

  const { campaigns: listed } = (await (await fetch(`${base}/api/banners/campaigns`)).json()) as {
    campaigns: { campaign_id: number }[];
  };
  const campaigns = listed.map((c) => c.campaign_id);
  if (campaigns.length === 0) throw new Error('no campaigns after the import');

  /** One page request as a visitor with this cookie (or none); returns the banner and the new cookie. */
  const visit = async (campaignId: number, cookie: string | undefined) => {
    const res = await fetch(`${base}/campaigns/${campaignId}`, { headers: cookie ? { cookie } : {} });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`/campaigns/${campaignId} answered ${res.status}`);
    const banner = Number(/image_(\d+)\.png/.exec(body)?.[1]);
    const set = res.headers.get('set-cookie') ?? '';
    const headers = Object.fromEntries(BARE_HEADERS.map((h) => [h, res.headers.get(h) ?? '']));
    return { body, banner, cookie: set.slice(0, set.indexOf(';')), headers };
  };

  // The rule holds on the real collections too: one visitor, three rounds of each of a few campaigns.
  for (let attempt = 0; ; attempt++) {
    const quarter = quarterAt(new Date());
    const violations: string[] = [];
    for (const campaignId of campaigns.slice(0, 5)) {
      const res = await fetch(`${base}/api/banners/campaigns/${campaignId}/collection?quarter=${quarter}`);
      const collection = ((await res.json()) as { banners: { banner_id: number }[] }).banners.map(
        (b) => b.banner_id,
      );
      const shown: Shown[] = [];
      let cookie: string | undefined;
      for (let i = 0; i < collection.length * 3; i++) {
        const page = await visit(campaignId, cookie);
        cookie = page.cookie;
        shown.push({ collection, banner: page.banner });
      }
      const problem = rotationViolation(shown);
      if (problem) violations.push(`campaign ${campaignId}: ${problem}`);
    }
    if (quarterAt(new Date()) !== quarter && attempt < 2) continue; // the quarter turned meanwhile
    if (violations.length) throw new Error(`rotation broken:\n${violations.join('\n')}`);
    console.log('rotation checked on 5 campaigns (3 rounds each)');
    break;
  }

  // Returning visitors: cookies from visitors who have seen 1–5 pages of a campaign.
  const cookies = new Map<number, string[]>();
  const bodies: Record<string, { type: string; body: string; headers: Record<string, string> }> = {};
  for (const campaignId of campaigns) {
    const list: string[] = [];
    for (let v = 0; v < VISITORS_PER_CAMPAIGN; v++) {
      let cookie: string | undefined;
      for (let i = 0; i <= v % 5; i++) {
        const page = await visit(campaignId, cookie);
        cookie = page.cookie;
        bodies[`/campaigns/${campaignId}`] ??= {
          type: 'text/html; charset=utf-8',
          body: page.body,
          headers: page.headers,
        };
      }
      list.push(cookie!);
    }
    cookies.set(campaignId, list);
  }
  const pageBytes = Object.values(bodies).map((b) => Buffer.byteLength(b.body));
  console.log(
    `${campaigns.length} campaigns, pages of ${Math.min(...pageBytes)}–${Math.max(...pageBytes)} bytes, ${VISITORS_PER_CAMPAIGN} returning visitors each`,
  );

  // The bare server answers each campaign's URL with a page Quintet sent for it (same bytes, same type).
  const bodiesFile = path.join(dataDir, 'bodies.json');
  fs.writeFileSync(bodiesFile, JSON.stringify(bodies));
  const barePort = await freePort();
  const bare = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/bare-http-server.ts', bodiesFile, String(barePort)],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  children.push(bare);
  await waitFor(`http://127.0.0.1:${barePort}/campaigns/${campaigns[0]}`, bare, 30_000);

  // A random campaign per request; a returning visitor sends one of its campaign's cookies.
  const lua = path.join(dataDir, 'banners.lua');
  fs.writeFileSync(
    lua,
    [
      `local campaigns = { ${campaigns.join(', ')} }`,
      'local cookies = {',
      ...campaigns.map(
        (c) =>
          `  [${c}] = { ${cookies
            .get(c)!
            .map((k) => JSON.stringify(k))
            .join(', ')} },`,
      ),
      '}',
      `local returning = ${returningShare}`,
      // Each wrk thread its own random sequence.
      'local threads = 0',
      'setup = function(thread) threads = threads + 1; thread:set("seed", threads) end',
      'init = function(args) math.randomseed(os.time() * 1000 + seed) end',
      'request = function()',
      '  local c = campaigns[math.random(#campaigns)]',
      '  if math.random() < returning then',
      '    local list = cookies[c]',
      '    return wrk.format("GET", "/campaigns/" .. c, { Cookie = list[math.random(#list)] })',
      '  end',
      '  return wrk.format("GET", "/campaigns/" .. c)',
      'end',
      fs.readFileSync(path.join(root, 'bench/wrk-report.lua'), 'utf8'),
    ].join('\n'),
  );
  const nextRequest = () => {
    const c = campaigns[Math.floor(Math.random() * campaigns.length)]!;
    const list = cookies.get(c)!;
    const headers: Record<string, string> =
      Math.random() < returningShare ? { cookie: list[Math.floor(Math.random() * list.length)]! } : {};
    return { path: `/campaigns/${c}`, headers };
  };

  const servers = {
    bare: { port: barePort, pid: bare.pid! },
    quintet: { port: quintetPort, pid: quintet.pid! },
  };
  type Server = keyof typeof servers;
  const load = (server: Server, seconds: number): Promise<LoadFigures> | LoadFigures => {
    const url = `http://127.0.0.1:${servers[server].port}`;
    const serverPid = servers[server].pid;
    return useWrk
      ? runWrk({ url, seconds, connections, threads, script: lua, serverPid })
      : runAutocannon({ url, seconds, connections, next: nextRequest, serverPid });
  };
  for (const s of ['bare', 'quintet'] as const) await load(s, 2); // warm-up

  const runs: Record<Server, LoadFigures[]> = { bare: [], quintet: [] };
  for (let round = 0; round < rounds; round++) {
    // Every other round reverses the order, so neither server always runs right after the other.
    const order: Server[] = round % 2 ? ['quintet', 'bare'] : ['bare', 'quintet'];
    for (const s of order) {
      const f = await load(s, duration);
      runs[s].push(f);
      process.stderr.write(
        `round ${round + 1}/${rounds} ${s.padEnd(7)}: ${f.requestsPerSecond} req/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, ` +
          `${f.non2xx + f.socketErrors} errors, ${f.serverCpuUsPerRequest} µs CPU/request\n`,
      );
    }
  }

  const summarise = (list: LoadFigures[]) => ({
    requestsPerSecond: Math.round(median(list.map((f) => f.requestsPerSecond))),
    p50Ms: median(list.map((f) => f.p50Ms)),
    p99Ms: median(list.map((f) => f.p99Ms)),
    errors: list.reduce((n, f) => n + f.non2xx + f.socketErrors, 0),
    serverCpuUsPerRequest: median(list.map((f) => f.serverCpuUsPerRequest)),
  });
  const roundRatios = runs.quintet.map((f, i) =>
    Number((f.requestsPerSecond / runs.bare[i]!.requestsPerSecond).toFixed(3)),
  );
  const cpuRatios = runs.quintet.map((f, i) =>
    Number((runs.bare[i]!.serverCpuUsPerRequest / f.serverCpuUsPerRequest).toFixed(3)),
  );
  const result = {
    tool: useWrk ? 'wrk' : 'autocannon',
    connections,
    threads,
    rounds,
    durationSeconds: duration,
    campaigns: campaigns.length,
    returningShare,
    pageBytes: { min: Math.min(...pageBytes), max: Math.max(...pageBytes) },
    bare: summarise(runs.bare),
    quintet: summarise(runs.quintet),
    ratio: Number(median(roundRatios).toFixed(3)),
    roundRatios,
    cpuRatio: Number(median(cpuRatios).toFixed(3)),
    cpuRatios,
    runs,
    machine: { ...machine, loadAverageAtEnd: os.loadavg().map((l) => Number(l.toFixed(2))) },
  };

  console.log(
    `\n${result.tool}, ${connections} connections, ${rounds} rounds of ${duration} s (medians), ` +
      `random campaigns, ${Math.round(returningShare * 100)} % returning visitors\n`,
  );
  console.log('| server | req/s | p50 | p99 | errors | server CPU µs/request |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, s] of [
    ['bare node:http', result.bare],
    ['Quintet /campaigns/:id', result.quintet],
  ] as const) {
    console.log(
      `| ${name} | ${s.requestsPerSecond} | ${s.p50Ms} ms | ${s.p99Ms} ms | ${s.errors} | ${s.serverCpuUsPerRequest} |`,
    );
  }
  console.log(
    `\nratio ${result.ratio.toFixed(2)}x (rounds ${roundRatios.map((r) => r.toFixed(2)).join(', ')}), ` +
      `CPU ratio ${result.cpuRatio.toFixed(2)}x; target ≥ 0.70x, p99 ≤ 10 ms, 0 errors`,
  );
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  const out = path.join(root, 'bench/results/banners.json');
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`written to ${path.relative(root, out)}`);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : Promise.resolve())),
  );
  fs.rmSync(dataDir, { recursive: true, force: true });
}
