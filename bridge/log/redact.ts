/**
 * Redaction of secrets in log records: known secret values anywhere in strings, and the values
 * of keys that name credentials (authorization, password, token, api_key, secret, cookie).
 * Pure: used by the winston format and by anything that stores error details in Odoo.
 */
const SENSITIVE_KEY = /^(authorization|proxy-authorization|password|passwd|token|access_token|refresh_token|api_?key|secret|client_secret|cookie|set-cookie|x-api-key)$/i;
export const REDACTED = '[REDACTED]';

export class Redactor {
  private values: string[] = [];

  /** Registers secret values to scrub (values under 4 characters are ignored). */
  add(...values: string[]): void {
    for (const v of values) if (v && v.length >= 4 && !this.values.includes(v)) this.values.push(v);
    this.values.sort((a, b) => b.length - a.length);
  }

  redactString(s: string): string {
    let out = s;
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join(REDACTED);
    return out.replace(/(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`);
  }

  /** Redacts one named value: the whole value when the key names a credential. */
  redactField(key: string, value: unknown): unknown {
    return SENSITIVE_KEY.test(key) && value !== undefined && value !== null ? REDACTED : this.redact(value);
  }

  redact<T>(value: T, depth = 0): T {
    if (typeof value === 'string') return this.redactString(value) as T;
    if (value === null || typeof value !== 'object' || depth > 8) return value;
    if (value instanceof Error) {
      return { name: value.name, message: this.redactString(value.message) } as T;
    }
    if (Array.isArray(value)) return value.map((v) => this.redact(v, depth + 1)) as T;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = SENSITIVE_KEY.test(k) && v !== undefined && v !== null ? REDACTED : this.redact(v, depth + 1);
    }
    return out as T;
  }
}
