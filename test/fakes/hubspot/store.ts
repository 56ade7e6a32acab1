import type { Clock } from '../common/clock.js';
import { assocType } from './associations.js';
import { OBJECT_TYPES, type ObjectType } from './properties.js';

export interface HsRecord {
  id: string;
  type: ObjectType;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  /** toType -> list of {id, typeId} */
  associations: Map<ObjectType, Array<{ id: string; typeId: number }>>;
}

/**
 * Which generations of HubSpot's stage calculated properties a portal has: `v2`
 * (`hs_v2_date_entered_<stage id>`, `hs_v2_date_exited_<stage id>`), `legacy`
 * (`hs_date_entered_<stage id>`, `hs_date_exited_<stage id>`, older portals), `both` (default) or `none`.
 */
export type StageCalculatedProperties = 'both' | 'v2' | 'legacy' | 'none';

const STAGE_PREFIXES: Record<StageCalculatedProperties, string[]> = { both: ['hs_v2_date', 'hs_date'], v2: ['hs_v2_date'], legacy: ['hs_date'], none: [] };

export class HubSpotStore {
  readonly objects = new Map<ObjectType, Map<string, HsRecord>>();
  private nextId = 1_500_000_001;

  constructor(
    private readonly clock: Clock,
    /** The portal's stage calculated properties (deals): set by HubSpot when dealstage changes. */
    public stageProperties: StageCalculatedProperties = 'both',
  ) {
    this.reset();
  }

  reset(): void {
    for (const t of OBJECT_TYPES) this.objects.set(t, new Map());
    this.nextId = 1_500_000_001;
  }

  all(type: ObjectType): HsRecord[] {
    return [...this.objects.get(type)!.values()].filter((r) => !r.archived);
  }

  get(type: ObjectType, id: string): HsRecord | undefined {
    const r = this.objects.get(type)!.get(id);
    return r && !r.archived ? r : undefined;
  }

  findBy(type: ObjectType, prop: string, value: string): HsRecord | undefined {
    if (prop === 'hs_object_id') return this.get(type, value);
    return this.all(type).find((r) => r.properties[prop] === value);
  }

  create(type: ObjectType, values: Record<string, string | null>): HsRecord {
    const id = String(this.nextId++);
    const now = this.clock.iso();
    const rec: HsRecord = {
      id,
      type,
      properties: { ...values, hs_object_id: id, createdate: now, [type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate']: now },
      createdAt: now,
      updatedAt: now,
      archived: false,
      associations: new Map(),
    };
    if (type === 'deals') this.stageChanged(rec, undefined, values['dealstage'], now);
    this.derive(rec);
    this.objects.get(type)!.set(id, rec);
    return rec;
  }

  update(rec: HsRecord, values: Record<string, string | null>): HsRecord {
    const now = this.clock.iso();
    const stageBefore = rec.properties['dealstage'];
    Object.assign(rec.properties, values);
    if (rec.type === 'deals' && 'dealstage' in values) this.stageChanged(rec, stageBefore, values['dealstage'], now);
    rec.properties[rec.type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate'] = now;
    rec.updatedAt = now;
    this.derive(rec);
    return rec;
  }

  /**
   * HubSpot's stage calculated properties of a deal moving from one stage to another: "Date
   * exited <stage>" of the stage left and "Date entered <stage>" of the stage entered, the latter
   * overwritten when the deal enters the stage again (the latest entry). Unchanged stage: nothing.
   */
  private stageChanged(rec: HsRecord, from: string | null | undefined, to: string | null | undefined, at: string): void {
    if (from === to) return;
    for (const prefix of STAGE_PREFIXES[this.stageProperties]) {
      if (from) rec.properties[`${prefix}_exited_${from}`] = at;
      if (to) rec.properties[`${prefix}_entered_${to}`] = at;
    }
  }

  /** Calculated properties HubSpot maintains itself. */
  private derive(rec: HsRecord): void {
    if (rec.type === 'line_items') {
      const q = Number(rec.properties['quantity'] ?? 0);
      const p = Number(rec.properties['price'] ?? 0);
      const d = Number(rec.properties['discount'] ?? 0);
      rec.properties['amount'] = String(Math.round((q * p - d) * 100) / 100);
    }
    if (rec.type === 'deals') rec.properties['hs_is_closed_won'] = String(rec.properties['dealstage'] === 'closedwon');
  }

  /** Associates both ways (the type and its inverse); false when the pair was already associated with this type. */
  associate(from: HsRecord, to: HsRecord, typeId: number): boolean {
    const t = assocType(typeId)!;
    const add = (a: HsRecord, b: HsRecord, id: number): boolean => {
      const list = a.associations.get(b.type) ?? [];
      a.associations.set(b.type, list);
      if (list.some((x) => x.id === b.id && x.typeId === id)) return false;
      list.push({ id: b.id, typeId: id });
      return true;
    };
    const added = add(from, to, typeId);
    add(to, from, t.inverse);
    return added;
  }

  /** Ids of the records of `toType` associated with `rec` (any association type). */
  associatedIds(rec: HsRecord, toType: ObjectType): string[] {
    return [...new Set((rec.associations.get(toType) ?? []).map((x) => x.id))];
  }
}
