import type { OdooConnection, OdooGateway } from './odoo-gateway.js';
import { Json2Transport } from './json2-transport.js';
import { XmlRpcTransport } from './xmlrpc-transport.js';

/** Picks the transport named by config: xmlrpc (Odoo 17/18) or json2 (Odoo 19+). */
export function createGateway(protocol: 'xmlrpc' | 'json2', conn: OdooConnection): OdooGateway {
  return protocol === 'json2' ? new Json2Transport(conn) : new XmlRpcTransport(conn);
}
