import { editDistance, suggest } from './suggest';
import { helpMentionsEveryOption } from './help-check';

describe('suggest', () => {
  it.each([
    ['gihub-user', 'github-user'],
    ['gtihub-user', 'github-user'],
    ['idle-timout', 'idle-timeout'],
    ['hst', 'host'],
    ['max-agent', 'max-agents'],
  ])('%s -> %s', (word, expected) => {
    expect(suggest(word, ['github-user', 'github-url', 'idle-timeout', 'host', 'max-agents', 'max-clients-per-agent'])).toBe(expected);
  });

  it('does not guess between two words that both start with the input, nor far away', () => {
    expect(suggest('github', ['github-user', 'github-url'])).toBeUndefined();
    expect(suggest('zzzz', ['host', 'port'])).toBeUndefined();
  });

  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('helpMentionsEveryOption', () => {
  it('finds flags and variables missing from the help, and flags the help invents', () => {
    const table = { port: { type: 'string' as const, env: ['PORT'] }, quiet: { type: 'boolean' as const } };
    expect(helpMentionsEveryOption('  --port P   (env PORT)\n  --quiet\n  -h, --help\n  -V, --version\n', table)).toEqual([]);
    expect(helpMentionsEveryOption('  --port P\n  --loud\n  -h, --help\n  -V, --version\n', table)).toEqual([
      'PORT (for --port) is not in the help',
      '--quiet is not in the help',
      'the help names --loud, which is not an option',
    ]);
  });
});
