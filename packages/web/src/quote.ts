// Quoting of one value for each place a generated command can land: POSIX shells, PowerShell, cmd.exe
// batch files, YAML, GitHub Actions expressions, GitLab variables and OpenSSH's `%` tokens. Every
// function returns text that the target reads back as exactly the input.

/** Words no POSIX shell treats specially need no quotes (keeps commands readable); zsh expands a leading `=`. */
const POSIX_SAFE = /^[A-Za-z0-9_@%+:,./-][A-Za-z0-9_@%+=:,./-]*$/;

/** One word for sh, bash, zsh, dash: single quotes, each `'` written as `'\''`. */
export function quotePosix(value: string): string {
  if (POSIX_SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Bare words PowerShell passes on as typed. `@` (splatting), `$`, `{`, `(`, `,`, `;`, `#`, `` ` `` are not here. */
const POWERSHELL_SAFE = /^[A-Za-z0-9_\-./:=+]+$/;
/** PowerShell takes the typographic single quotes as quote characters too. */
const POWERSHELL_SINGLE_QUOTES = /['\u2018\u2019\u201A\u201B]/g;

/** A PowerShell verbatim string: single quotes, each quote character doubled; nothing expands inside. */
export function powerShellString(value: string): string {
  return `'${value.replace(POWERSHELL_SINGLE_QUOTES, '$&$&')}'`;
}

/** One argument for PowerShell: bare when that is safe, else a verbatim string. */
export function quotePowerShell(value: string): string {
  if (POWERSHELL_SAFE.test(value) && !value.startsWith('-') && !value.startsWith('/')) return value;
  return powerShellString(value);
}

/** A flag such as `-y` or `--id`: fine bare in every shell, listed apart so PowerShell does not quote it. */
export function quotePowerShellArg(value: string): string {
  return /^--?[a-z][a-z-]*$/.test(value) ? value : quotePowerShell(value);
}

const CMD_SAFE = /^[A-Za-z0-9_@.:/\\+-]+$/;

/**
 * One argument in a cmd.exe batch file (`.cmd`/`.bat`, which is how CI systems run cmd steps). Double
 * quotes keep `& | < > ^ ( )` literal, also when npx.cmd passes the argument on with `%*`; `%` is
 * written `%%` (batch files expand `%NAME%`); an inner `"` is written `""`, which keeps cmd's quote
 * state and which the Windows argument parser reads as one `"`.
 */
export function quoteCmd(value: string): string {
  if (CMD_SAFE.test(value)) return value;
  return `"${value.replace(/%/g, '%%').replace(/"/g, '""')}"`;
}

/**
 * The value of `set NAME=VALUE` in a batch file. Unquoted, so every special character is escaped with
 * `^` (an escaped `"` does not open a quoted run); `%` is doubled.
 */
export function escapeCmdSetValue(value: string): string {
  return value.replace(/%/g, '%%').replace(/[\^&|<>()"]/g, '^$&');
}

/** A YAML double-quoted scalar. Input never holds control characters (choices.ts refuses them). */
export function quoteYaml(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** GitHub Actions evaluates `${{ ... }}` anywhere in a workflow; this writes a literal `${{`. */
export function escapeGithubExpressions(value: string): string {
  return value.replace(/\$\{\{/g, "${{ '${{' }}");
}

/** GitLab expands `$NAME` in `variables:` values; `$$` is a literal `$`. */
export function escapeGitlabVariable(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

/** OpenSSH expands `%h`, `%p`, ... in ProxyCommand (on the command line and in ssh_config); `%%` is `%`. */
export function escapeSshPercent(value: string): string {
  return value.replace(/%/g, '%%');
}
