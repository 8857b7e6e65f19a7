// runDiff: one diff from start to end (see index.ts for what it does): opens both files, plans the
// path (plan.ts), writes both outputs to temporary files and moves them into place only on success.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { copyFile, mkdtemp, rename, rm, unlink } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { BufferedWriter } from '../../../platform/csv/buffered-writer.js';
import { openInput, type Input } from './input.js';
import { diffInMemory } from './keyless-in-memory.js';
import { lineAt } from './keyless-steps.js';
import { diffPartitionedKeyless } from './keyless-partitioned.js';
import { diffClassic } from './keys-in-memory.js';
import { diffPartitioned } from './keys-partitioned.js';
import { DiffThread } from './partitions.js';
import {
  budgetTuning,
  diffThreads,
  partitionCount,
  partitionCountByKey,
  planDiff,
  type PlanInput,
} from './plan.js';
import { Progress } from './progress.js';
import { sampleInput } from './sample.js';
import { newCounters } from './tally.js';
import {
  DEFAULT_MEMORY_BUDGET,
  DEFAULT_TUNING,
  InAnotherOrder,
  UseKeyTable,
  type DiffOptions,
  type DiffStats,
  type Tuning,
} from './types.js';

async function moveInto(tmp: string, dest: string): Promise<void> {
  try {
    await rename(tmp, dest);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    await copyFile(tmp, dest);
    await unlink(tmp);
  }
}

function validate(opts: DiffOptions): void {
  if (!opts.spec || opts.spec.keys.length === 0) throw new Error('runDiff: spec.keys must not be empty');
  if (!opts.spec.value) throw new Error('runDiff: spec.value is required');
  if (resolve(opts.outPath) === resolve(opts.deletedPath)) {
    throw new Error('runDiff: outPath and deletedPath must differ');
  }
  if (
    opts.forcePartitions !== undefined &&
    !(Number.isInteger(opts.forcePartitions) && opts.forcePartitions >= 1)
  ) {
    throw new Error('runDiff: forcePartitions must be a positive integer');
  }
  if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads >= 1)) {
    throw new Error('runDiff: threads must be a positive integer');
  }
}

/** Runs one diff; see index.ts for the exact semantics. */
export async function runDiff(opts: DiffOptions): Promise<DiffStats> {
  return runDiffTuned(opts, {});
}

