import fs from 'node:fs';
import path from 'node:path';

/** The repository's shipped mappings, for tests of commands that read them. */
const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../..');
export const mappingsDir = path.join(repoRoot, 'mappings');
export const file = (rel: string) => path.join(mappingsDir, rel);

/** file:line:col of a field key in a shipped mapping (found in the text, so a moved field still matches). */
export function siteOf(rel: string, key: string): string {
  const lines = fs.readFileSync(file(rel), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.trimStart().startsWith(`${key}:`));
  if (i < 0) throw new Error(`${key} not in ${rel}`);
  return `${file(rel)}:${i + 1}:${lines[i]!.length - lines[i]!.trimStart().length + 1}`;
}
