// The new file's keyless partitions being written: rows copied byte for byte into per-partition CSV
// files through regions of one buffer (RowScatter).
import { closeSync, openSync, writeSync } from 'node:fs';

/** Writes buf[start, start + len) at `pos` of a file, all of it. */
function writeAllAt(fd: number, buf: Uint8Array, start: number, len: number, pos: number): void {
  for (let done = 0; done < len;) done += writeSync(fd, buf, start + done, len - done, pos + done);
}

/**
 * The new file's keyless partitions being written (splitKeyless): per partition a CSV file (its
 * header line first) and an offsets file, each filled through a region of one shared buffer
 * (DiffKernel.scatterRows fills the regions; add() is the same in JavaScript).
 */
export class RowScatter {
  readonly dst: Buffer;
  readonly offs: Float64Array;
  private readonly offsBytes: Uint8Array;
  readonly fill: Float64Array;
  /** Bytes of partition p's CSV file before its region (where the region's bytes go). */
  readonly partPos: Float64Array;
  readonly offsFill: Float64Array;
  readonly rows: number[];
  private readonly fds: number[] = [];
  private readonly offsFds: number[] = [];
  private readonly offsPos: number[];
  private readonly nl = Buffer.from('\n');

  constructor(
    readonly paths: string[],
    readonly regionSize: number,
    readonly offsRegion: number,
    header: Buffer,
  ) {
    const n = paths.length;
    this.dst = Buffer.allocUnsafe(n * regionSize);
    this.offs = new Float64Array(n * offsRegion);
    this.offsBytes = new Uint8Array(this.offs.buffer);
    this.fill = new Float64Array(n);
    this.partPos = new Float64Array(n);
    this.offsFill = new Float64Array(n);
    this.rows = new Array<number>(n).fill(0);
    this.offsPos = new Array<number>(n).fill(0);
    try {
      for (const path of paths) {
        const fd = openSync(path, 'wx');
        this.fds.push(fd);
        this.offsFds.push(openSync(`${path}.offs`, 'wx'));
        writeAllAt(fd, header, 0, header.length, 0);
        writeAllAt(fd, this.nl, 0, 1, header.length);
      }
    } catch (e) {
      this.close(false);
      throw e;
    }
    this.partPos.fill(header.length + 1);
  }

  /** Writes partition p's regions to its files. */
  flush(p: number): void {
    const used = this.fill[p] as number;
    writeAllAt(this.fds[p] as number, this.dst, p * this.regionSize, used, this.partPos[p] as number);
    this.partPos[p] = (this.partPos[p] as number) + used;
    this.fill[p] = 0;
    const pairs = this.offsFill[p] as number;
    writeAllAt(
      this.offsFds[p] as number,
      this.offsBytes,
      p * this.offsRegion * 8,
      pairs * 8,
      this.offsPos[p] as number,
    );
    this.offsPos[p] = (this.offsPos[p] as number) + pairs * 8;
    this.offsFill[p] = 0;
    this.rows[p] = (this.rows[p] as number) + pairs / 2;
  }

  /** Appends one row (src[at, at + len), at file offset off) to partition p, as scatterRows does. */
  add(p: number, src: Uint8Array, at: number, len: number, off: number): void {
    if (
      (this.fill[p] as number) + len + 1 > this.regionSize ||
      (this.offsFill[p] as number) + 2 > this.offsRegion
    ) {
      this.flush(p);
    }
    const o = p * this.offsRegion + (this.offsFill[p] as number);
    this.offs[o] = (this.partPos[p] as number) + (this.fill[p] as number);
    this.offs[o + 1] = off;
    this.offsFill[p] = (this.offsFill[p] as number) + 2;
    if (len + 1 > this.regionSize) {
      // Longer than a region: straight to the file.
      const pos = this.partPos[p] as number;
      writeAllAt(this.fds[p] as number, src, at, len, pos);
      writeAllAt(this.fds[p] as number, this.nl, 0, 1, pos + len);
      this.partPos[p] = pos + len + 1;
      return;
    }
    const d = p * this.regionSize + (this.fill[p] as number);
    this.dst.set(src.subarray(at, at + len), d);
    this.dst[d + len] = 10;
    this.fill[p] = (this.fill[p] as number) + len + 1;
  }

  /** Flushes (unless !flush) and closes every file (once). */
  close(flush = true): void {
    try {
      if (flush) for (let p = 0; p < this.fds.length; p++) this.flush(p);
    } finally {
      for (const fd of [...this.fds.splice(0), ...this.offsFds.splice(0)]) closeSync(fd);
    }
  }
}
