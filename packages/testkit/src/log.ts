// winston loggers for tests: one that says nothing, and ones whose lines land in an array.
import { Writable } from 'node:stream';
import winston from 'winston';

const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 };

function lineSink(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8').trim());
      done();
    },
  });
}

export function silentLog(): winston.Logger {
  return winston.createLogger({ levels: LEVELS, silent: true, transports: [new winston.transports.Console({ silent: true })] });
}

/** A debug-level logger whose lines (`level message`) land in an array, to assert on what was said. */
export function captureLog(): { log: winston.Logger; lines: string[] } {
  const lines: string[] = [];
  const log = winston.createLogger({
    level: 'debug',
    levels: LEVELS,
    format: winston.format.printf((entry) => `${entry.level} ${String(entry.message)}`),
    transports: [new winston.transports.Stream({ stream: lineSink(lines) })],
  });
  return { log, lines };
}

/** As captureLog, with each line's metadata as JSON after the message. */
export function captureLogWithMeta(lines: string[]): winston.Logger {
  return winston.createLogger({
    level: 'debug',
    levels: LEVELS,
    format: winston.format.printf(({ level, message, ...meta }) => `${level} ${String(message)} ${JSON.stringify(meta)}`),
    transports: [new winston.transports.Stream({ stream: lineSink(lines) })],
  });
}
