import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { hubspotMappingInfo } from '../../../bridge/reconcile/sources/master.js';

const MAPPINGS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'mappings');

describe('reconcile: HubSpot master-data mapping info', () => {
  it('the shipped customer mapping (companies or contacts by if/then/else) lists contacts by odoo_partner_id', () => {
    const info = hubspotMappingInfo(MAPPINGS, 'hubspot', 'res.partner')!;
    expect(info.objectType).to.equal('contacts');
    expect(info.idProperty).to.equal('odoo_partner_id');
    expect(info.properties).to.include.members(['firstname', 'lastname', 'email']);
  });
  it('products stay products', () => {
    expect(hubspotMappingInfo(MAPPINGS, 'hubspot', 'product.product')!.objectType).to.equal('products');
  });
});
