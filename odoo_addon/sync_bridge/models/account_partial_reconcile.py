# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models


class AccountPartialReconcile(models.Model):
    """A reconciliation changes what is paid on an invoice: a payment, a credit note applied,
    an outstanding credit used (create); unreconciling, a payment cancelled or reset to draft,
    an invoice reset to draft (unlink). The invoices' sale orders get a CRM status event."""

    _inherit = "account.partial.reconcile"

    def _sync_sale_orders(self):
        return (self.debit_move_id.move_id | self.credit_move_id.move_id)._sync_sale_orders()

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        if not self.env.context.get("sync_bridge_skip"):
            partials._sync_sale_orders()._sync_status_event()
        return partials

    def unlink(self):
        if self.env.context.get("sync_bridge_skip"):
            return super().unlink()
        orders = self._sync_sale_orders()
        res = super().unlink()
        orders._sync_status_event()
        return res
