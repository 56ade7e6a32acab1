import type { Clock } from '../common/clock.js';
import { SfFault } from './errors.js';
import { INTEGRATION_USER_ID, SfIdFactory, to15, validId } from './ids.js';
import { canonicalField, type FieldDef, type SObjectDef } from './objects.js';

export type SfRecord = Record<string, unknown> & { Id: string };

export interface PreparedWrite {
  sobject: string;
  values: Record<string, unknown>;
  existing?: SfRecord;
}

const INSERT_UPDATE_MSG = (f: string) =>
  `Unable to create/update fields: ${f}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`;

/** Records per sObject and the DML rules the bridge depends on (validation, derived fields). */
export class SalesforceStore {
  readonly records = new Map<string, Map<string, SfRecord>>();
  readonly ids = new SfIdFactory();
  standardPricebookId = '';

  constructor(
    readonly objects: Record<string, SObjectDef>,
    private readonly clock: Clock,
  ) {
    this.reset();
  }

  reset(): void {
    for (const o of Object.keys(this.objects)) this.records.set(o, new Map());
    this.ids.reset();
    const std = this.insertRaw('Pricebook2', { Name: 'Standard Price Book', IsActive: true, IsStandard: true });
    this.standardPricebookId = std.Id;
  }

  all(sobject: string): SfRecord[] {
    return [...(this.records.get(sobject)?.values() ?? [])];
  }

  get(sobject: string, id: string): SfRecord | undefined {
    return this.records.get(sobject)?.get(to15(id));
  }

  /** The sObject an id belongs to (by key prefix). */
  objectOfId(id: string): string | undefined {
    return Object.entries(this.objects).find(([, d]) => d.keyPrefix === id.slice(0, 3))?.[0];
  }

  findBy(sobject: string, field: string, value: unknown): SfRecord[] {
    if (field === 'Id') {
      const r = typeof value === 'string' && validId(value) ? this.get(sobject, value) : undefined;
      return r ? [r] : [];
    }
    return this.all(sobject).filter((r) => r[field] !== null && r[field] !== undefined && String(r[field]) === String(value));
  }

  /** Inserts without validation (seed data and test controls). */
  insertRaw(sobject: string, values: Record<string, unknown>): SfRecord {
    const def = this.objects[sobject]!;
    const now = this.clock.iso();
    const rec: SfRecord = { Id: this.ids.next(def.keyPrefix), IsDeleted: false, CreatedDate: now, LastModifiedDate: now, SystemModstamp: now, CreatedById: INTEGRATION_USER_ID, LastModifiedById: INTEGRATION_USER_ID };
    for (const f of Object.keys(def.fields)) if (!(f in rec)) rec[f] = null;
    Object.assign(rec, values);
    this.records.get(sobject)!.set(to15(rec.Id), rec);
    this.derive(sobject, rec);
    return rec;
  }

