// How a CLI declares its command line: one table of options, each with its type and the CONVERGE_*
// variables that give its default. The table is the single source for parsing, environment defaults,
// config files and completion; the hand-written --help is checked against it by each CLI's tests.

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** Repeatable: every occurrence is kept, in order. Otherwise the last one wins. */
  readonly multiple?: boolean;
  /** One-letter alias (`h` for `-h`). */
  readonly short?: string;
  /** Environment variables giving the default when the flag is absent; the first one set wins. */
  readonly env?: readonly string[];
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

export type OptionValue = string | boolean | readonly string[];
export type OptionValues = Readonly<Record<string, OptionValue | undefined>>;

export interface CommandLineSpec {
  /** The program name, as users type it (`converge-agent`): in messages and the completion script. */
  readonly program: string;
  /** Options besides --help/-h and --version/-V, which every CLI has. */
  readonly options: OptionTable;
  /** Subcommands the CLI dispatches itself (`run`, `token`): suggested and completed. */
  readonly commands?: readonly string[];
  /** Accept `--config FILE`: a JSON object of option names to values, below flags and the environment. */
  readonly configFile?: boolean;
}

export type CommandLine =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  /** Text for stdout: the completion script (`completion`) or the completions the shell asked for. */
  | { readonly kind: 'completion'; readonly text: string }
  | {
      readonly kind: 'values';
      readonly values: OptionValues;
      readonly positionals: readonly string[];
      /** Where each value came from, for messages: `--port`, `CONVERGE_RELAY_PORT`, `relay.json`. */
      readonly sources: Readonly<Record<string, string>>;
    };

/** A command line the CLI cannot use: one line, exit code 2 ("usage") in every Converge CLI. */
export class CommandLineError extends Error {
  override readonly name = 'CommandLineError';
}

export const HELP_OPTIONS: OptionTable = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
};
