import { describe, expect, it } from 'vitest';
import { checkLegacyRow, parseLegacyTime, type LegacyRow } from './legacy.js';

function legacy(overrides: Partial<LegacyRow> = {}): LegacyRow {
  return {
    id: 7,
    first_name: 'Linda',
    last_name: 'Smith',
    region: 'San Francisco Bay Area',
    phone: '415-555-0107',
    email: 'linda.smith.7@example.com',
    phone_type: 'Windows Phone',
    source: null,
    over_21: 1,
    reason: null,
    workflow_state: 'quiz_started',
    created_at: '2014-07-07 02:10:46.503458',
    updated_at: '2014-07-07 02:23:00.503458',
    ...overrides,
  };
}

function rejection(row: LegacyRow): string {
  const result = checkLegacyRow(row);
  if (result.ok) throw new Error('expected the row to be rejected');
  return result.reason;
}

function accepted(row: LegacyRow) {
  const result = checkLegacyRow(row);
  if (!result.ok) throw new Error(`expected the row to be accepted, got "${result.reason}"`);
  return result;
}

describe('parseLegacyTime', () => {
  it('reads the original format (naive, microseconds) as UTC, keeping milliseconds', () => {
    expect(parseLegacyTime('2014-07-07 02:10:46.503458')).toBe('2014-07-07T02:10:46.503Z');
  });

  it.each([
    ['2014-07-07 02:10:46', '2014-07-07T02:10:46.000Z'],
    ['2014-07-07 02:10:46.5', '2014-07-07T02:10:46.500Z'],
    ['2014-07-07 02:10:46.05', '2014-07-07T02:10:46.050Z'],
    ['2014-07-07 02:10:46.123', '2014-07-07T02:10:46.123Z'],
    ['2014-07-07 02:10:46.1239', '2014-07-07T02:10:46.123Z'],
    ['2014-07-07 02:10:46.999999999', '2014-07-07T02:10:46.999Z'],
    ['2014-07-07 02:10', '2014-07-07T02:10:00.000Z'],
    ['2014-07-07T02:10:46.503458', '2014-07-07T02:10:46.503Z'],
  ])('reads %s (fraction of any length, seconds optional) as %s', (input, expected) => {
    expect(parseLegacyTime(input)).toBe(expected);
  });

  it('reads a UTC or Z suffix, in any case, with or without a space, as UTC', () => {
    for (const suffix of [' UTC', 'UTC', ' utc', 'Z', 'z']) {
      expect(parseLegacyTime(`2014-07-07 02:10:46.503458${suffix}`)).toBe('2014-07-07T02:10:46.503Z');
    }
  });

  it('converts an explicit offset, written with or without a colon, to UTC', () => {
    expect(parseLegacyTime('2014-07-07 02:10:46+02:00')).toBe('2014-07-07T00:10:46.000Z');
    expect(parseLegacyTime('2014-07-07 02:10:46-0500')).toBe('2014-07-07T07:10:46.000Z');
  });

  it('keeps a time whose offset moves it to another UTC day', () => {
    expect(parseLegacyTime('2014-12-31 23:30:00-02:00')).toBe('2015-01-01T01:30:00.000Z');
  });

  it('trims surrounding whitespace', () => {
    expect(parseLegacyTime('  2014-07-07 02:10:46  ')).toBe('2014-07-07T02:10:46.000Z');
  });

  it('passes a valid Date through and refuses an invalid one', () => {
    expect(parseLegacyTime(new Date('2014-07-07T02:10:46.503Z'))).toBe('2014-07-07T02:10:46.503Z');
    expect(parseLegacyTime(new Date('nope'))).toBeUndefined();
  });

  it.each([
    '2014-02-30 10:00:00',
    '2015-02-29 10:00:00',
    '2014-04-31 00:00:00',
    '2014-13-01 00:00:00',
    '2014-07-07 25:00:00',
    '2014-07-07 24:00:00',
    '2014-07-07 10:60:00',
    '2014-07-07 10:00:60',
    '2014-07-07 10:99:00 UTC',
    '2014-07-07 10:00:61+02:00',
  ])('refuses %s, which is not a real date or time, instead of rolling it over', (input) => {
    expect(parseLegacyTime(input)).toBeUndefined();
  });

  it('refuses a date that is not on the calendar even when it carries an offset', () => {
    expect(parseLegacyTime('2014-02-30 10:00:00+02:00')).toBeUndefined();
    expect(parseLegacyTime('2015-02-29 10:00:00-0500')).toBeUndefined();
  });

  it('writes a UTC time exactly as Date would, from year 0001 to 9999', () => {
    for (const input of ['0001-01-01 00:00:00', '0099-12-31 23:59:59.9', '9999-12-31 23:59:59.999999Z']) {
      const [date, time] = input.replace('Z', '').split(' ') as [string, string];
      const viaDate = new Date(0);
      viaDate.setUTCFullYear(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8)));
      const [h, m, s] = time.split(':').map(Number) as [number, number, number];
      viaDate.setUTCHours(h, m, Math.floor(s), Math.floor((s % 1) * 1000 + 1e-6));
      expect(parseLegacyTime(input)).toBe(viaDate.toISOString());
    }
  });

  it('accepts 29 February in a leap year', () => {
    expect(parseLegacyTime('2016-02-29 12:00:00')).toBe('2016-02-29T12:00:00.000Z');
  });

  it.each([['yesterday'], [''], ['2014-07-07'], ['07/07/2014 02:10'], [1404699046], [null], [undefined]])(
    'refuses %s',
    (input) => {
      expect(parseLegacyTime(input)).toBeUndefined();
    },
  );
});

