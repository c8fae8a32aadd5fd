// The --help texts are written by hand (they explain, yargs' generated help would only list); this check,
// run by each CLI's tests, keeps them equal to the option table: every flag and variable is in the help,
// and the help names no flag the table lacks.
import { HELP_OPTIONS, type OptionTable } from './spec';

/**
 * Problems found, as readable lines; empty when the help and the table agree. `foreign` lists flags of
 * other programs the help may name (the agent's help tells what the relay's --allow-shell does).
 */
export function helpMentionsEveryOption(help: string, options: OptionTable, foreign: readonly string[] = []): string[] {
  const problems: string[] = [];
  const table = { ...options, ...HELP_OPTIONS };
  for (const [name, option] of Object.entries(table)) {
    if (!new RegExp(`(^|[\\s,\\[(])--${name}(?![\\w-])`, 'm').test(help)) problems.push(`--${name} is not in the help`);
    if (option.short && !help.includes(`-${option.short},`)) problems.push(`-${option.short} is not in the help`);
    for (const variable of option.env ?? []) if (!help.includes(variable)) problems.push(`${variable} (for --${name}) is not in the help`);
  }
  for (const match of help.matchAll(/(?:^|\s)--([a-z][a-z0-9-]*)/g)) {
    if (!(match[1]! in table) && !foreign.includes(match[1]!)) problems.push(`the help names --${match[1]}, which is not an option`);
  }
  return [...new Set(problems)];
}
