// Server-Sent Events on a Fastify reply: the headers proxies need to pass a stream through
// unbuffered, heartbeat comments that keep idle connections open, writes that respect
// backpressure, and a clean end when the client goes away or the server closes (Fastify's close
// waits for open requests, which a stream never finishes by itself).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface SseMessage {
  /** The event id the browser sends back as Last-Event-ID when it reconnects. */
  id?: number | string;
  /** The event type (EventSource listeners by name); "message" when absent. */
  event?: string;
  /** Sent as JSON (one `data:` line, since JSON text has no raw line breaks); a string as is. */
  data: unknown;
}

export interface SseStream {
  /**
   * Queues a message. Resolves true once the socket accepted it (waiting for 'drain' when its
   * buffer is full), false when the stream is closed or closes meanwhile.
   */
  send(message: SseMessage): Promise<boolean>;
  /**
   * Queues frames already made with sseFrame() (one or several, concatenated), as `send` does: a
   * fan-out renders an event once for all its streams.
   */
  sendFrames(frames: string): Promise<boolean>;
  readonly closed: boolean;
  /** Runs once when the stream ends, whoever ends it (the client, the server closing, close()). */
  onClose(fn: () => void): void;
  /** Ends the response. */
  close(): void;
}

export interface SseOptions {
  /** Interval of the `: heartbeat` comments (default 15 s). */
  heartbeatMs?: number;
  /** Sent as `retry:`: how long the browser waits before reconnecting. */
  retryMs?: number;
  /**
   * A client this far behind (bytes queued in the socket) is dropped instead of buffered without
   * bound; it reconnects with Last-Event-ID (default 1 MiB).
   */
  maxBufferedBytes?: number;
  /** Called on every heartbeat tick (e.g. a cheap check for missed events). */
  onHeartbeat?: () => void;
}

export interface SseHub {
  open(request: FastifyRequest, reply: FastifyReply, options?: SseOptions): SseStream;
  /** Streams open now. */
  readonly size: number;
}

const TOKEN = /^[^\r\n]*$/;

/** One SSE frame. */
export function sseFrame(message: SseMessage): string {
  let frame = '';
  if (message.id !== undefined) {
    const id = String(message.id);
    if (!TOKEN.test(id)) throw new Error('an SSE id cannot hold a line break');
    frame += `id: ${id}\n`;
  }
  if (message.event !== undefined) {
    if (!TOKEN.test(message.event) || message.event === '')
      throw new Error('an SSE event name must be one line');
    frame += `event: ${message.event}\n`;
  }
  const text = typeof message.data === 'string' ? message.data : JSON.stringify(message.data);
  for (const line of text.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`;
  return `${frame}\n`;
}

/** Streams for the routes of one plugin; all of them end when the app closes. */
export function createSseHub(app: FastifyInstance): SseHub {
  const open = new Set<SseStream>();
  app.addHook('preClose', (done) => {
    for (const stream of [...open]) stream.close();
    done();
  });

  return {
    get size() {
      return open.size;
    },
    open(request, reply, options = {}) {
      const heartbeatMs = options.heartbeatMs ?? 15_000;
      const maxBuffered = options.maxBufferedBytes ?? 1 << 20;
      const raw = reply.raw;
      reply.hijack();
      // The headers hooks already put on the reply (security headers) plus the stream's own.
      const headers: Record<string, string | number | string[]> = {};
      for (const [name, value] of Object.entries(reply.getHeaders()))
        if (value !== undefined) headers[name] = value;
      delete headers['content-length'];
      Object.assign(headers, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no', // nginx: pass the stream through unbuffered
      });
      raw.writeHead(200, headers);

      /**
       * Writes `text` to the socket now, and tells whether what the kernel did not take yet stays
       * under the socket's high-water mark. ServerResponse.write corks the socket until
       * process.nextTick (a chunk's size line, data and CRLF go in one writev), and a nextTick
       * waits until the microtask queue is empty: behind a group commit's answers, which end()
       * sends at once, an event written before them reached the dashboards after them (by
       * 20-40 ms on a loaded machine, longer when batches followed one another). Only this stream
       * writes to its socket, so every cork on it is that deferred one.
       */
      function writeNow(text: string): boolean {
        raw.write(text);
        const socket = raw.socket;
        while (socket?.writableCorked) socket.uncork();
        return raw.writableLength < raw.writableHighWaterMark;
      }
      writeNow(options.retryMs !== undefined ? `retry: ${options.retryMs}\n\n` : ': open\n\n');

      let closed = false;
      const closers: (() => void)[] = [];
      const waiting = new Set<() => void>();
      const stream: SseStream = {
        get closed() {
          return closed;
        },
        onClose(fn) {
          if (closed) fn();
          else closers.push(fn);
        },
        close: () => finish(),
        send(message) {
          return closed ? Promise.resolve(false) : stream.sendFrames(sseFrame(message));
        },
        async sendFrames(frame) {
          if (closed) return false;
          if (raw.writableLength + frame.length > maxBuffered) {
            request.log.warn('an event stream client fell too far behind; closed it');
            finish();
            return false;
          }
          if (writeNow(frame)) return true;
          return new Promise<boolean>((resolve) => {
            const onDrain = () => {
              waiting.delete(onDone);
              resolve(!closed);
            };
            const onDone = () => {
              raw.off('drain', onDrain);
              resolve(false);
            };
            waiting.add(onDone);
            raw.once('drain', onDrain);
          });
        },
      };
      const heartbeat = setInterval(() => {
        // A socket with bytes still queued is alive enough; a comment would only add to the queue.
        if (!closed && raw.writableLength === 0) writeNow(': heartbeat\n\n');
        options.onHeartbeat?.();
      }, heartbeatMs);

      function finish(): void {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        open.delete(stream);
        for (const done of [...waiting]) done();
        waiting.clear();
        if (!raw.writableEnded) raw.end();
        for (const fn of closers.splice(0)) {
          try {
            fn();
          } catch (err) {
            request.log.error({ err }, 'an event stream close handler failed');
          }
        }
      }
      // The response's 'close': the client went away (or the response ended).
      raw.on('close', finish);
      raw.on('error', finish);
      open.add(stream);
      return stream;
    },
  };
}
