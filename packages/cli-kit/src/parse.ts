// argv + environment (+ a config file) -> CommandLine, on yargs. yargs parses and completes; this module
// configures it the way OpenSSH users expect (no camel-case keys, no `--no-x` magic, numbers stay text),
// turns its errors into one line with a suggestion, and applies the environment and config defaults from
// the option table. Never prints and never exits: the CLI does.
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import yargs from 'yargs/yargs';
import { applyDefaults, readConfigFile } from './defaults';
import { CommandLineError, HELP_OPTIONS, type CommandLine, type CommandLineSpec, type OptionTable } from './spec';
import { didYouMean, suggest } from './suggest';

/** The flag yargs' completion script calls the program with (`--get-yargs-completions <words>`). */
export const COMPLETION_REQUEST = '--get-yargs-completions';
export const COMPLETION_COMMAND = 'completion';

export interface ParseIo {
  readFile(path: string): string;
  /** The user's shell: yargs writes a zsh script for zsh, a bash one otherwise. Default: env.SHELL. */
  readonly shell?: string;
}

const FILES: ParseIo = { readFile: (path) => readFileSync(path, 'utf8') };

function allOptions(spec: CommandLineSpec): OptionTable {
  return { ...spec.options, ...(spec.configFile && !spec.options.config ? { config: { type: 'string' as const } } : {}), ...HELP_OPTIONS };
}

function build(spec: CommandLineSpec, options: OptionTable): Argv {
  const y = yargs()
    .scriptName(spec.program)
    .help(false)
    .version(false)
    .detectLocale(false)
    .exitProcess(false)
    .parserConfiguration({
      'camel-case-expansion': false,
      'dot-notation': false,
      'boolean-negation': false,
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'duplicate-arguments-array': true,
      'flatten-duplicate-arrays': true,
      'greedy-arrays': false,
      'populate--': true,
      'strip-aliased': true,
    });
  for (const [name, option] of Object.entries(options)) {
    y.option(name, { type: option.type, alias: option.short, requiresArg: option.type === 'string' });
  }
  for (const command of spec.commands ?? []) y.command(command, command);
  // Completion lists long flags as --name only (yargs also offers --h for -h) and never files' junk.
  return y.completion(COMPLETION_COMMAND, false, (_current: string, _argv: unknown, defaults: (done: (error: Error | null, list?: string[]) => void) => void, done: (list: string[]) => void) =>
    defaults((_error, list) => done((list ?? []).filter((item) => !/^--?.(?::|$)/.test(item)))),
  );
}

interface YargsResult {
  readonly error: Error | undefined;
  readonly argv: Record<string, unknown>;
  readonly output: string;
}

function runYargs(y: Argv, argv: readonly string[]): YargsResult {
  let result: YargsResult | undefined;
  // With a callback yargs returns its output instead of printing; completion calls it twice, the first
  // time with the completions.
  y.parse([...argv], {}, (error: Error | null | undefined, parsed: unknown, output: string) => {
    if (result === undefined || (result.output === '' && output !== '')) result = { error: error ?? undefined, argv: parsed as Record<string, unknown>, output };
  });
  return result!;
}

function unknownOption(argv: Record<string, unknown>, options: OptionTable): string | undefined {
  const known = new Set(Object.entries(options).flatMap(([name, option]) => (option.short ? [name, option.short] : [name])));
  return Object.keys(argv).find((key) => key !== '_' && key !== '$0' && key !== '--' && !known.has(key));
}

const flag = (name: string): string => (name.length === 1 ? `-${name}` : `--${name}`);

/** Parses a command line; throws CommandLineError (one line) for anything it cannot use. */
export function parseCommandLine(
  spec: CommandLineSpec,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: ParseIo = FILES,
): CommandLine {
  const options = allOptions(spec);
  if (argv[0] === COMPLETION_COMMAND || argv.includes(COMPLETION_REQUEST)) {
    const previous = process.env.SHELL;
    // yargs picks the zsh template from $SHELL; the caller's environment decides, not this process's.
    process.env.SHELL = io.shell ?? env.SHELL ?? '';
    try {
      const { output } = runYargs(build(spec, options), argv[0] === COMPLETION_COMMAND ? [COMPLETION_COMMAND] : argv);
      return { kind: 'completion', text: output.endsWith('\n') ? output : `${output}\n` };
    } finally {
      if (previous === undefined) delete process.env.SHELL;
      else process.env.SHELL = previous;
    }
  }
  const { error, argv: parsed } = runYargs(build(spec, options), argv);
  if (parsed.help === true) return { kind: 'help' };
  if (parsed.version === true) return { kind: 'version' };
  // A mistyped command first: the flags that follow it are unknown only because of it.
  const positionals = [...(parsed._ as unknown[]), ...((parsed['--'] as unknown[] | undefined) ?? [])].map(String);
  const first = positionals[0];
  const commands = [...(spec.commands ?? []), COMPLETION_COMMAND];
  if (first !== undefined && !commands.includes(first) && /^[a-z][a-z-]*$/.test(first)) {
    if (suggest(first, commands) !== undefined) throw new CommandLineError(didYouMean('command', first, commands));
  }
  const unknown = unknownOption(parsed, options);
  if (unknown !== undefined) {
    const longNames = Object.keys(options).filter((name) => name.length > 1);
    throw new CommandLineError(didYouMean('option', unknown, unknown.length === 1 ? [] : longNames, flag));
  }
  if (error) {
    const missing = /^Not enough arguments following: (.+)$/.exec(error.message);
    throw new CommandLineError(missing ? `option ${flag(missing[1]!)} needs a value` : error.message);
  }
  // The config file's own path may come from a flag or a variable, never from the file.
  const configPath = spec.configFile ? applyDefaults({ config: options.config! }, parsed, env, undefined).values.config : undefined;
  const config = typeof configPath === 'string' ? readConfigFile(configPath, options, io) : undefined;
  return { kind: 'values', positionals, ...applyDefaults(options, parsed, env, config) };
}
