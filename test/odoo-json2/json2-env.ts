/**
 * What test/harness/odoo-json2-tier.sh hands the JSON-2 tier's tests: ODOO_JSON2_URL,
 * ODOO_JSON2_DB, ODOO_JSON2_ADMIN_LOGIN / ODOO_JSON2_ADMIN_KEY, ODOO_JSON2_LIMITED_LOGIN /
 * ODOO_JSON2_LIMITED_KEY, ODOO_JSON2_SERIES.
 */
export function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run through test/harness/odoo-json2-tier.sh)`);
  return v;
}

export function json2Env() {
  return {
    url: need('ODOO_JSON2_URL'),
    db: need('ODOO_JSON2_DB'),
    adminLogin: need('ODOO_JSON2_ADMIN_LOGIN'),
    adminKey: need('ODOO_JSON2_ADMIN_KEY'),
    major: Number.parseInt(need('ODOO_JSON2_SERIES'), 10),
  };
}