describe('checkLegacyRow', () => {
  it('turns a good row into an applicant row with ISO times, lower-case email and the phone as written', () => {
    const result = accepted(legacy({ email: ' Linda.Smith.7@Example.com ' }));
    expect(result.warnings).toEqual([]);
    expect(result.row).toMatchObject({
      first_name: 'Linda',
      last_name: 'Smith',
      email: 'linda.smith.7@example.com',
      phone: '415-555-0107',
      phone_key: '+14155550107',
      over_21: 1,
      workflow_state: 'quiz_started',
      created_at: '2014-07-07T02:10:46.503Z',
      updated_at: '2014-07-07T02:23:00.503Z',
    });
  });

  it.each([[null], [''], ['   ']])('rejects a row with email %j as "no email"', (email) => {
    expect(rejection(legacy({ email }))).toBe('no email');
  });

  it('rejects an unknown workflow state, naming it', () => {
    expect(rejection(legacy({ workflow_state: 'archived' }))).toBe('unknown workflow state "archived"');
    expect(rejection(legacy({ workflow_state: null }))).toBe('unknown workflow state ""');
  });

  it('accepts a known state with surrounding spaces', () => {
    expect(accepted(legacy({ workflow_state: ' hired ' })).row.workflow_state).toBe('hired');
  });

  it('rejects an unreadable created_at, quoting it', () => {
    expect(rejection(legacy({ created_at: '2014-02-30 10:00:00' }))).toBe(
      'unreadable created_at "2014-02-30 10:00:00"',
    );
    expect(rejection(legacy({ created_at: null }))).toBe('unreadable created_at "null"');
  });

  it('rejects an unreadable updated_at but uses created_at when updated_at is absent', () => {
    expect(rejection(legacy({ updated_at: 'later' }))).toBe('unreadable updated_at "later"');
    const row = accepted(legacy({ updated_at: null })).row;
    expect(row.updated_at).toBe(row.created_at);
  });

  it('keeps a phone with an extension as written, with a warning, and keys it without the extension', () => {
    const result = accepted(legacy({ phone: '276.239.8397 x9941' }));
    expect(result.row.phone).toBe('276.239.8397 x9941');
    expect(result.row.phone_key).toBe('+12762398397');
    expect(result.warnings).toEqual(['phone "276.239.8397 x9941" would be refused today']);
  });

  it("keeps an email today's form would refuse, with a warning", () => {
    const result = accepted(legacy({ email: 'linda@localhost' }));
    expect(result.row.email).toBe('linda@localhost');
    expect(result.warnings).toEqual(['email "linda@localhost" would be refused today']);
  });

  it('keeps a row without phone with a warning and a key unique to the row', () => {
    const a = accepted(legacy({ id: 1, phone: null }));
    const b = accepted(legacy({ id: 2, phone: '  ' }));
    expect(a.warnings).toEqual(['no phone']);
    expect(b.warnings).toEqual(['no phone']);
    expect(a.row.phone_key).not.toBe(b.row.phone_key);
  });

  it('keys an unparseable phone by its digits, so the same number written differently collides', () => {
    const a = accepted(legacy({ phone: '207-000-0007' })).row.phone_key;
    const b = accepted(legacy({ phone: '(207) 000 0007' })).row.phone_key;
    expect(a).toBe(b);
  });

  it('keys a local number in the country of its region, like a new application would', () => {
    expect(accepted(legacy({ region: 'Berlin', phone: '030 901820' })).row.phone_key).toBe('+4930901820');
  });

  it('rejects an email or phone too long for its column, naming the field', () => {
    expect(rejection(legacy({ email: `${'a'.repeat(250)}@example.com` }))).toBe(
      'email longer than 254 characters',
    );
    expect(rejection(legacy({ phone: '1'.repeat(65) }))).toBe('phone too long (65 characters)');
    // The phone's key (`raw:` and the digits) must fit too.
    expect(rejection(legacy({ phone: '9'.repeat(62) }))).toBe('phone too long (62 characters)');
    expect(accepted(legacy({ email: `${'a'.repeat(242)}@example.com` })).row.email).toHaveLength(254);
  });

  it('cuts a region, phone type or source too long for its column, with a warning each', () => {
    const result = accepted(
      legacy({ region: 'r'.repeat(70), phone_type: 'p'.repeat(65), source: 's'.repeat(300) }),
    );
    expect(result.row.region).toBe('r'.repeat(64));
    expect(result.row.phone_type).toBe('p'.repeat(64));
    expect(result.row.source).toBe('s'.repeat(200));
    expect(result.warnings).toEqual([
      'region cut to 64 characters',
      'phone_type cut to 64 characters',
      'source cut to 200 characters',
    ]);
  });

  it.each([
    [1, 1],
    ['t', 1],
    ['true', 1],
    [0, 0],
    ['f', 0],
    [null, null],
    ['', null],
    ['perhaps', null],
  ])('reads over_21 %j as %j', (input, expected) => {
    expect(accepted(legacy({ over_21: input })).row.over_21).toBe(expected);
  });

  it('cuts names to 100 characters and replaces a missing name by an empty one', () => {
    const row = accepted(legacy({ first_name: 'x'.repeat(150), last_name: null })).row;
    expect(row.first_name).toHaveLength(100);
    expect(row.last_name).toBe('');
  });
});