/** runDiff with internal knobs (for tests and benchmarks); knobs not given keep their defaults. */
export async function runDiffTuned(opts: DiffOptions, knobs: Partial<Tuning>): Promise<DiffStats> {
  validate(opts);
  const budget = opts.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET;
  const tuning: Tuning = { ...DEFAULT_TUNING, ...budgetTuning(budget), ...knobs };
  const tmpDir = opts.tmpDir ?? dirname(opts.outPath);
  const tag = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const outTmp = join(tmpDir, `.${basename(opts.outPath)}.${tag}.tmp`);
  const delTmp = join(tmpDir, `.${basename(opts.deletedPath)}.${tag}.tmp`);
  const progress = new Progress(opts.onProgress);
  const inputs: Input[] = [];
  let partDir: string | undefined;
  let thread: DiffThread | undefined;
  let outFd = -1;
  let delFd = -1;
  try {
    const oldIn = await openInput('old', opts.oldPath, opts.spec, tuning.chunkSize);
    inputs.push(oldIn);
    const newIn = await openInput('new', opts.newPath, opts.spec, tuning.chunkSize);
    inputs.push(newIn);
    progress.at(0, 1, 0);
    const threads = diffThreads(opts.threads, availableParallelism(), oldIn.size + newIn.size, budget);
    const oldSample = sampleInput(oldIn);
    const newSample = sampleInput(newIn);
    const planInput: PlanInput = {
      oldSample,
      newSample,
      oldBytes: oldIn.size,
      newBytes: newIn.size,
      budget,
      threads,
      keyless: tuning.keyless,
      ...(opts.forcePartitions !== undefined ? { forcePartitions: opts.forcePartitions } : {}),
    };
    const plan = planDiff(planInput);
    let partitions = plan.partitions;
    outFd = openSync(outTmp, 'wx');
    delFd = openSync(delTmp, 'wx');
    const outW = new BufferedWriter(outFd, 1024 * 1024);
    const delW = new BufferedWriter(delFd, 256 * 1024);
    outW.write(newIn.header, 0, newIn.header.length);
    outW.write(newIn.term, 0, newIn.term.length);
    delW.write(oldIn.header, 0, oldIn.header.length);
    delW.write(oldIn.term, 0, oldIn.term.length);
    const outHeaderBytes = outW.written;
    const delHeaderBytes = delW.written;

    const c = newCounters();
    let table: DiffStats['table'] = 'keys';
    const reopen = async (which: 'old' | 'new'): Promise<Input> => {
      const inp = await openInput(
        which,
        which === 'old' ? opts.oldPath : opts.newPath,
        opts.spec,
        tuning.chunkSize,
      );
      inputs.push(inp);
      return inp;
    };
    /**
     * The partitioned path: keyless partitions first when `keyless` ('by key': the old partitions
     * held in memory, for a new file in another order), else (or if those cannot go on) KeyTable ones.
     */
    const partitionedDiff = async (o: Input, n: Input, keyless: boolean | 'by key'): Promise<void> => {
      if (threads > 1) thread ??= new DiffThread();
      const ctx = { oldIn: o, newIn: n, outW, delW, c, progress, tuning, thread };
      partDir = await mkdtemp(join(tmpDir, `.diff-parts-${tag}-`));
      if (keyless !== false) {
        try {
          await diffPartitionedKeyless(partitions, partDir, ctx, keyless === 'by key');
          table = 'fingerprints';
          return;
        } catch (e) {
          if (!(e instanceof UseKeyTable)) throw e;
        }
        // A partition's keyless table could not go on (see diffInMemory): all again, with KeyTables.
        outW.truncate(outHeaderBytes);
        delW.truncate(delHeaderBytes);
        Object.assign(c, newCounters());
        await rm(partDir, { recursive: true, force: true });
        partDir = await mkdtemp(join(tmpDir, `.diff-parts-${tag}-`));
        partitions = partitionCount(planInput, false);
        o = await reopen('old');
        n = await reopen('new');
      }
      await diffPartitioned(partitions, partDir, { ...ctx, oldIn: o, newIn: n });
    };
    if (plan.partitioned) {
      // (Tuning.byKey true: the keyless partitions by key from the start)
      const byKey = plan.keylessAllowed && tuning.byKey === true;
      await partitionedDiff(oldIn, newIn, byKey ? 'by key' : plan.keylessAllowed);
    } else {
      const fallback = async (o: Input, n: Input, why: UseKeyTable | null): Promise<DiffStats['table']> => {
        if (why instanceof InAnotherOrder) {
          // Another order, the old file too large to hold: keyless partitions, each held in memory.
          partitions = partitionCountByKey(planInput);
          await partitionedDiff(o, n, 'by key');
          return table;
        }
        if (plan.keyTableFits) {
          await diffClassic(o, n, oldSample, plan.expectedKeys, outW, delW, c, progress, tuning);
        } else {
          // The keyless table could not go on, and the KeyTable does not fit the budget.
          partitions = partitionCount(planInput, false);
          await partitionedDiff(o, n, false);
        }
        return 'keys';
      };
      table = await diffInMemory(
        oldIn,
        newIn,
        oldSample,
        newSample,
        outW,
        delW,
        c,
        progress,
        tuning,
        plan.keylessAllowed,
        plan.keylessMaxBytes,
        // The old file may be held in memory beside the keyless table (a new file in another order).
        budget - plan.needKeyless,
        reopen,
        fallback,
      );
    }
    outW.flush();
    delW.flush();
    closeSync(outFd);
    outFd = -1;
    closeSync(delFd);
    delFd = -1;
    await moveInto(outTmp, opts.outPath);
    await moveInto(delTmp, opts.deletedPath);
    progress.at(0, 1, 1);

    const warnings: string[] = [];
    const dupWarning = async (
      file: 'old' | 'new',
      dups: number,
      line: number,
      firstOff: number,
    ): Promise<void> => {
      if (dups === 0) return;
      if (firstOff < 0)
        throw new Error(
          `internal error: the first row of the ${file} file's first repeated key is not known`,
        );
      const first = await lineAt(file === 'old' ? opts.oldPath : opts.newPath, firstOff);
      warnings.push(
        `${file} file: ${dups} duplicate key${dups === 1 ? '' : 's'}, last occurrence kept (first at line ${first}, repeated at line ${line})`,
      );
    };
    await dupWarning('old', c.dupOld, c.firstDupOld, c.firstOfDupOld);
    await dupWarning('new', c.dupNew, c.firstDupNew, c.firstOfDupNew);
    return {
      rowsOld: c.rowsOld,
      rowsNew: c.rowsNew,
      rowsOut: c.added + c.changed,
      added: c.added,
      changed: c.changed,
      unchanged: c.unchanged,
      deleted: c.deleted,
      duplicateKeysOld: c.dupOld,
      duplicateKeysNew: c.dupNew,
      warnings,
      partitions,
      identicalRows: c.identical,
      table,
    };
  } catch (e) {
    if (outFd >= 0) closeSync(outFd);
    if (delFd >= 0) closeSync(delFd);
    await rm(outTmp, { force: true });
    await rm(delTmp, { force: true });
    throw e;
  } finally {
    if (thread) await thread.close();
    for (const inp of inputs) await inp.rd.close().catch(() => undefined);
    if (partDir) await rm(partDir, { recursive: true, force: true });
  }
}
