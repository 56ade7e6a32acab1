# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class AccountPayment(models.Model):
    """With Accounting installed a payment may have no journal entry until the bank matches
    it: the invoice is then *In Payment* through the payment's state, with no reconciliation.
    State changes (validated, rejected, cancelled) and deletions of such payments give the
    invoices' sale orders a CRM status event (reconciliations are seen by
    account.partial.reconcile)."""

    _inherit = "account.payment"

    def _sync_sale_orders(self):
        payments = self.sudo()
        # 18+: invoice_ids (the payment may have no journal entry); 17: the reconciled ones
        invoices = (payments.invoice_ids if "invoice_ids" in payments._fields
                    else payments.reconciled_invoice_ids)
        return invoices._sync_sale_orders()

    def write(self, vals):
        res = super().write(vals)
        if "state" in vals and not self.env.context.get("sync_bridge_skip"):
            self._sync_sale_orders()._sync_status_event()
        return res

    def unlink(self):
        if self.env.context.get("sync_bridge_skip"):
            return super().unlink()
        orders = self._sync_sale_orders()
        res = super().unlink()
        orders._sync_status_event()
        return res