  private coerce(name: string, def: FieldDef, raw: unknown): unknown {
    if (raw === null) return null;
    const parserError = (t: string) =>
      SfFault.of(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of ${t} from ${typeof raw === 'string' ? 'VALUE_STRING' : 'VALUE'} value ${JSON.stringify(raw)} or request may be missing a required field at [line:1, column:1]`);
    switch (def.type) {
      case 'double':
      case 'currency':
      case 'percent':
      case 'int': {
        const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
        if (!Number.isFinite(n)) throw parserError(def.type === 'int' ? 'int' : 'double');
        return n;
      }
      case 'boolean':
        if (typeof raw === 'boolean') return raw;
        if (raw === 'true' || raw === 'false') return raw === 'true';
        throw parserError('boolean');
      case 'date':
        if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(raw))) throw parserError('date');
        return raw;
      case 'datetime':
        if (typeof raw !== 'string' || Number.isNaN(Date.parse(raw))) throw parserError('datetime');
        return new Date(raw).toISOString().replace('Z', '+0000');
      case 'reference': {
        if (typeof raw !== 'string') throw parserError('id');
        const label = name.endsWith('Id') ? `${name.slice(0, -2)} ID` : name;
        if (!validId(raw)) throw SfFault.of(400, 'MALFORMED_ID', `${label}: id value of incorrect type: ${raw}`, [name]);
        if (def.referenceTo && this.objects[def.referenceTo]!.keyPrefix !== raw.slice(0, 3))
          throw SfFault.of(400, 'FIELD_INTEGRITY_EXCEPTION', `${label}: id value of incorrect type: ${raw}`, [name]);
        const target = this.get(def.referenceTo!, raw);
        if (!target) throw SfFault.of(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [name]);
        return target.Id;
      }
      case 'picklist':
        if (typeof raw !== 'string') throw parserError('String');
        if (def.picklist && def.restricted !== false && !def.picklist.includes(raw))
          throw SfFault.of(400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${name.replace(/Name$/, '')}: bad value for restricted picklist field: ${raw}`, [name]);
        return raw;
      default: {
        if (typeof raw === 'object') throw parserError('String');
        const s = String(raw);
        if (def.length !== undefined && s.length > def.length)
          throw SfFault.of(400, 'STRING_TOO_LONG', `${name}: data value too large: ${s.slice(0, 20)}... (max length=${def.length})`, [name]);
        if (def.type === 'email' && s !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s))
          throw SfFault.of(400, 'INVALID_EMAIL_ADDRESS', `Email: invalid email address: ${s}`, [name]);
        return s;
      }
    }
  }

  /**
   * Validates a DML body against the describe and current data, as Salesforce does, and returns
   * the values to write. Parent references may be given by external id: {"Account": {"Odoo_Id__c": "x"}}.
   */
  prepare(sobject: string, body: unknown, mode: 'insert' | 'update', existing?: SfRecord, skipKey?: string): PreparedWrite {
    const def = this.objects[sobject]!;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw SfFault.of(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of ${sobject} from ${Array.isArray(body) ? 'START_ARRAY' : 'VALUE'} token at [line:1, column:1]`);
    const values: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(body as Record<string, unknown>)) {
      if (key === 'attributes') continue;
      const field = canonicalField(def, key);
      if (!field) {
        const rel = Object.entries(def.fields).find(([, f]) => f.relationshipName?.toLowerCase() === key.toLowerCase());
        if (rel && raw && typeof raw === 'object' && !Array.isArray(raw)) {
          const [refField, refDef] = rel;
          if (refDef.readOnly || (mode === 'update' && refDef.createOnly)) throw SfFault.of(400, 'INVALID_FIELD_FOR_INSERT_UPDATE', INSERT_UPDATE_MSG(refField), [refField]);
          const entries = Object.entries(raw as Record<string, unknown>).filter(([k]) => k !== 'attributes');
          const target = this.objects[refDef.referenceTo!]!;
          const extName = entries.length === 1 ? canonicalField(target, entries[0]![0]) : undefined;
          if (!extName || !target.fields[extName]!.externalId)
            throw SfFault.of(400, 'INVALID_FIELD', `Foreign key external ID fields must be external ID fields: ${entries.map((e) => e[0]).join(', ')}`, []);
          const value = entries[0]![1];
          const found = this.findBy(refDef.referenceTo!, extName, value);
          if (found.length === 0)
            throw SfFault.of(400, 'INVALID_FIELD', `Foreign key external ID: ${String(value)} not found for field ${extName} in entity ${refDef.referenceTo}`, []);
          if (found.length > 1)
            throw SfFault.of(400, 'INVALID_FIELD', `Foreign key external ID: ${String(value)} matches multiple records for field ${extName} in entity ${refDef.referenceTo}`, []);
          values[refField] = found[0]!.Id;
          continue;
        }
        throw SfFault.of(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${sobject}`, []);
      }
      if (field === skipKey) continue;
      const f = def.fields[field]!;
      if (f.readOnly || f.noAccess || (mode === 'update' && f.createOnly)) throw SfFault.of(400, 'INVALID_FIELD_FOR_INSERT_UPDATE', INSERT_UPDATE_MSG(field), [field]);
      values[field] = this.coerce(field, f, raw);
    }
    const merged = { ...(existing ?? {}), ...values };
    const missing = Object.entries(def.fields)
      .filter(([n, f]) => f.required && (merged[n] === undefined || merged[n] === null || merged[n] === ''))
      .map(([n]) => n);
    if (missing.length) throw SfFault.of(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
    for (const [n, f] of Object.entries(def.fields)) {
      if (!f.unique || values[n] === undefined || values[n] === null) continue;
      const dup = this.findBy(sobject, n, values[n]).find((r) => r !== existing);
      if (dup) throw SfFault.of(400, 'DUPLICATE_VALUE', `duplicate value found: ${n} duplicates value on record with id: ${dup.Id}`, []);
    }
    this.objectRules(sobject, values, merged, mode);
    const out: PreparedWrite = { sobject, values };
    if (existing) out.existing = existing;
    return out;
  }

  private objectRules(sobject: string, values: Record<string, unknown>, merged: Record<string, unknown>, mode: 'insert' | 'update'): void {
    if (sobject === 'PricebookEntry' && mode === 'insert') {
      const pb = this.get('Pricebook2', String(merged['Pricebook2Id']))!;
      const dup = this.all('PricebookEntry').find((e) => e['Pricebook2Id'] === merged['Pricebook2Id'] && e['Product2Id'] === merged['Product2Id']);
      if (dup) throw SfFault.of(400, 'DUPLICATE_VALUE', 'This price definition already exists in this price book', []);
      if (!pb['IsStandard'] && !this.all('PricebookEntry').some((e) => e['Pricebook2Id'] === this.standardPricebookId && e['Product2Id'] === merged['Product2Id']))
        throw SfFault.of(400, 'STANDARD_PRICE_NOT_DEFINED', 'No standard price defined for this product', []);
    }
    if (sobject === 'OpportunityLineItem') {
      if (values['UnitPrice'] != null && values['TotalPrice'] != null)
        throw SfFault.of(400, 'FIELD_INTEGRITY_EXCEPTION', "field integrity exception: TotalPrice (you can't specify both unit price and total price)", ['TotalPrice']);
      if (mode === 'insert') {
        if (values['UnitPrice'] == null && values['TotalPrice'] == null)
          throw SfFault.of(400, 'FIELD_INTEGRITY_EXCEPTION', 'field integrity exception: unknown (must specify either UnitPrice or TotalPrice)', []);
        const pbe = this.get('PricebookEntry', String(merged['PricebookEntryId']))!;
        const opp = this.get('Opportunity', String(merged['OpportunityId']))!;
        if (!pbe['IsActive']) throw SfFault.of(400, 'FIELD_INTEGRITY_EXCEPTION', 'field integrity exception: PricebookEntryId (pricebook entry is inactive)', ['PricebookEntryId']);
        if (opp['Pricebook2Id'] && opp['Pricebook2Id'] !== pbe['Pricebook2Id'])
          throw SfFault.of(400, 'FIELD_INTEGRITY_EXCEPTION', 'field integrity exception: PricebookEntryId (pricebook entry is in a different pricebook than the one assigned to the opportunity)', ['PricebookEntryId']);
      }
    }
  }

  /** Writes a prepared change; returns the record and whether it was created. */
  apply(p: PreparedWrite): { record: SfRecord; created: boolean } {
    if (p.existing) {
      Object.assign(p.existing, p.values);
      const now = this.clock.iso();
      p.existing['LastModifiedDate'] = now;
      p.existing['SystemModstamp'] = now;
      p.existing['LastModifiedById'] = INTEGRATION_USER_ID; // API writes are the bridge's (a user's edit: sim.editRecord)
      this.derive(p.sobject, p.existing);
      return { record: p.existing, created: false };
    }
    return { record: this.insertRaw(p.sobject, p.values), created: true };
  }

  /** Fields Salesforce computes. */
  private derive(sobject: string, rec: SfRecord): void {
    if (sobject === 'Pricebook2' && rec['IsActive'] === null) rec['IsActive'] = true;
    if (sobject === 'Product2' && rec['IsActive'] === null) rec['IsActive'] = false;
    if (sobject === 'PricebookEntry') {
      const p = this.get('Product2', String(rec['Product2Id']));
      rec['ProductCode'] = p?.['ProductCode'] ?? null;
      rec['Name'] = p?.['Name'] ?? null;
      if (rec['IsActive'] === null) rec['IsActive'] = false;
    }
    if (sobject === 'Contact') rec['Name'] = [rec['FirstName'], rec['LastName']].filter(Boolean).join(' ');
    if (sobject === 'Opportunity') {
      rec['IsWon'] = rec['StageName'] === 'Closed Won';
      rec['IsClosed'] = rec['StageName'] === 'Closed Won' || rec['StageName'] === 'Closed Lost';
    }
    if (sobject === 'OpportunityLineItem') {
      const pbe = this.get('PricebookEntry', String(rec['PricebookEntryId']));
      if (pbe) {
        rec['Product2Id'] = pbe['Product2Id'];
        rec['ProductCode'] = pbe['ProductCode'];
        rec['Name'] = pbe['Name'];
        rec['ListPrice'] = pbe['UnitPrice'];
      }
      const q = Number(rec['Quantity'] ?? 0);
      if (rec['UnitPrice'] == null && rec['TotalPrice'] != null) rec['UnitPrice'] = q ? Number(rec['TotalPrice']) / q : 0;
      const unit = Number(rec['UnitPrice'] ?? 0);
      rec['Subtotal'] = Math.round(q * unit * 100) / 100;
      rec['TotalPrice'] = Math.round(q * unit * (1 - Number(rec['Discount'] ?? 0) / 100) * 100) / 100;
      const opp = this.get('Opportunity', String(rec['OpportunityId']));
      if (opp && pbe) {
        opp['Pricebook2Id'] ??= pbe['Pricebook2Id'];
        const lines = this.all('OpportunityLineItem').filter((l) => l['OpportunityId'] === opp.Id);
        opp['Amount'] = Math.round(lines.reduce((a, l) => a + Number(l['TotalPrice'] ?? 0), 0) * 100) / 100;
        opp['LastModifiedDate'] = rec['LastModifiedDate'];
        opp['SystemModstamp'] = rec['LastModifiedDate'];
      }
    }
  }

  delete(sobject: string, id: string): boolean {
    return this.records.get(sobject)?.delete(to15(id)) ?? false;
  }
}
