// --env-file: dotenv-style `KEY=VALUE` lines (`export ` prefix allowed, `#` comments, values optionally
// in single or double quotes; double quotes understand \n \t \" \\). Bad lines become warnings with their
// line number and are skipped; parsing never throws.
import { readFile } from 'node:fs/promises';
import { ENV_NAME_PATTERN } from './config';
import { AgentError, AgentErrorCode } from './errors';

export interface EnvFileWarning {
  readonly line: number;
  readonly message: string;
}

export interface ParsedEnvFile {
  readonly vars: Record<string, string>;
  readonly warnings: EnvFileWarning[];
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };

function parseValue(raw: string): string {
  const value = raw.trim();
  const quote = value[0];
  if (quote === '"' || quote === "'") {
    const close = value.indexOf(quote, 1);
    let end = close;
    if (quote === '"') {
      // the closing quote is the first one not escaped
      end = -1;
      for (let i = 1; i < value.length; i++) {
        if (value[i] === '\\') i++;
        else if (value[i] === '"') {
          end = i;
          break;
        }
      }
    }
    if (end < 0) throw new Error(`missing closing ${quote}`);
    const rest = value.slice(end + 1).trim();
    if (rest && !rest.startsWith('#')) throw new Error(`unexpected text after the closing ${quote}`);
    const inner = value.slice(1, end);
    return quote === '"' ? inner.replace(/\\(.)/g, (m, c: string) => ESCAPES[c] ?? m) : inner;
  }
  // Unquoted: a ` #` starts a comment.
  return value.replace(/\s+#.*$/, '');
}

export function parseEnvFile(text: string): ParsedEnvFile {
  const vars: Record<string, string> = {};
  const warnings: EnvFileWarning[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const body = line.replace(/^export\s+/, '');
    const eq = body.indexOf('=');
    const name = eq > 0 ? body.slice(0, eq).trim() : '';
    if (!ENV_NAME_PATTERN.test(name)) {
      warnings.push({ line: index + 1, message: 'expected KEY=VALUE with KEY like [A-Za-z_][A-Za-z0-9_]*' });
      return;
    }
    try {
      vars[name] = parseValue(body.slice(eq + 1));
    } catch (error) {
      warnings.push({ line: index + 1, message: (error as Error).message });
    }
  });
  return { vars, warnings };
}

/** Reads and parses --env-file; bad lines are logged (`FILE:LINE: reason; line skipped`). */
export async function readEnvFile(path: string, warn: (line: string) => void): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new AgentError(AgentErrorCode.BAD_ARGUMENT, `cannot read --env-file ${path}: ${(error as Error).message}`, { cause: error });
  }
  const { vars, warnings } = parseEnvFile(text);
  for (const w of warnings) warn(`--env-file ${path}:${w.line}: ${w.message}; line skipped`);
  return vars;
}
