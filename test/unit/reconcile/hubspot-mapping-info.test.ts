import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { hubspotMappingInfo } from '../../../bridge/reconcile/sources/master.js';

const MAPPINGS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'mappings');

describe('reconcile: HubSpot master-data mapping info', () => {
  it('the shipped customer mapping (companies or contacts by if/then/else on is_company) gives both objects with their partner kind', () => {
    const info = hubspotMappingInfo(MAPPINGS, 'hubspot', 'res.partner')!;
    expect(info.objects).to.deep.equal([{ objectType: 'companies', partnerKind: 'company' }, { objectType: 'contacts', partnerKind: 'person' }]);
    expect(info.idProperty).to.equal('odoo_partner_id');
    expect(info.properties).to.include.members(['name', 'firstname', 'lastname', 'email']);
  });
  it('products stay products (one object, no partner kind)', () => {
    const info = hubspotMappingInfo(MAPPINGS, 'hubspot', 'product.product')!;
    expect(info.objectType).to.equal('products');
    expect(info.objects).to.deep.equal([{ objectType: 'products' }]);
  });
});
