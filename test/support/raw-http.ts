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
      const [headText = '', body = ''] = text.split('\r\n\r\n', 2);
      const [statusLine = '', ...headerLines] = headText.split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((l) => [
          l.slice(0, l.indexOf(':')).toLowerCase(),
          l.slice(l.indexOf(':') + 1).trim(),
        ]),
      );
      resolve({ text, status: Number(statusLine.split(' ')[1]) || undefined, headers, body, closedByServer });
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
