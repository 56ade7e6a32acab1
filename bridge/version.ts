import { readFileSync } from 'node:fs';

/**
 * The sidecar's own version (package.json, read once). dist/bridge/version.js and
 * bridge/version.ts (ts-node) both sit two levels below the package root.
 */
let cached: string | undefined;
export function sidecarVersion(): string {
  if (cached === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
      cached = typeof pkg.version === 'string' ? pkg.version : 'unknown';
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
