import type { TargetHttpClient } from '../../connectors/http/http-client.js';
import { query } from '../../connectors/salesforce/reads.js';
import type { MasterTargetSource, TargetMasterRecord } from '../master-data.js';
import { outboundUpsertFields } from './master.js';

type Obj = Record<string, unknown>;

/** What the outbound upsert mapping of a model tells about the Salesforce object. */
export interface SalesforceMappingInfo {
  sobject: string;
  /** Top-level fields of the mapped payload that are SObject fields (what is selected and compared). */
  fields: string[];
}

const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const CONTROL = new Set(['attributes', 'sobject', 'external_id_field', 'external_id', 'records', 'fields']);

/** Natural keys per SObject: the Salesforce field and the Odoo field (sync_recon_master natural_key). */
export const SALESFORCE_NATURAL_KEYS: Record<string, { field: string; odoo: string }> = {
  Account: { field: 'Name', odoo: 'name' },
  Contact: { field: 'Email', odoo: 'email' },
  Product2: { field: 'ProductCode', odoo: 'default_code' },
};

export function salesforceMappingInfo(dir: string, folder: string, model: string, text?: string): SalesforceMappingInfo | undefined {
  const fields = outboundUpsertFields(dir, folder, model, text);
  if (fields) {
    const attrs = (fields.attributes as Obj | undefined)?.const as Obj | undefined;
    const sobjectConst = (fields.sobject as Obj | undefined)?.const;
    const sobject = String(attrs?.type ?? sobjectConst ?? (model === 'res.partner' ? 'Account' : 'Product2'));
    // Flat fields only: nested specs (`fields:` / `each:`) are relationships or sub-records.
    const flat = Object.entries(fields).filter(([k, spec]) => !CONTROL.has(k) && API_NAME.test(k)
      && !(spec && typeof spec === 'object' && ('fields' in (spec as Obj) || 'each' in (spec as Obj))));
    return { sobject, fields: flat.map(([k]) => k) };
  }
  return undefined;
}

/** The Odoo id in an external id value: `42` or `res.partner-42`. */
export function odooIdOf(value: unknown): number | undefined {
  const m = /^(?:[A-Za-z_.]+-)?([1-9]\d{0,14})$/.exec(String(value ?? '').trim());
  return m ? Number(m[1]) : undefined;
}

/**
 * Salesforce records of one SObject (SOQL `SELECT Id, <mapped fields> FROM <SObject>` walked
 * through `nextRecordsUrl`), id-linked through the external id field (`Odoo_Id__c`), with a
 * natural key field (Account `Name`, Product2 `ProductCode`) for duplicates: a second Account
 * of the same name made by hand is reported as a duplicate of the Odoo customer.
 */
export class SalesforceMasterSource implements MasterTargetSource {
  readonly idLinked = true;
  constructor(
    private readonly http: TargetHttpClient,
    private readonly opts: { info: SalesforceMappingInfo; externalIdField: string; naturalKeyField: string; apiVersion: string },
  ) {
    for (const f of [opts.externalIdField, opts.naturalKeyField, opts.info.sobject]) {
      if (!API_NAME.test(f)) throw new Error(`salesforce reconciliation: '${f}' is not a valid API name`);
    }
  }

  soql(): string {
    const { info, externalIdField, naturalKeyField } = this.opts;
    const fields = [...new Set(['Id', externalIdField, naturalKeyField, ...info.fields])];
    return `SELECT ${fields.join(', ')} FROM ${info.sobject}`;
  }

  async *records(): AsyncGenerator<TargetMasterRecord> {
    const { info, externalIdField, naturalKeyField } = this.opts;
    for await (const r of query(this.http, this.soql(), { correlationId: `recon-master-${this.http.code}`, apiVersion: this.opts.apiVersion }) as AsyncIterable<Obj>) {
      const odooId = odooIdOf(r[externalIdField]);
      const nk = r[naturalKeyField];
      yield {
        id: String(r.Id), view: Object.fromEntries(info.fields.map((f) => [f, r[f] ?? null])),
        ...(odooId ? { odooId } : {}), ...(typeof nk === 'string' && nk.trim() ? { naturalKey: nk } : {}),
      };
    }
  }

  comparable(v: Obj): Obj {
    return Object.fromEntries(Object.entries(v).filter(([k]) => !CONTROL.has(k)));
  }
}
