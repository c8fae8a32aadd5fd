import { CommandLineError, parseCommandLine, type CommandLineSpec } from './index';

const spec: CommandLineSpec = {
  program: 'converge-test',
  commands: ['run', 'token'],
  configFile: true,
  options: {
    id: { type: 'string' },
    'github-user': { type: 'string', multiple: true },
    'github-url': { type: 'string', env: ['CONVERGE_GITHUB_URL'] },
    port: { type: 'string', env: ['CONVERGE_TEST_PORT', 'PORT'] },
    'no-forwarding': { type: 'boolean' },
    quiet: { type: 'boolean', env: ['CONVERGE_QUIET'] },
  },
};
const files: Record<string, string> = {
  'good.json': JSON.stringify({ port: 8080, 'github-user': ['a', 'b'], quiet: true }),
  'typo.json': JSON.stringify({ prot: 1 }),
  'bad.json': '{ port: 1',
  'list.json': JSON.stringify({ port: [1, 2] }),
};
const io = {
  readFile(path: string): string {
    if (!(path in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    return files[path]!;
  },
  shell: '/bin/bash',
};
const parse = (argv: string[], env: Record<string, string> = {}) => parseCommandLine(spec, argv, env, io);
const values = (argv: string[], env: Record<string, string> = {}) => {
  const result = parse(argv, env);
  if (result.kind !== 'values') throw new Error(`expected values, got ${result.kind}`);
  return result;
};
const error = (argv: string[], env: Record<string, string> = {}): string => {
  try {
    parse(argv, env);
  } catch (e) {
    expect(e).toBeInstanceOf(CommandLineError);
    return (e as Error).message;
  }
  throw new Error('expected a CommandLineError');
};

describe('parseCommandLine', () => {
  it('reads flags as OpenSSH users write them: strings stay strings, repeatable flags keep every value, the last single value wins', () => {
    const { values: v, positionals } = values(['wss://r', '--id', '007', '--github-user', 'a', '--github-user=b', '--port', '1', '--port', '2', '--no-forwarding']);
    expect(v).toMatchObject({ id: '007', 'github-user': ['a', 'b'], port: '2', 'no-forwarding': true });
    expect(positionals).toEqual(['wss://r']);
  });

  it('keeps everything after -- as positionals', () => {
    expect(values(['x', '--', '--id', 'y']).positionals).toEqual(['x', '--id', 'y']);
  });

  it('answers help and version before anything else', () => {
    expect(parse(['--bogus', '-h']).kind).toBe('help');
    expect(parse(['-V']).kind).toBe('version');
    expect(parse(['--version']).kind).toBe('version');
  });

  it('refuses unknown flags with the closest known one', () => {
    expect(error(['--gihub-user', 'x'])).toBe('unknown option --gihub-user (did you mean --github-user?)');
    expect(error(['--github-usr=x'])).toBe('unknown option --github-usr (did you mean --github-user?)');
    expect(error(['--quite'])).toBe('unknown option --quite (did you mean --quiet?)');
    expect(error(['--completely-different'])).toBe('unknown option --completely-different');
    expect(error(['-x'])).toBe('unknown option -x');
  });

  it('suggests a command for a mistyped one', () => {
    expect(error(['rnu', 'wss://r'])).toBe('unknown command rnu (did you mean run?)');
    expect(error(['tokne'])).toBe('unknown command tokne (did you mean token?)');
    expect(values(['wss://relay.example']).positionals).toEqual(['wss://relay.example']);
  });

  it('says which flag lacks its value', () => {
    expect(error(['--id'])).toBe('option --id needs a value');
    expect(error(['--id', '--quiet'])).toBe('option --id needs a value');
  });

  it('takes defaults from the variables the table names, flags first, empty variables unset', () => {
    expect(values([], { CONVERGE_TEST_PORT: '9', PORT: '8' }).values.port).toBe('9');
    expect(values([], { CONVERGE_TEST_PORT: '', PORT: '8' }).values.port).toBe('8');
    expect(values(['--port', '7'], { PORT: '8' }).values.port).toBe('7');
    const fromEnv = values([], { CONVERGE_QUIET: 'yes', CONVERGE_GITHUB_URL: 'http://g' });
    expect(fromEnv.values).toMatchObject({ quiet: true, 'github-url': 'http://g' });
    expect(fromEnv.sources).toMatchObject({ quiet: 'CONVERGE_QUIET', 'github-url': 'CONVERGE_GITHUB_URL' });
    expect(values([], { CONVERGE_QUIET: 'off' }).values.quiet).toBe(false);
    expect(error([], { CONVERGE_QUIET: 'maybe' })).toBe('CONVERGE_QUIET: expected yes or no, got "maybe"');
  });

  it('never turns an unrelated CONVERGE_* variable into an option', () => {
    expect(values([], { CONVERGE_ID: 'abc', CONVERGE_EXIT_CODE: '1' }).values.id).toBeUndefined();
  });

  it('reads a JSON config file below flags and variables', () => {
    expect(values(['--config', 'good.json']).values).toMatchObject({ port: '8080', 'github-user': ['a', 'b'], quiet: true });
    expect(values(['--config', 'good.json', '--port', '1']).values.port).toBe('1');
    expect(values(['--config', 'good.json'], { PORT: '2' }).values.port).toBe('2');
    expect(values(['--config', 'good.json']).sources.port).toBe('good.json');
  });

  it('refuses a config file it cannot use, in one line', () => {
    expect(error(['--config', 'missing.json'])).toBe('--config missing.json: no such file');
    expect(error(['--config', 'typo.json'])).toBe('--config typo.json: unknown setting "prot" (did you mean "port"?)');
    expect(error(['--config', 'bad.json'])).toMatch(/^--config bad\.json: not valid JSON \(/);
    expect(error(['--config', 'list.json'])).toBe('--config list.json: "port": expected one value, got a list');
  });

  it('prints a completion script for the program, and completes flags and commands', () => {
    const script = parse(['completion']);
    expect(script.kind).toBe('completion');
    expect(script.kind === 'completion' && script.text).toContain('converge-test --get-yargs-completions');
    const flags = parse(['--get-yargs-completions', 'converge-test', '--git']);
    expect(flags.kind === 'completion' && flags.text.split('\n')).toEqual(expect.arrayContaining(['--github-user', '--github-url', '--config']));
    expect(flags.kind === 'completion' && flags.text).not.toMatch(/^--h$/m);
    const commands = parse(['--get-yargs-completions', 'converge-test', '']);
    expect(commands.kind === 'completion' && commands.text.split('\n')).toEqual(expect.arrayContaining(['run', 'token']));
  });

  it('writes a zsh script for zsh users', () => {
    const zsh = parseCommandLine(spec, ['completion'], {}, { ...io, shell: '/usr/bin/zsh' });
    expect(zsh.kind === 'completion' && zsh.text).toContain('compdef');
  });
});
