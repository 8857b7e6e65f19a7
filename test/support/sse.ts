// A Server-Sent Events client for tests: fetch with a reader, frames parsed as the spec says
// (id/event/data fields, comments ignored), waited for by condition with a deadline.

export interface SseFrame {
  id?: string;
  event: string;
  data: string;
}

export interface SseReader {
  response: Response;
  /** Every frame received so far, in order. */
  frames: SseFrame[];
  /** The first frame (received already or later) after `from` that matches, within `timeoutMs`. */
  next(match: (frame: SseFrame) => boolean, timeoutMs?: number, from?: number): Promise<SseFrame>;
  close(): Promise<void>;
}

export function parseSseBlock(block: string): SseFrame | undefined {
  const frame: SseFrame = { event: 'message', data: '' };
  const data: string[] = [];
  let fields = 0;
  for (const line of block.split(/\r\n|\r|\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    fields++;
    if (name === 'id') frame.id = value;
    else if (name === 'event') frame.event = value;
    else if (name === 'data') data.push(value);
  }
  if (fields === 0 || data.length === 0) return undefined; // comments, or only `retry:`
  frame.data = data.join('\n');
  return frame;
}

/** Opens `url` as an event stream (the response must be 200 text/event-stream). */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  if (response.status !== 200 || !response.headers.get('content-type')?.startsWith('text/event-stream'))
    throw new Error(`${url}: ${response.status} ${await response.text()}`);
  const frames: SseFrame[] = [];
  const waiters = new Set<() => void>();
  let ended: Error | undefined;
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(buffer.slice(end).match(/^\r?\n\r?\n/)![0].length + end);
          const frame = parseSseBlock(block);
          if (frame) frames.push(frame);
        }
        for (const wake of [...waiters]) wake();
      }
      ended = new Error('the event stream ended');
    } catch (err) {
      ended = err as Error;
    }
    for (const wake of [...waiters]) wake();
  })();

  return {
    response,
    frames,
    next(match, timeoutMs = 5000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = frames.slice(from).find(match);
          if (found) return done(() => resolve(found));
          if (ended) return done(() => reject(ended));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`no matching event within ${timeoutMs} ms`))),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}
