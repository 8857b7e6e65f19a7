import { describe, expect, it } from 'vitest';
import { spawnQuintet, spawnQuintetWith } from '../test/support/cli.js';
import { buildCli } from './main.js';

/** The systems that add a command to a group (`quintet seed <system>`), as the CLI lists them. */
const systemsOf = (group: string) =>
  buildCli()
    .commands.find((c) => c.name() === group)!
    .commands.map((c) => c.name())
    .join(', ');

describe('the quintet command line', () => {
  it.each([
    ['an unknown command', ['frobnicate'], "quintet: unknown command 'frobnicate' (see `quintet --help`)"],
    [
      'a missing option',
      ['seed', 'hiring'],
      "quintet: required option '--count <n>' not specified (see `quintet seed hiring --help`)",
    ],
    [
      'an unknown option',
      ['migrate', '--bogus'],
      "quintet: unknown option '--bogus' (see `quintet migrate --help`)",
    ],
    [
      'a group without its system',
      ['seed'],
      `quintet: \`quintet seed\` needs a system: ${systemsOf('seed')} (see \`quintet seed --help\`)`,
    ],
    [
      'a group with a system it does not have',
      ['import', 'nothing'],
      `quintet: \`quintet import\` has no system "nothing": ${systemsOf('import')} (see \`quintet import --help\`)`,
    ],
  ])('prints one line and exits 2 on %s', async (_what, args, line) => {
    const run = await spawnQuintet(...args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toEqual([line]);
  });

  it('stops on SYSTEMS naming a system this build does not have, in one line', async () => {
    const run = await spawnQuintetWith({ SYSTEMS: 'hiring,lottery' }, 'migrate');
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd()).toMatch(
      /^quintet: SYSTEMS names "lottery", which is not a system of this build \(built: [a-z, ]+\)$/,
    );
  });

  it('prints the full help, with every group of system commands, and exits 0', async () => {
    const run = await spawnQuintet('--help');
    expect(run.code).toBe(0);
    for (const command of ['serve', 'worker', 'migrate', 'seed', 'import', 'diff'])
      expect(run.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });
});
