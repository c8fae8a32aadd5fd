// The options field of an authorized_keys line (`from="..",no-pty,command="echo \"hi\""`): split it
// off the key (ssh2 refuses it) and fold it into the restrictions the SSH server enforces.

export interface KeyOptions {
  readonly noPty: boolean;
  readonly noPortForwarding: boolean;
  /** no-agent-forwarding (or restrict): `ssh -A` is refused for this key. */
  readonly noAgentForwarding?: boolean;
  /** Forced command: replaces whatever the client asked to run (shell, exec or subsystem). */
  readonly command?: string;
  /** `environment="NAME=value"` pairs, set in every child of this key. */
  readonly environment: readonly (readonly [string, string])[];
  /** `from="pattern-list"`: client addresses allowed to use this key. */
  readonly from?: readonly string[];
  /** `permitopen="host:port"` destinations allowed for `ssh -L`; undefined: any. */
  readonly permitOpen?: readonly string[];
  /** `permitlisten="[host:]port"` listens allowed for `ssh -R`; undefined: any. */
  readonly permitListen?: readonly string[];
  /** `expiry-time="YYYYMMDD[HHMM[SS]]"` (local time): the key is refused after it. */
  readonly expiresAt?: Date;
}

export const NO_OPTIONS: KeyOptions = { noPty: false, noPortForwarding: false, environment: [] };

/**
 * Options OpenSSH knows whose effect holds here by construction, so ignoring them widens nothing: the
 * agent offers no X11 forwarding, no tun devices and no rc files, and accepts no FIDO (sk-)
 * keys or certificates. Any other option, known or not, makes the line invalid (it is refused, with a
 * warning), so a restriction is never silently dropped.
 */
const HELD_BY_CONSTRUCTION = new Set([
  'no-x11-forwarding', 'x11-forwarding', 'no-user-rc', 'user-rc',
  'no-touch-required', 'touch-required', 'verify-required', 'tunnel',
]);

/** Reads `name` or `name="value"` items separated by commas, up to the first blank outside quotes. */
export function splitOptions(line: string): { options: [string, string | undefined][]; rest: string } {
  const options: [string, string | undefined][] = [];
  let i = 0;
  for (;;) {
    const nameStart = i;
    while (i < line.length && !/[=,\s]/.test(line[i]!)) i++;
    const name = line.slice(nameStart, i);
    if (!name) throw new Error('empty option name');
    let value: string | undefined;
    if (line[i] === '=') {
      if (line[++i] !== '"') throw new Error(`option ${name}: value must be in double quotes`);
      i++;
      value = '';
      for (;;) {
        if (i >= line.length) throw new Error(`option ${name}: missing closing quote`);
        const c = line[i]!;
        if (c === '\\' && line[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (c === '"') {
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
    }
    options.push([name, value]);
    if (line[i] === ',') {
      i++;
      continue;
    }
    if (i < line.length && !/\s/.test(line[i]!)) throw new Error(`option ${name}: unexpected character ${JSON.stringify(line[i])}`);
    return { options, rest: line.slice(i).trimStart() };
  }
}

function parseExpiry(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?$/.exec(value);
  if (!m) throw new Error(`expiry-time ${JSON.stringify(value)} is not YYYYMMDD[HHMM[SS]]`);
  const [y, mo, d, h, mi, s] = m.slice(1).map((part) => Number(part ?? 0));
  return new Date(y!, mo! - 1, d!, h, mi, s);
}

function required(name: string, value: string | undefined): string {
  if (value === undefined) throw new Error(`option ${name} needs a value`);
  return value;
}

/** Folds parsed options in order (`restrict,pty` allows a pty). Unknown options make the line invalid:
 *  a restriction we do not understand must not be silently dropped. */
export function foldOptions(items: readonly [string, string | undefined][]): KeyOptions {
  let noPty = false;
  let noPortForwarding = false;
  let noAgentForwarding = false;
  let command: string | undefined;
  let from: string[] | undefined;
  let permitOpen: string[] | undefined;
  let permitListen: string[] | undefined;
  let expiresAt: Date | undefined;
  const environment: [string, string][] = [];
  for (const [rawName, value] of items) {
    const name = rawName.toLowerCase();
    if (name === 'restrict') {
      noPty = true;
      noPortForwarding = true;
      noAgentForwarding = true;
    } else if (name === 'no-pty') noPty = true;
    else if (name === 'pty') noPty = false;
    else if (name === 'no-port-forwarding') noPortForwarding = true;
    else if (name === 'port-forwarding') noPortForwarding = false;
    else if (name === 'no-agent-forwarding') noAgentForwarding = true;
    else if (name === 'agent-forwarding') noAgentForwarding = false;
    else if (name === 'command') command = required(name, value);
    else if (name === 'from') from = required(name, value).split(',').map((p) => p.trim()).filter(Boolean);
    else if (name === 'permitopen') (permitOpen ??= []).push(...required(name, value).split(',').map((p) => p.trim()));
    else if (name === 'permitlisten') (permitListen ??= []).push(...required(name, value).split(',').map((p) => p.trim()));
    else if (name === 'expiry-time') expiresAt = parseExpiry(required(name, value));
    else if (name === 'environment') {
      const text = required(name, value);
      const eq = text.indexOf('=');
      if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(text.slice(0, eq))) throw new Error(`environment ${JSON.stringify(text)} is not NAME=value`);
      environment.push([text.slice(0, eq), text.slice(eq + 1)]);
    } else if (name === 'cert-authority') throw new Error('cert-authority is not supported (certificates are not accepted)');
    else if (!HELD_BY_CONSTRUCTION.has(name)) throw new Error(`option ${JSON.stringify(rawName)} is not supported; the line is refused rather than allowed without it`);
  }
  return { noPty, noPortForwarding, noAgentForwarding, command, environment, from, permitOpen, permitListen, expiresAt };
}
