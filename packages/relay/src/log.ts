// The relay's logger: winston to stderr, as text for people or JSON for log shippers. Never given key
// material or session bytes.
import winston from 'winston';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type Logger = winston.Logger;

export function createLogger(level: LogLevel, format: LogFormat): Logger {
  const text = winston.format.printf(({ level: lvl, message, timestamp, ...meta }) => {
    const fields = Object.entries(meta)
      .map(([key, value]) => `${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`)
      .join(' ');
    return `${timestamp} ${lvl} ${message}${fields ? ` ${fields}` : ''}`;
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
