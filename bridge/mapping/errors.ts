import { PermanentError } from '../errors/index.js';

/** One problem found in a mapping file, with its position. */
export interface MappingIssue {
  file: string;
  /** 1-based; 0 when the position is unknown. */
  line: number;
  col: number;
  /** The construct, e.g. `fields.products.each.quantity.pipe[1]`. */
  construct: string;
  message: string;
}

/** One problem found while running a compiled mapping on a record. */
export interface MappingRunIssue {
  /** Mapping file name. */
  mapping: string;
  /** Position of the field in the mapping file. */
  line: number;
  col: number;
  /** The construct (field path in the mapping), e.g. `fields.products.each.reference_id`. */
  field: string;
  /** Where in the input data, e.g. `order_line[3].product_id.default_code` (empty when not data related). */
  dataPath: string;
  message: string;
}

export function formatIssue(i: MappingIssue): string {
  const where = i.line > 0 ? `${i.file}:${i.line}:${i.col}` : i.file;
  return `${where} ${i.construct || '(file)'}: ${i.message}`;
}

export function formatRunIssue(i: MappingRunIssue): string {
  const where = i.line > 0 ? `${i.mapping}:${i.line}:${i.col}` : i.mapping;
  return `${where} ${i.field}: ${i.dataPath ? `${i.dataPath}: ` : ''}${i.message}`;
}

/** Base of every mapping error: permanent (retrying the same record cannot help), category 'mapping'. */
export class MappingError extends PermanentError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, { category: 'mapping', details });
  }
}

/** A mapping file does not compile; `issues` holds every problem found in the file. */
export class MappingCompileError extends MappingError {
  readonly issues: MappingIssue[];
  constructor(issues: MappingIssue[]) {
    super(issues.map(formatIssue).join('\n'), { issues: issues.map(formatIssue) });
    this.issues = issues;
  }
}

/** A compiled mapping could not map a record; `issues` holds every problem found in the record. */
export class MappingRunError extends MappingError {
  readonly issues: MappingRunIssue[];
  readonly mappingVersion: string;
  constructor(issues: MappingRunIssue[], mappingVersion: string) {
    super(issues.map(formatRunIssue).join('\n'), { issues: issues.map(formatRunIssue), mappingVersion });
    this.issues = issues;
    this.mappingVersion = mappingVersion;
  }
}
