// `npm install` step: builds the diff engine's native kernel (native/diff-kernel.cc, see
// src/systems/diffing/engine/native-kernel.ts) with the node-gyp that npm bundles. Optional: without a C++
// compiler (or with QUINTET_NATIVE=0) the engine does the same work in JavaScript, only slower.
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const gyp = process.env.npm_config_node_gyp;
const skip = (why) => {
  console.warn(`quintet: native diff kernel not built (${why}); the diff engine runs in JavaScript, slower.`);
  process.exit(0);
};
if (process.env.QUINTET_NATIVE === '0') skip('QUINTET_NATIVE=0');
if (!gyp) skip('npm did not say where node-gyp is: run this through npm install');
const r = spawnSync(process.execPath, [gyp, 'rebuild', '--loglevel=warn'], { cwd: root, encoding: 'utf8' });
if (r.status !== 0) {
  process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  skip(r.error ? r.error.message : `node-gyp exited with ${r.status}`);
}
console.log('quintet: native diff kernel built (build/Release/diff_kernel.node)');
