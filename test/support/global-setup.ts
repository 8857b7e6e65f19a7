// Finds PostgreSQL and Redis for the suites that need them. With REQUIRE_SERVICES=1 (CI) a missing
// service fails the run instead of skipping its suites.
import net from 'node:net';
import pg from 'pg';

const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/test';
const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redisAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export default async function setup(): Promise<void> {
  const required = process.env.REQUIRE_SERVICES === '1';
  const pgUrl = process.env.TEST_DATABASE_URL || DEFAULT_PG;
  const redisUrl = process.env.TEST_REDIS_URL || DEFAULT_REDIS;
  const [pgOk, redisOk] = await Promise.all([postgresAnswers(pgUrl), redisAnswers(redisUrl)]);
  if (pgOk) process.env.TEST_DATABASE_URL = pgUrl;
  else delete process.env.TEST_DATABASE_URL;
  if (redisOk) process.env.TEST_REDIS_URL = redisUrl;
  else delete process.env.TEST_REDIS_URL;
  const missing = [!pgOk && `PostgreSQL (${pgUrl})`, !redisOk && `Redis (${redisUrl})`].filter(Boolean);
  if (missing.length && required)
    throw new Error(`REQUIRE_SERVICES=1 but not reachable: ${missing.join(', ')}`);
  if (missing.length) console.warn(`[tests] not reachable, their suites are skipped: ${missing.join(', ')}`);
}
