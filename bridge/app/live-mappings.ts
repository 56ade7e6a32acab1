import type { TargetConfig } from '../config/schema.js';
import { PermanentError } from '../errors/index.js';
import type { ClaimedEvent, WebReadSpec } from '../odoo/contract.js';
import type { CompileOptions } from '../mapping/index.js';
import { InboundPreparer, type ClientOf, type PreparedMessage } from '../inbound/prepare.js';
import { AtpEnrichingMapper, type AtpReader } from '../runtime/atp-enrich.js';
import { loadOutboundMapper, loadProblems, type MappingRegistry } from '../runtime/mapping-registry.js';
import type { LinkSource, MappedOutbound, OutboundMapper, RecordSource } from '../runtime/ports.js';
import type { InboxRow } from '../state/inbox-store.js';

/** One complete, checked set of mappings: what the sidecar maps with at a time. */
export interface MappingSet {
  /** The outbound mappings (reconciliation, field check, pinned replays). */
  registry: MappingRegistry;
  /** What the worker maps claimed events with (the registry behind the ATP enrichment). */
  mapper: OutboundMapper;
  /** The inbound mappings (inbox messages to sync_apply items). */
  inbound: Pick<InboundPreparer, 'prepare' | 'count' | 'fileVersions' | 'mapping' | 'useStore'>;
  /** When this set was loaded (ms). */
  loadedAt: number;
}

export interface MappingSetSources {
  dir: string;
  targets: Record<string, TargetConfig>;
  /** sync.link rows and record reads for the outbound mappings (Odoo). */
  links?: LinkSource & Partial<RecordSource>;
  /** sync_atp figures for `atp` events; without it the registry maps them as is. */
  atp?: AtpReader;
  /** The targets' API clients for inbound enrichment reads. */
  clientOf?: ClientOf;
  /** Compile options of every mapping: the connected Odoo's series (CompileOptions.odooSeries). */
  compile?: CompileOptions;
  now?: () => number;
}

/**
 * Loads and compiles every mapping of the configured targets' folders, outbound and inbound.
 * All or nothing: any problem in any file throws one PermanentError (category 'mapping') whose
 * `details.problems` lists each problem once (`file:line:col construct: message`).
 */
export function loadMappingSet(src: MappingSetSources): MappingSet {
  const problems: string[] = [];
  let registry: MappingRegistry | undefined;
  let inbound: InboundPreparer | undefined;
  try { registry = loadOutboundMapper(src.dir, src.targets, src.links, src.compile); } catch (err) { problems.push(...problemsOf(err)); }
  try { inbound = new InboundPreparer(src.dir, src.targets, src.clientOf); } catch (err) { problems.push(...problemsOf(err)); }
  if (!registry || !inbound) {
    const unique = [...new Set(problems)];
    throw new PermanentError(`mappings have errors:\n${unique.join('\n')}`, { category: 'mapping', details: { problems: unique } });
  }
  const mapper = src.atp ? new AtpEnrichingMapper(registry, src.atp, src.targets) : registry;
  return { registry, mapper, inbound, loadedAt: (src.now ?? Date.now)() };
}

/** The problem lines of a failed load (`details.problems` of the registry's and preparer's errors). */
function problemsOf(err: unknown): string[] {
  const listed = err instanceof PermanentError ? err.details.problems : undefined;
  return Array.isArray(listed) ? listed.map(String) : loadProblems(err);
}

/** The version of each mapping file of a set, outbound and inbound (file -> sha256). */
export function setVersions(set: MappingSet): Map<string, string> {
  return new Map([...set.registry.fileVersions(), ...set.inbound.fileVersions()].sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The live mapping set, swapped as a whole by a reload (bridge/app/mapping-reload.ts). Everyone
 * who maps goes through it: the worker (as its OutboundMapper: a claim takes a `snapshot()`, so
 * the specs it asks Odoo for and the mapping its events are delivered with come from the same
 * set, even when a reload lands while they are in flight), the inbox processor (as its
 * MessagePreparer), reconciliation (`registry()`), /readyz.
 */
export class LiveMappings implements OutboundMapper {
  constructor(private set: MappingSet) {}

  current(): MappingSet { return this.set; }

  /** Makes `next` the live set; returns the one it replaces. */
  swap(next: MappingSet): MappingSet {
    const prev = this.set;
    this.set = next;
    return prev;
  }

  registry(): MappingRegistry { return this.set.registry; }

  /** The outbound mapper of the live set, kept by a claim for its events. */
  snapshot(): OutboundMapper { return this.set.mapper; }

  specs(targets: string[]): Record<string, WebReadSpec> { return this.set.mapper.specs(targets); }
  map(event: ClaimedEvent): Promise<MappedOutbound> { return this.set.mapper.map(event); }
  count(): number { return this.set.mapper.count(); }

  /** The inbound side (InboxProcessor's MessagePreparer): each message is prepared with the set live when it is taken. */
  readonly preparer = {
    prepare: (row: InboxRow): Promise<PreparedMessage> => this.set.inbound.prepare(row),
    count: (): number => this.set.inbound.count(),
  };
}
