// The agent's one logger: winston to stderr as `HH:MM:SS level message`. Never log key material or
// session bytes here.
import { escapeControl } from '@converge/protocol';
import winston from 'winston';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type Logger = winston.Logger;

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

function clock(): string {
  const now = new Date();
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
}

/** A logger at `level` writing to stderr; `silent` drops everything (tests, --quiet with errors only). */
export function createLogger(level: LogLevel, options: { silent?: boolean } = {}): Logger {
  return winston.createLogger({
    level,
    silent: options.silent ?? false,
    levels: { error: 0, warn: 1, info: 2, debug: 3 },
    // Messages may carry text from the other side (a relay's refusal, a client's user name): escaped.
    format: winston.format.printf((entry) => `${clock()} ${entry.level} ${escapeControl(String(entry.message))}`),
    transports: [new winston.transports.Console({ stderrLevels: [...LOG_LEVELS] })],
  });
}
