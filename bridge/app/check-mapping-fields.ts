import { PermanentError } from '../errors/index.js';
import type { OdooGateway } from '../odoo/odoo-gateway.js';
import type { WebReadSpec } from '../odoo/contract.js';

type FieldsInfo = Record<string, { type: string; relation?: string }>;

/**
 * Checks, once at start, that every field a mapping reads exists in this Odoo (a field from a
 * module that is not installed would otherwise make every claim fail). Reports all problems
 * at once, each naming the mapping file and the field path.
 */
export async function checkMappingFields(odoo: OdooGateway, specsByFile: Array<{ file: string; model: string; spec: WebReadSpec }>): Promise<void> {
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
  const walk = async (file: string, model: string, spec: WebReadSpec, prefix: string): Promise<void> => {
    let fields: FieldsInfo;
    try {
      fields = await fieldsOf(model);
    } catch (err) {
      problems.push(`${file}: cannot read the fields of ${model} (${err instanceof Error ? err.message : String(err)})`);
      return;
    }
    for (const [name, sub] of Object.entries(spec)) {
      const info = fields[name];
      if (!info) {
        problems.push(`${file}: ${prefix}${name}: no field '${name}' on ${model} in this Odoo (is the module that adds it installed?)`);
        continue;
      }
      const nested = (sub as { fields?: WebReadSpec }).fields;
      if (nested && Object.keys(nested).length > 0) {
        if (!info.relation) { problems.push(`${file}: ${prefix}${name}: ${model}.${name} is a ${info.type} field, not a relation`); continue; }
        await walk(file, info.relation, nested, `${prefix}${name}.`);
      }
    }
  };
  for (const { file, model, spec } of specsByFile) await walk(file, model, spec, '');
  if (problems.length > 0) throw new PermanentError(`mappings read fields this Odoo does not have:\n  ${problems.join('\n  ')}`, { category: 'mapping' });
}
