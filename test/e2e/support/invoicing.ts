import { callReturningNone, create, searchRead, type OdooTestEnv } from './odoo-env.js';

/**
 * Odoo's own invoicing flows over RPC, as a user clicks them: *Create Invoice* on a sale order
 * (sale.advance.payment.inv), *Confirm* on the invoice (action_post), *Register Payment*
 * (account.payment.register). Methods that answer None are called through callReturningNone.
 */

export interface InvoiceRow { id: number; name: string; state: string; payment_state: string; amount_total: number; amount_residual: number; invoice_date_due: string | false }

/** *Create Invoice* (regular invoice) on a confirmed order; returns the new draft invoices' ids. */
export async function invoiceOrder(env: OdooTestEnv, orderId: number): Promise<number[]> {
  const before = await orderInvoiceIds(env, orderId);
  const context = { active_model: 'sale.order', active_ids: [orderId], active_id: orderId };
  const wizard = await create(env.admin, 'sale.advance.payment.inv', { advance_payment_method: 'delivered' }, context);
  await callReturningNone(env.admin, { model: 'sale.advance.payment.inv', method: 'create_invoices', ids: [wizard], context });
  return (await orderInvoiceIds(env, orderId)).filter((id) => !before.includes(id));
}

export async function orderInvoiceIds(env: OdooTestEnv, orderId: number): Promise<number[]> {
  const [so] = await searchRead<{ invoice_ids: number[] }>(env.admin, 'sale.order', [['id', '=', orderId]], ['invoice_ids']);
  return so?.invoice_ids ?? [];
}

/** *Confirm* (post) invoices. */
export async function postInvoices(env: OdooTestEnv, ids: number[]): Promise<void> {
  await callReturningNone(env.admin, { model: 'account.move', method: 'action_post', ids });
}

export async function readInvoice(env: OdooTestEnv, id: number): Promise<InvoiceRow> {
  const [row] = await searchRead<InvoiceRow>(env.admin, 'account.move', [['id', '=', id]], ['name', 'state', 'payment_state', 'amount_total', 'amount_residual', 'invoice_date_due']);
  if (!row) throw new Error(`invoice ${id} not found`);
  return row;
}

/** *Register Payment* on an invoice for `amount` (the residual when left out), dated `date` (today by default). */
export async function registerPayment(env: OdooTestEnv, invoiceId: number, amount?: number, date?: string): Promise<void> {
  const context = { active_model: 'account.move', active_ids: [invoiceId] };
  const wizard = await create(env.admin, 'account.payment.register', { ...(amount !== undefined ? { amount } : {}), ...(date ? { payment_date: date } : {}) }, context);
  await callReturningNone(env.admin, { model: 'account.payment.register', method: 'action_create_payments', ids: [wizard], context });
}

/** Midnight UTC of an Odoo date ('YYYY-MM-DD') in epoch milliseconds, as a string (a HubSpot date property's value). */
export function hubspotDate(date: string): string {
  return String(Date.parse(`${date}T00:00:00Z`));
}
