// HTTP over a bare socket, for what inject cannot show: a client that writes its whole request
// before reading, and whether the server closes the connection.
import net from 'node:net';

export interface RawAnswer {
  text: string;
  status: number | undefined;
  headers: Record<string, string>;
  body: string;
  /** The server ended the connection (FIN or reset) after answering. */
  closedByServer: boolean;
}

/** Splits what a server sent into its (first) answer's status, headers and body. */
function parseAnswer(text: string, closedByServer: boolean): RawAnswer {
  const [headText = '', body = ''] = text.split('\r\n\r\n', 2);
  const [statusLine = '', ...headerLines] = headText.split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { text, status: Number(statusLine.split(' ')[1]) || undefined, headers, body, closedByServer };
}

/**
 * Writes the whole request first (as Python's requests does), then reads until the server ends the
 * connection or `keepAliveMs` passes after a complete answer.
 */
export function rawRequest(port: number, bytes: Buffer, keepAliveMs = 1500): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = (closedByServer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(parseAnswer(text, closedByServer));
    };
    socket.on('data', (chunk) => {
      text += chunk.toString();
      // A complete answer on a connection the server keeps open: wait a little for it to close.
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), keepAliveMs);
    });
    socket.on('end', () => finish(true));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ECONNRESET' || err.code === 'EPIPE' ? finish(true) : reject(err),
    );
    socket.write(bytes);
  });
}

export interface RawExchange {
  /** Everything the server sent, as latin1 (byte for byte). */
  text: string;
  /** The status of each answer found in `text`, in order (pipelined requests get several). */
  statuses: number[];
  /** How the exchange ended: the server closed the connection, or it went quiet after answering, or neither before the deadline. */
  ended: 'closed' | 'quiet' | 'hung';
  ms: number;
}

/**
 * Sends `pieces` over one connection (each after `gapMs`), optionally half-closes it, and reads
 * until the server closes it, or (once something came) `quietMs` passes with nothing more, or the
 * deadline passes: `hung` then means the server neither answered nor closed in time.
 */
export function rawExchange(
  port: number,
  pieces: readonly Buffer[],
  opts: { gapMs?: number; halfClose?: boolean; quietMs?: number; deadlineMs: number },
): Promise<RawExchange> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let quiet: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (ended: RawExchange['ended']) => {
      if (done) return;
      done = true;
      clearTimeout(quiet);
      clearTimeout(deadline);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
      resolve({ text, statuses, ended, ms: performance.now() - started });
    };
    const deadline = setTimeout(() => finish('hung'), opts.deadlineMs);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      clearTimeout(quiet);
      quiet = setTimeout(() => finish('quiet'), opts.quietMs ?? 300);
    });
    socket.on('close', () => finish('closed'));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      ['ECONNRESET', 'EPIPE'].includes(err.code ?? '') ? finish('closed') : reject(err),
    );
    // The pieces go one by one, `gapMs` apart (a client trickling its request), then maybe a FIN.
    const write = (i: number) => {
      if (done || socket.destroyed) return;
      if (i === pieces.length) {
        if (opts.halfClose) socket.end();
        return;
      }
      socket.write(pieces[i]!);
      setTimeout(() => write(i + 1), opts.gapMs ?? 0);
    };
    socket.on('connect', () => write(0));
  });
}
