import { describe, expect, it } from 'vitest';
import { countAll, countsDelta, summaryOf } from './summary.js';

describe('summary sums', () => {
  it('reads the figures off the sums: one-decimal mean age, genders, top three colours by count then list order', () => {
    const counts = countAll([
      { completed: true, answers: { age: 20, gender: 'Female', colours: ['Blue', 'Red'] } },
      { completed: true, answers: { age: 31, gender: 'Female', colours: ['White', 'Blue'] } },
      { completed: false, answers: { age: 25, colours: ['White', 'Green', 'Red'] } },
      { completed: false, answers: { gender: 'Prefer not to say', colours: ['Black'] } },
    ]);
    expect(summaryOf(counts, '2026-01-01T00:00:00.000Z', 9)).toEqual({
      completed: 2,
      inProgress: 2,
      averageAge: 25.3, // 76 / 3
      gender: { Female: 2, Male: 0, 'Non-binary': 0, 'Prefer not to say': 1 },
      topColours: [
        { colour: 'Red', count: 2 },
        { colour: 'Blue', count: 2 },
        { colour: 'White', count: 2 },
      ],
      updatedAt: '2026-01-01T00:00:00.000Z',
      eventId: 9,
    });
  });

  it('has no average age without ages and no top colours nobody chose', () => {
    const s = summaryOf(countAll([{ completed: false, answers: {} }]), null, 0);
    expect(s.averageAge).toBeNull();
    expect(s.topColours).toEqual([]);
  });

  it('turns an edit into the difference of after and before', () => {
    const delta = countsDelta(
      { completed: false, answers: { age: 30, colours: ['Red'] } },
      { completed: true, answers: { age: 40, colours: ['Blue'] } },
    );
    expect(delta).toMatchObject({ completed: 1, inProgress: -1, ageSum: 10, ageCount: 0 });
    expect(delta.colours.slice(0, 5)).toEqual([-1, 0, 0, 0, 1]);
  });
});
