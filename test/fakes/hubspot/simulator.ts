import type { WebhookDelivery } from '../common/webhooks.js';
import type { HubSpotContext } from './context.js';
import { checkProperties, SINGULAR, type ObjectType } from './properties.js';
import type { HsRecord } from './store.js';
import type { HubSpotEvent, HubSpotWebhooks } from './webhooks.js';

export class HubSpotSimError extends Error {}

/** What sales reps do in HubSpot's UI: change properties, win deals. Drives the webhooks. */
export class HubSpotSimulator {
  constructor(
    private readonly ctx: HubSpotContext,
    private readonly hooks: HubSpotWebhooks,
  ) {}

  private values(type: ObjectType, props: Record<string, unknown>): Record<string, string | null> {
    const { problems, values } = checkProperties(this.ctx.schema[type], props);
    if (problems.length) throw new HubSpotSimError(problems.map((p) => p.message).join('; '));
    return values;
  }

  private async emit(events: HubSpotEvent[], duplicates?: number): Promise<WebhookDelivery[]> {
    const wanted = events.filter((e) => this.hooks.subscribed(e));
    return this.hooks.deliver(wanted, duplicates === undefined ? {} : { duplicates });
  }

  /** A user edits a record: the property changes and `<object>.propertyChange` is sent. */
  async changeProperty(type: ObjectType, id: string, propertyName: string, propertyValue: string, opts: { duplicates?: number } = {}) {
    const rec = this.ctx.store.get(type, id);
    if (!rec) throw new HubSpotSimError(`${type} ${id} not found`);
    this.ctx.store.update(rec, this.values(type, { [propertyName]: propertyValue }));
    const ev = this.hooks.event({ subscriptionType: `${SINGULAR[type]}.propertyChange`, objectId: id, propertyName, propertyValue });
    return { record: rec, deliveries: await this.emit([ev], opts.duplicates) };
  }

  /**
   * A rep adds line items to a deal and moves it to Closed Won. Creates the deal when no dealId
   * is given; associates company/contact when given; sends deal.propertyChange(dealstage=closedwon).
   */
  async closeWonDeal(input: {
    dealId?: string;
    deal?: Record<string, unknown>;
    lineItems?: Array<Record<string, unknown>>;
    companyId?: string;
    contactId?: string;
    duplicates?: number;
  }): Promise<{ deal: HsRecord; lineItems: HsRecord[]; deliveries: WebhookDelivery[] }> {
    const { store } = this.ctx;
    let deal: HsRecord | undefined;
    if (input.dealId) {
      deal = store.get('deals', input.dealId);
      if (!deal) throw new HubSpotSimError(`deal ${input.dealId} not found`);
      if (input.deal) store.update(deal, this.values('deals', input.deal));
    } else {
      deal = store.create('deals', this.values('deals', { dealname: 'Deal', pipeline: 'default', dealstage: 'contractsent', ...input.deal }));
    }
    const lineItems = (input.lineItems ?? []).map((li) => {
      const rec = store.create('line_items', this.values('line_items', li));
      store.associate(deal!, rec, 19);
      return rec;
    });
    if (input.companyId) {
      const c = store.get('companies', input.companyId);
      if (!c) throw new HubSpotSimError(`company ${input.companyId} not found`);
      store.associate(deal, c, 5);
    }
    if (input.contactId) {
      const c = store.get('contacts', input.contactId);
      if (!c) throw new HubSpotSimError(`contact ${input.contactId} not found`);
      store.associate(deal, c, 3);
    }
    const all = deal.associations.get('line_items') ?? [];
    const amount = all.reduce((a, x) => a + Number(store.get('line_items', x.id)?.properties['amount'] ?? 0), 0);
    store.update(deal, { dealstage: 'closedwon', closedate: this.ctx.clock.iso(), amount: String(amount) });
    const ev = this.hooks.event({ subscriptionType: 'deal.propertyChange', objectId: deal.id, propertyName: 'dealstage', propertyValue: 'closedwon' });
    return { deal, lineItems, deliveries: await this.emit([ev], input.duplicates) };
  }

  /** Sends arbitrary events (built with defaults) in one delivery. */
  async emitEvents(events: Array<Parameters<HubSpotWebhooks['event']>[0]>, duplicates?: number): Promise<WebhookDelivery[]> {
    return this.hooks.deliver(events.map((e) => this.hooks.event(e)), duplicates === undefined ? {} : { duplicates });
  }
}
