// The relay's logger: winston to stderr, as text for people or JSON for log shippers. Never given key
// material or session bytes.
import { escapeControl } from '@converge/protocol';
import winston from 'winston';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type Logger = winston.Logger;

export function createLogger(level: LogLevel, format: LogFormat): Logger {
  // Fields carry what peers sent (hostnames, user names, addresses from headers): control characters
  // are escaped so that a log line cannot rewrite the terminal or forge another line.
  const text = winston.format.printf(({ level: lvl, message, timestamp, ...meta }) => {
    const fields = Object.entries(meta)
      .map(([key, value]) => `${key}=${typeof value === 'string' && !/\s/.test(value) ? escapeControl(value) : escapeControl(JSON.stringify(value) ?? 'undefined')}`)
      .join(' ');
    return `${timestamp} ${lvl} ${escapeControl(String(message))}${fields ? ` ${fields}` : ''}`;
  });
  return winston.createLogger({
    level,
    format: winston.format.combine(
      winston.format.timestamp(),
      format === 'json' ? winston.format.json() : text,
    ),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}

/** A logger that drops everything, for library users who pass none. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
