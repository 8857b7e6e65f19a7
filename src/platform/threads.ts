// Starting worker threads from compiled code (dist, .js) and from sources (tsx, tests, .ts) alike.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

let tsxApi: string | undefined;

/** The module a URL names, or its `.ts`/`.js` sibling when only that exists; undefined when neither does. */
export function resolveModuleFile(url: URL): URL | undefined {
  if (url.protocol !== 'file:') return undefined;
  const file = fileURLToPath(url);
  const candidates = [file];
  if (file.endsWith('.js')) candidates.push(`${file.slice(0, -3)}.ts`);
  else if (file.endsWith('.ts')) candidates.push(`${file.slice(0, -3)}.js`);
  const found = candidates.find((f) => fs.existsSync(f));
  return found === undefined ? undefined : pathToFileURL(found);
}

/**
 * A worker thread running the module at `entry`. Running from sources the thread must load
 * TypeScript: Node 20 does not apply `--import tsx` to a worker thread's modules, so a tiny entry
 * registers tsx's hooks in the thread first, then imports the module. `typescript` asks for that
 * even when `entry` is JavaScript (an entry that will import TypeScript modules later).
 */
export function startModuleThread(entry: URL, options: WorkerOptions = {}, typescript = false): Worker {
  const module = resolveModuleFile(entry);
  if (!module) throw new Error(`no module at ${entry.href} (nor its .ts/.js sibling)`);
  if (!typescript && !module.pathname.endsWith('.ts'))
    return new Worker(module, { execArgv: [], ...options });
  if (!tsxApi) {
    // tsx's "./esm/api" export resolves to its CommonJS build under require(); take the ESM one.
    const tsxRoot = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
    tsxApi = pathToFileURL(path.join(tsxRoot, 'dist/esm/api/index.mjs')).href;
  }
  const code = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); });`;
  return new Worker(code, { ...options, eval: true, execArgv: [] });
}
