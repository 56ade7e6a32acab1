import { Writable } from 'node:stream';
import winston from 'winston';
import type { OdooCall, OdooGateway } from '../../../bridge/odoo/odoo-gateway.js';

/** A logger that keeps its records (level, message, meta) in memory. */
export function capturingLog(): { log: winston.Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const stream = new Writable({ objectMode: true, write(info: Record<string, unknown>, _enc, cb) { records.push(info); cb(); } });
  return { log: winston.createLogger({ transports: [new winston.transports.Stream({ stream })] }), records };
}

/**
 * An Odoo gateway that answers sync_contract_info with `moduleVersion`, every other call with
 * `answer` (or rejects with `fail`), and records every call.
 */
export function contractGateway(moduleVersion: string, answer: unknown, fail?: Error): OdooGateway & { calls: OdooCall[] } {
  const calls: OdooCall[] = [];
  return {
    protocol: 'xmlrpc', calls,
    connect: () => Promise.resolve(1),
    serverVersion: () => Promise.resolve(moduleVersion.split('.').slice(0, 2).join('.')),
    call: <T>(c: OdooCall) => {
      calls.push(c);
      if (c.method === 'sync_contract_info') return Promise.resolve({ contract_version: '1', module_version: moduleVersion } as T);
      if (fail) return Promise.reject(fail);
      return Promise.resolve(answer as T);
    },
  };
}
