// The preview of a diff: built from the engine's real output and the old file, read back as the API does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeCsv } from '../../../test/support/diffing.js';
import { runDiff } from './engine/index.js';
import {
  buildPreview,
  PREVIEW_FIELD_CHARS,
  PREVIEW_MAX_ROWS,
  PREVIEW_SEARCH_ROWS,
  readPreview,
} from './preview.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-preview-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const SPEC = { keys: ['id', 'part'], value: 'v' };

/** Diffs two files with the engine, builds their preview and reads it back with `limit` rows a kind. */
async function previewOf(oldLines: string[], newLines: string[], limit = PREVIEW_MAX_ROWS) {
  const oldPath = writeCsv(dir, 'old.csv', oldLines);
  const newPath = writeCsv(dir, 'new.csv', newLines);
  const diffPath = path.join(dir, 'diff.csv');
  const deletedPath = path.join(dir, 'deleted.csv');
  const stats = await runDiff({ oldPath, newPath, outPath: diffPath, deletedPath, spec: SPEC });
  const outPath = path.join(dir, 'preview.jsonl');
  await buildPreview({ oldPath, diffPath, deletedPath, ...SPEC, counts: stats, outPath });
  return { stats, preview: await readPreview(fs.createReadStream(outPath), limit) };
}

describe('diff preview', () => {
  it('sorts the diff into new and changed rows with the old value, in the diff’s order, and lists deleted rows', async () => {
    const { preview } = await previewOf(
      [
        'part,id,v,note', // another column order than the new file: columns are found by name
        'a,1,10,x',
        'a,2,20,x',
        '"b,c",3,30,x', // a quoted key: the same key as the new file's unquoted-equivalent field
        'a,4,40,x',
        'a,4,41,x', // a repeated key: the last occurrence is the old value
        'a,9,90,x', // only in the old file
      ],
      [
        'id,part,v',
        '5,a,50', // new
        '2,a,25', // changed
        '1,a,10', // unchanged
        '3,"b,c",33', // changed
        '4,a,42', // changed: old value 41
        '6,"q""uote",<b>&', // new, with a quote and markup
      ],
    );
    expect(preview).toEqual({
      columns: ['id', 'part', 'v'],
      searched: 5,
      new: [
        ['5', 'a', '50'],
        ['6', 'q"uote', '<b>&'],
      ],
      changed: [
        { values: ['2', 'a', '25'], old_value: '20' },
        { values: ['3', 'b,c', '33'], old_value: '30' },
        { values: ['4', 'a', '42'], old_value: '41' },
      ],
      deleted: [['9', 'a', '90']],
    });
  });

  it('keeps at most PREVIEW_MAX_ROWS rows a kind and reads back the first `limit` of each', async () => {
    const n = PREVIEW_MAX_ROWS + 5;
    const oldRows = Array.from({ length: n }, (_, i) => `${i},old,${i}`);
    const gone = Array.from({ length: n }, (_, i) => `${i},gone,${i}`);
    const changed = Array.from({ length: n }, (_, i) => `${i},old,${i + 0.5}`);
    const added = Array.from({ length: n }, (_, i) => `${i},new,${i}`);
    const header = 'id,part,v';
    const all = await previewOf([header, ...oldRows, ...gone], [header, ...changed, ...added]);
    expect(all.preview.new).toHaveLength(PREVIEW_MAX_ROWS);
    expect(all.preview.changed).toHaveLength(PREVIEW_MAX_ROWS);
    expect(all.preview.deleted).toHaveLength(PREVIEW_MAX_ROWS);
    expect(all.preview.changed[PREVIEW_MAX_ROWS - 1]).toEqual({
      values: [String(PREVIEW_MAX_ROWS - 1), 'old', `${PREVIEW_MAX_ROWS - 1 + 0.5}`],
      old_value: String(PREVIEW_MAX_ROWS - 1),
    });

    const stored = fs.readFileSync(path.join(dir, 'preview.jsonl'));
    const three = await readPreview(Readable.from([stored]), 3);
    expect(three.new).toEqual(all.preview.new.slice(0, 3));
    expect(three.changed).toEqual(all.preview.changed.slice(0, 3));
    expect(three.deleted).toEqual(all.preview.deleted.slice(0, 3));
  });

  it('finds changed rows further down in a second scan, and no further than PREVIEW_SEARCH_ROWS rows', async () => {
    const header = 'id,part,v';
    const firstBatch = 5_000;
    // 6,000 new rows, then 3 changed rows (found by the second scan), then new rows up to past the
    // search limit, then one more changed row that the preview does not look at.
    const pastLimit = PREVIEW_SEARCH_ROWS - firstBatch - 1_000 - 3 + 10;
    const newRows = [
      ...Array.from({ length: firstBatch + 1_000 }, (_, i) => `n${i},a,1`),
      'c1,a,2',
      'c2,a,2',
      'c3,a,2',
      ...Array.from({ length: pastLimit }, (_, i) => `m${i},a,1`),
      'c4,a,2',
    ];
    const { stats, preview } = await previewOf(
      [header, 'c1,a,1', 'c2,a,1', 'c3,a,1', 'c4,a,1'],
      [header, ...newRows],
      10,
    );
    expect(stats.changed).toBe(4);
    expect(preview.searched).toBe(PREVIEW_SEARCH_ROWS);
    expect(preview.changed).toEqual(
      ['c1', 'c2', 'c3'].map((id) => ({ values: [id, 'a', '2'], old_value: '1' })),
    );
    expect(preview.new.map((r) => r[0])).toEqual(Array.from({ length: 10 }, (_, i) => `n${i}`));
  });

  it('cuts fields longer than PREVIEW_FIELD_CHARS, ending them with "…"', async () => {
    const long = 'é'.repeat(PREVIEW_FIELD_CHARS + 50);
    const { preview } = await previewOf(['id,part,v', '1,a,1'], ['id,part,v', `1,a,${long}`, `2,${long},x`]);
    const cut = `${'é'.repeat(PREVIEW_FIELD_CHARS - 1)}…`;
    expect(preview.changed).toEqual([{ values: ['1', 'a', cut], old_value: '1' }]);
    expect(preview.new).toEqual([['2', cut, 'x']]);
  });

  it('is empty when nothing changed', async () => {
    const { preview } = await previewOf(['id,part,v', '1,a,1'], ['id,part,v', '1,a,1.0']);
    expect(preview).toEqual({ columns: ['id', 'part', 'v'], searched: 0, new: [], changed: [], deleted: [] });
  });
});
