/**
 * One interface to Odoo whatever the protocol. Methods are called with named parameters
 * (`params`), plus record ids for record methods: XML-RPC passes them as
 * execute_kw(model, method, [ids], params), JSON-2 as a body {ids, ...params}.
 * Every failure is a typed BridgeError (see odoo-errors.ts).
 */
export interface OdooCall {
  model: string;
  method: string;
  /** Record ids for record methods (omit for @api.model methods). */
  ids?: number[];
  params?: Record<string, unknown>;
  /**
   * Positional arguments, XML-RPC only; JSON-2 takes named arguments, so portable callers use
   * `params` (the XML-RPC transport passes `create`'s `vals_list` positionally by itself).
   */
  args?: unknown[];
  /** Extra context keys (merged into the call's context). */
  context?: Record<string, unknown>;
}

export interface OdooGateway {
  /** Authenticates (XML-RPC) or checks the key (JSON-2); returns the service user's uid. */
  connect(): Promise<number>;
  call<T = unknown>(call: OdooCall): Promise<T>;
  /** The server's version string (no authentication needed). */
  serverVersion(): Promise<string>;
  readonly protocol: 'xmlrpc' | 'json2';
}

export interface OdooConnection {
  url: string;
  db: string;
  username: string;
  apiKey: string;
  timeoutMs: number;
}
