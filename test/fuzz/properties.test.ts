// The fuzzer's own checks: each property it asserts must catch the answer that breaks it.
import { describe, expect, it } from 'vitest';
import { problemsOf, routesOf, type Answer, type FuzzRequest } from './fuzz.js';

const request = (url: string, method = 'GET'): FuzzRequest => ({
  route: { method, url },
  method,
  url,
  headers: {},
  credentials: 'none',
  remoteAddress: '10.9.0.1',
});
const answer = (status: number, body: string, type = 'application/json; charset=utf-8'): Answer => ({
  status,
  headers: { 'content-type': type },
  body,
  ms: 1,
});
const INTERNAL = ['/srv/quintet', 'node_modules/'];

describe('the fuzzer flags', () => {
  it('a 5xx, except the seed contract of a diff job result', () => {
    expect(problemsOf(request('/api/x'), answer(500, '{"error":"internal server error"}'), INTERNAL)).toEqual(
      ['answered 500'],
    );
    expect(problemsOf(request('/api/x'), answer(502, '{"error":"x"}'), INTERNAL)).toEqual(['answered 502']);
    const failed = '{"job_id":3,"status":"failed","error":"bad line 2"}';
    expect(problemsOf(request('/api/diffing/job/3'), answer(500, failed), INTERNAL)).toEqual([]);
    expect(problemsOf(request('/api/diffing/job/3/status'), answer(500, failed), INTERNAL)).toEqual([
      'answered 500',
    ]);
    const queued = '{"job_id":3,"status":"queued","progress":0}';
    expect(problemsOf(request('/api/diffing/job/3'), answer(404, queued), INTERNAL)).toEqual([]);
  });

  it('a stack trace or an internal path in the body, unless the request sent it', () => {
    const stack = '{"error":"boom\\n    at handler (/srv/quintet/src/x.ts:10:5)"}';
    expect(problemsOf(request('/api/x'), answer(400, stack), INTERNAL)).toEqual([
      'a stack trace in the body',
      'an internal path (/srv/quintet) in the body',
    ]);
    const echoed = '{"error":"no route for GET /node_modules/x"}';
    expect(problemsOf(request('/node_modules/x'), answer(404, echoed), INTERNAL)).toEqual([]);
    expect(problemsOf(request('/a'), answer(404, echoed), INTERNAL)).toEqual([
      'an internal path (node_modules/) in the body',
    ]);
  });

  it('a 4xx that is not {"error": "…"}, or an HTML error for an API or a write', () => {
    expect(problemsOf(request('/api/x'), answer(400, '{"error":"x must be a number"}'), INTERNAL)).toEqual(
      [],
    );
    expect(problemsOf(request('/api/x'), answer(400, '{"message":"x"}'), INTERNAL)).toHaveLength(1);
    expect(problemsOf(request('/api/x'), answer(400, '{"error":" "}'), INTERNAL)).toHaveLength(1);
    expect(problemsOf(request('/api/x'), answer(400, 'Bad Request', 'text/plain'), INTERNAL)).toHaveLength(1);
    const page = answer(404, '<!doctype html><title>Not found</title>', 'text/html; charset=utf-8');
    expect(problemsOf(request('/hiring/nope'), page, INTERNAL)).toEqual([]);
    expect(problemsOf(request('/hiring/api/nope'), page, INTERNAL)).toHaveLength(1);
    expect(problemsOf(request('/hiring/nope', 'POST'), page, INTERNAL)).toHaveLength(1);
  });
});

describe('routesOf', () => {
  it('reads full paths and methods from the printed route tree', () => {
    const tree = [
      '└── / (GET, HEAD)',
      '    ├── api/items (POST, GET, HEAD)',
      '    │   └── /:id (PATCH)',
      '    │       └── /rows (GET, HEAD)',
      '    └── hiring (GET, HEAD)',
      '        └── / (GET, HEAD)',
      '            └── apply (GET, HEAD)',
    ].join('\n');
    const app = { printRoutes: () => tree } as unknown as Parameters<typeof routesOf>[0];
    expect(routesOf(app)).toEqual([
      { method: 'GET', url: '/' },
      { method: 'POST', url: '/api/items' },
      { method: 'GET', url: '/api/items' },
      { method: 'PATCH', url: '/api/items/:id' },
      { method: 'GET', url: '/api/items/:id/rows' },
      { method: 'GET', url: '/hiring' },
      { method: 'GET', url: '/hiring/' },
      { method: 'GET', url: '/hiring/apply' },
    ]);
  });
});
