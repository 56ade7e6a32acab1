import type { OdooConnection, OdooGateway } from './odoo-gateway.js';
import { Json2Transport } from './json2-transport.js';
import { SeriesFieldsGateway } from './series-fields-gateway.js';
import { XmlRpcTransport } from './xmlrpc-transport.js';

/**
 * Picks the transport named by config: xmlrpc (Odoo 17/18) or json2 (Odoo 19+), behind the
 * series' field renames (the mappings read Odoo 18 names on every series).
 */
export function createGateway(protocol: 'xmlrpc' | 'json2', conn: OdooConnection): OdooGateway {
  return new SeriesFieldsGateway(protocol === 'json2' ? new Json2Transport(conn) : new XmlRpcTransport(conn));
}
