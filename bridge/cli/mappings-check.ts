/** `mappings check [dir] [--fixtures]`: validates every mapping under a directory. */
import { compileMapping, formatIssue, type CompiledMapping } from '../mapping/index.js';
import { parseFixtures, runFixtureCase } from '../mapping/fixtures.js';
import { consoleWriter, findMappingFiles, readFixtureFile, readText, type Writer } from './mappings-files.js';

export interface CheckOptions {
  writer?: Writer;
}

/**
 * args: [dir] (default `mappings`), `--fixtures` also runs each mapping's fixture cases,
 * `--quiet` prints only problems. Exit code 0 when everything is valid, 1 otherwise, 2 on usage errors.
 */
export async function mappingsCheck(args: string[], options: CheckOptions = {}): Promise<number> {
  const w = options.writer ?? consoleWriter;
  let dir = 'mappings';
  let fixtures = false;
  let quiet = false;
  for (const a of args) {
    if (a === '--fixtures') fixtures = true;
    else if (a === '--quiet') quiet = true;
    else if (a.startsWith('-')) {
      w.err(`mappings check: unknown option ${a} (expected --fixtures, --quiet)`);
      return 2;
    } else dir = a;
  }
  let files: string[];
  try {
    files = await findMappingFiles(dir);
  } catch (e) {
    w.err(`mappings check: cannot read ${dir}: ${(e as Error).message}`);
    return 2;
  }
  let errors = 0;
  let casesRun = 0;
  const compiled: CompiledMapping[] = [];
  for (const file of files) {
    const r = compileMapping(await readText(file), file);
    if (!r.ok) {
      errors += r.issues.length;
      for (const i of r.issues) w.err(formatIssue(i));
      continue;
    }
    compiled.push(r.mapping);
    if (!quiet) w.out(`ok ${file} (${r.mapping.direction} ${r.mapping.source} -> ${r.mapping.output}; events ${r.mapping.events.join(', ')}; version ${r.mapping.version.slice(0, 12)})`);
    if (!fixtures) continue;
    const fx = await readFixtureFile(file);
    if (!fx) {
      if (!quiet) w.out(`  (no fixtures for ${file})`);
      continue;
    }
    const parsed = parseFixtures(fx.text, fx.file);
    if (!parsed.ok) {
      errors++;
      w.err(parsed.error);
      continue;
    }
    for (const c of parsed.cases) {
      casesRun++;
      const res = runFixtureCase(r.mapping, c);
      if (res.ok) continue;
      errors++;
      w.err(`${fx.file}: case '${c.name}' failed:`);
      for (const p of res.problems) w.err(`  ${p}`);
    }
  }
  // Two mappings serving the same event for the same source and system are ambiguous.
  const seen = new Map<string, string>();
  for (const m of compiled) {
    for (const ev of m.events) {
      const key = `${m.direction} ${m.system} ${m.source} ${ev}`;
      const other = seen.get(key);
      if (other) {
        errors++;
        w.err(`${m.file}: events: '${ev}' for ${m.direction} ${m.source} (${m.system}) is also served by ${other}`);
      } else seen.set(key, m.file);
    }
  }
  const summary = `${files.length} mapping file(s) checked${fixtures ? `, ${casesRun} fixture case(s) run` : ''}: ${errors === 0 ? 'no problems' : `${errors} problem(s)`}`;
  if (errors === 0) w.out(summary);
  else w.err(summary);
  return errors === 0 ? 0 : 1;
}
