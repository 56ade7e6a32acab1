/** File access for the mapping commands (the engine itself never touches files). */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Mapping files (*.yaml, *.yml) under dir, sorted; `fixtures` folders are skipped. */
export async function findMappingFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    if (depth > 8) return;
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'fixtures' && !e.name.startsWith('.') && e.name !== 'node_modules') await walk(p, depth + 1);
      } else if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(p);
    }
  };
  await walk(dir, 0);
  return out.sort();
}

/** The fixture file of a mapping: <dir>/fixtures/<name>.yaml, if it exists. */
export async function readFixtureFile(mappingFile: string): Promise<{ file: string; text: string } | undefined> {
  const file = path.join(path.dirname(mappingFile), 'fixtures', path.basename(mappingFile).replace(/\.yml$/, '.yaml'));
  try {
    return { file, text: await readFile(file, 'utf8') };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export async function readText(file: string): Promise<string> {
  return readFile(file, 'utf8');
}

/** Where command output goes; injected so the commands can be tested and embedded. */
export interface Writer {
  out(line: string): void;
  err(line: string): void;
}

export const consoleWriter: Writer = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
};
