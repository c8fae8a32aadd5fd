import { DEFAULT_CHOICES, isGithubLogin, isKeyFilePath, isPublicKeyLine, parseUsageChoices } from './choices';

const parse = (query: string) => parseUsageChoices(new URLSearchParams(query));
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHkx1aSeyoGbGcHOxE3wJmXy5wIcrE7H0NiCvpWMlOKg me@laptop';

describe('parseUsageChoices', () => {
  it('gives the defaults for an empty query', () => {
    expect(parse('')).toEqual(DEFAULT_CHOICES);
    expect(DEFAULT_CHOICES).toMatchObject({ ci: 'github', os: 'linux', keys: 'github', when: 'failure', id: '' });
  });

  it('reads every choice', () => {
    expect(parse('ci=gitlab&os=windows&keys=file&file=/k/authorized_keys&when=always&id=my-build')).toEqual({
      ...DEFAULT_CHOICES,
      ci: 'gitlab',
      os: 'windows',
      keys: 'file',
      keyFile: '/k/authorized_keys',
      when: 'always',
      id: 'my-build',
    });
  });

  it.each([
    ['ci=jenkins', { ci: 'github' }],
    ['os=beos', { os: 'linux' }],
    ['keys=password', { keys: 'github' }],
    ['when=sometimes', { when: 'failure' }],
    ['ci=GitLab&os=%20macOS%20', { ci: 'gitlab', os: 'macos' }],
    ['ci=<script>', { ci: 'github' }],
  ])('falls back to defaults for %s', (query, expected) => {
    expect(parse(query)).toMatchObject({ ...expected, problems: [] });
  });

  it('drops invalid free text and says why', () => {
    const choices = parse('user=<script>&id=-bad-');
    expect(choices.githubUser).toBe('');
    expect(choices.id).toBe('');
    expect(choices.problems.map((p) => p.field)).toEqual(['githubUser', 'id']);
  });

  it('reads only the field of the chosen key source', () => {
    const choices = parse(`keys=paste&user=<bad>&file=x&key=${encodeURIComponent(KEY)}`);
    expect(choices).toMatchObject({ keys: 'paste', githubUser: '', keyFile: '', publicKey: KEY, problems: [] });
  });

  it('lower-cases a valid id and trims values', () => {
    expect(parse('id=%20My-Build%20&user=%20octocat%20')).toMatchObject({ id: 'my-build', githubUser: 'octocat' });
  });

  it('never throws on odd input', () => {
    for (const query of ['id=%', '&&&', 'ci', 'key=ssh-rsa', 'file=%00', 'user=' + 'a'.repeat(5000)]) {
      expect(() => parse(query)).not.toThrow();
    }
  });
});

describe('validators', () => {
  it.each(['octocat', 'a', 'a-b-c', 'A1', 'x'.repeat(39)])('accepts the GitHub login %s', (login) => {
    expect(isGithubLogin(login)).toBe(true);
  });
  it.each(['', '-a', 'a-', 'a--b', 'a_b', 'x'.repeat(40), 'a b', '<script>'])('refuses the GitHub login %j', (login) => {
    expect(isGithubLogin(login)).toBe(false);
  });

  it.each([
    KEY,
    'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ==',
    'ecdsa-sha2-nistp256 AAAAE2VjZHNh comment with spaces',
    'sk-ssh-ed25519@openssh.com AAAAGnNr key <script>',
  ])('accepts the key %s', (key) => {
    expect(isPublicKeyLine(key)).toBe(true);
  });
  it.each(['', 'ssh-dss AAAAB3', 'ssh-ed25519 BBBB', 'ssh-ed25519', `${KEY}\nssh-rsa AAAA`, 'from="x" ssh-ed25519 AAAA'])(
    'refuses the key %j',
    (key) => {
      expect(isPublicKeyLine(key)).toBe(false);
    },
  );

  it('accepts paths without control characters', () => {
    expect(isKeyFilePath("C:\\keys\\it's mine")).toBe(true);
    expect(isKeyFilePath('a\nb')).toBe(false);
    expect(isKeyFilePath('')).toBe(false);
  });
});
