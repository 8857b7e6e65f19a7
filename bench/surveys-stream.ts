// A dashboard's event stream as `npm run bench:surveys` reads it: in a process of its own each
// (bench/surveys-dashboard.ts), or in the respondents' process with --dashboards-inline.
import http from 'node:http';

/** Wall-clock milliseconds, comparable between processes (after the offset the bench measures). */
export const wallNow = () => performance.timeOrigin + performance.now();

/** The key of an acknowledged save: the response's id and the length of its `about` answer. */
export const keyOf = (id: string, about: string | undefined) => `${id}|${about?.length ?? 0}`;

/**
 * A reader of the stream's text: calls `onResponse(key, at)` for every `response` frame, `at` the
 * time its chunk arrived (before any of the chunk is parsed).
 */
function responseFrames(onResponse: (key: string, at: number) => void): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    const at = wallNow();
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!frame.includes('event: response')) continue;
      const data = frame
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n');
      const parsed = JSON.parse(data) as { id: string; answers: { about?: string } };
      onResponse(keyOf(parsed.id, parsed.answers.about), at);
    }
  };
}

export interface Listening {
  /** Stops listening: the `response` events seen, and when each save's event last arrived. */
  stop(): { count: number; events: Map<string, number> };
}

/** Opens /api/surveys/events with the admin's cookie; resolves once it answered 200. */
export function listenForResponses(port: number, cookie: string): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const events = new Map<string, number>();
    let count = 0;
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/surveys/events',
        headers: { accept: 'text/event-stream', cookie },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.destroy();
          reject(new Error(`events answered ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        res.on(
          'data',
          responseFrames((key, at) => {
            count += 1;
            events.set(key, at);
          }),
        );
        res.on('error', () => undefined);
        resolve({
          stop: () => {
            res.destroy();
            return { count, events };
          },
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
