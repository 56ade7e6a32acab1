import { BridgeError, PermanentError } from '../errors/index.js';
import type { OdooGateway } from '../odoo/odoo-gateway.js';
import type { WebReadSpec } from '../odoo/contract.js';
import type { MappingFileSpec } from '../runtime/mapping-registry.js';
import { odooFieldName, renameHint, type FieldsInfo } from '../odoo/field-renames.js';
import { odooSeriesOf } from '../odoo/server-version.js';

/**
 * Every field a mapping reads that this Odoo does not have (a field from a module that is not
 * installed would otherwise make every claim fail): one line per problem, naming the mapping
 * file with the line and column where the path is written (`file:line:col construct: path:
 * message`, as `mappings check` prints). Rejects (TransientError) when Odoo cannot be asked.
 * A field renamed on the connected series (field-renames.ts) is checked under its new name, as
 * the gateway reads it; a missing field that is a known rename says its name on this series.
 */
export async function mappingFieldProblems(odoo: OdooGateway, specsByFile: MappingFileSpec[]): Promise<string[]> {
  const series = odooSeriesOf(await odoo.serverVersion());
  const cache = new Map<string, Promise<FieldsInfo>>();
  const fieldsOf = (model: string): Promise<FieldsInfo> => {
    let p = cache.get(model);
    if (!p) {
      p = odoo.call<FieldsInfo>({ model, method: 'fields_get', params: { attributes: ['type', 'relation'] } });
      cache.set(model, p);
    }
    return p;
  };
  const problems: string[] = [];
  const walk = async (m: MappingFileSpec, model: string, spec: WebReadSpec, prefix: string[]): Promise<void> => {
    const where = (segs: string[]) => {
      const at = m.where?.(segs);
      return at ? `${m.file}:${at.line}:${at.col} ${at.construct}` : m.file;
    };
    let fields: FieldsInfo;
    try {
      fields = await fieldsOf(model);
    } catch (err) {
      // Odoo unreachable or overloaded: not a problem of the mapping, the check could not run.
      if (err instanceof BridgeError && err.retryable) throw err;
      problems.push(`${where(prefix)}: cannot read the fields of ${model} (${err instanceof Error ? err.message : String(err)})`);
      return;
    }
    for (const [name, sub] of Object.entries(spec)) {
      const info = fields[odooFieldName(series, model, name, fields)];
      const segs = [...prefix, name];
      const shown = segs.join('.');
      if (!info) {
        const hint = renameHint(series, model, name);
        problems.push(`${where(segs)}: ${shown}: no field '${name}' on ${model} in this Odoo ${series}${hint ? ` (${hint})` : ' (is the module that adds it installed?)'}`);
        continue;
      }
      const nested = (sub as { fields?: WebReadSpec }).fields;
      if (nested && Object.keys(nested).length > 0) {
        if (!info.relation) { problems.push(`${where(segs)}: ${shown}: ${model}.${name} is a ${info.type} field, not a relation`); continue; }
        await walk(m, info.relation, nested, segs);
      }
    }
  };
  for (const m of specsByFile) await walk(m, m.model, m.spec, []);
  return problems;
}

/**
 * Checks, once at start, that every field a mapping reads exists in this Odoo; reports all
 * problems at once (PermanentError, category 'mapping', `details.problems`).
 */
export async function checkMappingFields(odoo: OdooGateway, specsByFile: MappingFileSpec[]): Promise<void> {
  const problems = await mappingFieldProblems(odoo, specsByFile);
  if (problems.length > 0) throw new PermanentError(`mappings read fields this Odoo does not have:\n  ${problems.join('\n  ')}`, { category: 'mapping', details: { problems } });
}
