// The layer check that `npm run lint` runs (dependency-cruiser with .dependency-cruiser.cjs), tried
// on planted trees: it must fail on each kind of bad import, and pass on this repository.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';
import { afterEach, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const config = createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs')) as IConfiguration;
const TSCONFIG = JSON.stringify({
  compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, jsx: 'react-jsx' },
});

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** Cruises `src` and `web` of a tree made of these files; returns `rule: from -> to` per violation. */
async function violations(files: Record<string, string>, baseDir?: string): Promise<string[]> {
  let dir = baseDir;
  if (!dir) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-boundaries-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), TSCONFIG);
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
  }
  const out = await cruise(
    ['src', 'web'].filter((d) => fs.existsSync(path.join(dir, d))),
    {
      baseDir: dir,
      ruleSet: { forbidden: config.forbidden },
      validate: true,
      tsPreCompilationDeps: true,
      tsConfig: { fileName: path.join(dir, 'tsconfig.json') },
      doNotFollow: { path: 'node_modules' },
      exclude: { path: '(^|/)(dist|build|node_modules)/' },
    },
    undefined,
    undefined,
  );
  const result = out.output as ICruiseResult;
  return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
}

const clean = {
  'src/platform/db.ts': 'export const db = 1;\n',
  'src/systems/alpha/service.ts': "import { db } from '../../platform/db.js';\nexport const a = db;\n",
  'src/systems/alpha/definition.ts': 'export const FIELDS = ["name"];\n',
  'web/alpha/page.ts':
    "import { FIELDS } from '../../src/systems/alpha/definition.js';\nexport const p = FIELDS;\n",
};

describe('the layer check', () => {
  it('passes a tree that keeps the layers', async () => {
    expect(await violations(clean)).toEqual([]);
  });

  it('fails when the platform imports a system', async () => {
    expect(
      await violations({
        ...clean,
        'src/platform/http.ts': "import { a } from '../systems/alpha/service.js';\nexport const h = a;\n",
      }),
    ).toEqual(['platform-imports-no-system: src/platform/http.ts -> src/systems/alpha/service.ts']);
  });

  it('fails when a system imports another system', async () => {
    expect(
      await violations({
        ...clean,
        'src/systems/beta/routes.ts': "import { a } from '../alpha/service.js';\nexport const b = a;\n",
      }),
    ).toEqual(['systems-import-no-other-system: src/systems/beta/routes.ts -> src/systems/alpha/service.ts']);
  });

  it('fails on an import cycle, even one made of type imports', async () => {
    const found = await violations({
      ...clean,
      'src/systems/alpha/one.ts':
        "import type { Two } from './two.js';\nexport interface One { two?: Two }\n",
      'src/systems/alpha/two.ts':
        "import type { One } from './one.js';\nexport interface Two { one?: One }\n",
    });
    expect(found).toEqual(['no-cycles: src/systems/alpha/one.ts -> src/systems/alpha/two.ts']);
  });

  it("fails when a page imports server code other than its own system's", async () => {
    expect(
      await violations({
        ...clean,
        'web/beta/page.ts': "import { db } from '../../src/platform/db.js';\nexport const p = db;\n",
      }),
    ).toEqual(['pages-import-no-server: web/beta/page.ts -> src/platform/db.ts']);
  });

  it('finds nothing wrong in this repository', async () => {
    expect(await violations({}, root)).toEqual([]);
  });
});
