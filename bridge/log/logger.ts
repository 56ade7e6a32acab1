import winston from 'winston';
import { Redactor } from './redact.js';

export type Logger = winston.Logger;

export interface LoggerOptions {
  level: 'error' | 'warn' | 'info' | 'debug';
  /** json for production (one object per line), pretty for a terminal. */
  format: 'json' | 'pretty';
  redactor: Redactor;
  /** Extra transport (tests capture lines with it). */
  stream?: NodeJS.WritableStream;
}

const SPLAT = Symbol.for('splat');

/** Scrubs secrets from the message and every metadata field of each record. */
const redactFormat = winston.format((info, opts: unknown) => {
  const r = (opts as { redactor?: Redactor } | undefined)?.redactor;
  if (!r) return info;
  for (const key of Object.keys(info)) {
    if (key === 'level') continue;
    (info as Record<string, unknown>)[key] = key === 'message' ? r.redact(info.message) : r.redactField(key, (info as Record<string, unknown>)[key]);
  }
  delete (info as Record<string | symbol, unknown>)[SPLAT];
  return info;
});

/**
 * Structured winston logger. Every event-scoped line carries `correlationId` (use
 * `logger.child({ correlationId })`), which is also sent to targets and written into Odoo.
 */
export function createLogger(options: LoggerOptions): Logger {
  const base = [winston.format.timestamp(), redactFormat({ redactor: options.redactor })];
  const format = options.format === 'json'
    ? winston.format.combine(...base, winston.format.errors({ stack: false }), winston.format.json())
    : winston.format.combine(...base, winston.format.printf((info) => {
        const { level, message, timestamp, ...rest } = info as Record<string, unknown>;
        const meta = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
        return `${String(timestamp)} ${String(level).padEnd(5)} ${String(message)}${meta}`;
      }));
  const transports: winston.transport[] = options.stream
    ? [new winston.transports.Stream({ stream: options.stream })]
    : [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })];
  return winston.createLogger({ level: options.level, format, transports });
}
