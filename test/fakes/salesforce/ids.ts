/** Salesforce record ids: 15-character case-sensitive ids plus the 3-character case-safe suffix. */

const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function caseSafeSuffix(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charAt(chunk * 5 + i);
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    out += SUFFIX.charAt(bits);
  }
  return out;
}

export class SfIdFactory {
  private n = 1;
  next(prefix: string): string {
    let v = this.n++;
    let s = '';
    while (v > 0) {
      s = B62.charAt(v % 62) + s;
      v = Math.floor(v / 62);
    }
    const id15 = `${prefix}Dn000${s.padStart(7, '0')}`;
    return id15 + caseSafeSuffix(id15);
  }
  reset(): void {
    this.n = 1;
  }
}

/** A syntactically valid id (15 or 18 chars, correct suffix when 18). */
export function validId(id: string): boolean {
  if (!/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(id)) return false;
  return id.length === 15 || caseSafeSuffix(id.slice(0, 15)) === id.slice(15);
}

export function to15(id: string): string {
  return id.slice(0, 15);
}

/** The user the bridge authenticates as (every token of the fake is this user's). */
export const INTEGRATION_USER_ID15 = '005Dn000000BotA';
export const INTEGRATION_USER_ID = INTEGRATION_USER_ID15 + caseSafeSuffix(INTEGRATION_USER_ID15);
