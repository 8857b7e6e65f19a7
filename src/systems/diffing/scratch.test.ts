// kill -9 during a partitioned diff leaves its scratch files; the next start removes them before
// its workers run the retried job. Runs `quintet serve` as a user would, twice.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/diffing.js';
import { generateDiffPair } from './generate.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  while (children.length) children.pop()!.kill('SIGKILL');
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** `quintet serve`, resolved once it listens. */
async function serve(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; exited: Promise<unknown> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => output.includes('Quintet is listening'), 'the server to listen', 30_000);
  return { child, exited };
}

/** Files under a directory, recursively (none when it is missing). */
const filesIn = (dir: string): string[] =>
  fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]) : [];

describe('scratch space after kill -9', () => {
  it('removes at the next start what a process killed during a partitioned diff left in artifacts/.tmp, and the retried job completes', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-scratch-'));
    dirs.push(dataDir);
    await generateDiffPair({ metric: 'c-revenue', rows: 400_000, outDir: path.join(dataDir, 'diffing') });
    const port = await freePort();
    const env = {
      DATA_DIR: dataDir,
      PORT: String(port),
      SYSTEMS: 'diffing',
      ADMIN_PASSWORD: 'scratch-test-password',
      DIFF_MEMORY_MB: '1', // partitioned on disk
      LOG_LEVEL: 'info',
    };
    const tmp = path.join(dataDir, 'artifacts', '.tmp');
    const api = (p: string) => fetch(`http://127.0.0.1:${port}${p}`);

    const first = await serve(env);
    const created = await api('/api/diffing/new/c-revenue');
    expect(created.status).toBe(200);
    const { job_id } = (await created.json()) as { job_id: number };
    const scratch = () =>
      fs.existsSync(tmp) ? fs.readdirSync(tmp).filter((d) => d.endsWith(`.${first.child.pid}`)) : [];
    await waitFor(
      () => scratch().some((d) => filesIn(path.join(tmp, d)).some((f) => f.includes('.diff-parts-'))),
      "the diff's partitions to be written",
      30_000,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const left = scratch();
    expect(left).toHaveLength(1);
    expect(filesIn(path.join(tmp, left[0]!)).length).toBeGreaterThan(0);

    await serve({ ...env, DIFF_MEMORY_MB: '256' });
    expect(fs.existsSync(path.join(tmp, left[0]!))).toBe(false);
    await waitFor(
      async () =>
        ((await (await api(`/api/diffing/job/${job_id}/status`)).json()) as { status: string }).status ===
        'done',
      'the retried job to finish',
      30_000,
    );
  }, 90_000);
});
