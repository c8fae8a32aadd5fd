// Where a value comes from when its flag is absent: first the CONVERGE_* variables the option table names,
// then the config file (--config), then the program's own default (left to its config validator).
// One mechanism for every option of every CLI.
import { CommandLineError, type OptionSpec, type OptionTable, type OptionValue } from './spec';
import { didYouMean } from './suggest';

export interface ConfigFile {
  readonly path: string;
  readonly values: Readonly<Record<string, OptionValue>>;
}

/** yes/true/on/1 and no/false/off/0 (any case); undefined for anything else. */
export function parseYesNo(text: string): boolean | undefined {
  if (/^(yes|true|on|1)$/i.test(text)) return true;
  if (/^(no|false|off|0)$/i.test(text)) return false;
  return undefined;
}

function fromEnv(option: OptionSpec, variable: string, text: string): OptionValue {
  if (option.type === 'string') return option.multiple ? [text] : text;
  const yes = parseYesNo(text);
  if (yes !== undefined) return yes;
  throw new CommandLineError(`${variable}: expected yes or no, got ${JSON.stringify(text.slice(0, 40))}`);
}

/** A flag's parsed value: the last occurrence of a single-valued option, every one of a repeatable one. */
function fromArgv(option: OptionSpec, name: string, value: unknown): OptionValue {
  const list = (Array.isArray(value) ? value : [value]) as unknown[];
  if (option.type === 'boolean') return list[list.length - 1] === true;
  const texts = list.map(String);
  if (option.multiple) return texts;
  if (texts.length === 0) throw new CommandLineError(`option --${name} needs a value`);
  return texts[texts.length - 1]!;
}

export function applyDefaults(
  options: OptionTable,
  parsed: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
  config: ConfigFile | undefined,
): { values: Record<string, OptionValue | undefined>; sources: Record<string, string> } {
  const values: Record<string, OptionValue | undefined> = {};
  const sources: Record<string, string> = {};
  for (const [name, option] of Object.entries(options)) {
    if (parsed[name] !== undefined) {
      values[name] = fromArgv(option, name, parsed[name]);
      sources[name] = `--${name}`;
      continue;
    }
    // An empty variable counts as unset: CI systems define variables that a job leaves blank.
    const variable = option.env?.find((candidate) => env[candidate] !== undefined && env[candidate] !== '');
    if (variable !== undefined) {
      values[name] = fromEnv(option, variable, env[variable]!);
      sources[name] = variable;
    } else if (config?.values[name] !== undefined) {
      values[name] = config.values[name];
      sources[name] = config.path;
    }
  }
  return { values, sources };
}

function configValue(path: string, name: string, option: OptionSpec, value: unknown): OptionValue {
  const where = `--config ${path}: "${name}"`;
  if (option.type === 'boolean') {
    if (typeof value === 'boolean') return value;
    const yes = typeof value === 'string' ? parseYesNo(value) : undefined;
    if (yes !== undefined) return yes;
    throw new CommandLineError(`${where}: expected true or false`);
  }
  const text = (item: unknown): string => {
    if (typeof item === 'string' || (typeof item === 'number' && Number.isFinite(item))) return String(item);
    throw new CommandLineError(`${where}: expected ${option.multiple ? 'a string or a list of strings' : 'a string or a number'}`);
  };
  if (Array.isArray(value)) {
    if (!option.multiple) throw new CommandLineError(`${where}: expected one value, got a list`);
    return value.map(text);
  }
  return option.multiple ? [text(value)] : text(value);
}

/** A JSON object of option names (as the flags are spelled, without dashes) to values. */
export function readConfigFile(path: string, options: OptionTable, io: { readFile(path: string): string }): ConfigFile {
  let text: string;
  try {
    text = io.readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CommandLineError(`--config ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CommandLineError(`--config ${path}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new CommandLineError(`--config ${path}: expected a JSON object of settings`);
  const settable = Object.keys(options).filter((name) => !['config', 'help', 'version'].includes(name));
  const values: Record<string, OptionValue> = {};
  for (const [name, value] of Object.entries(data)) {
    if (!settable.includes(name)) throw new CommandLineError(`--config ${path}: ${didYouMean('setting', name, settable, (w) => JSON.stringify(w))}`);
    if (value !== null) values[name] = configValue(path, name, options[name]!, value);
  }
  return { path, values };
}
