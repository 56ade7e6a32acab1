# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models

# Writes of a customer invoice / credit note that change its order's invoicing as the CRM
# shows it (sale.order.sync_invoice_state...): posted, or no longer posted (reset to draft,
# cancelled); a payment without journal entry matched to it (Odoo's "In Payment" with
# Accounting installed).
SYNC_MOVE_FIELDS = {"state", "matched_payment_ids"}


class AccountMove(models.Model):
    _inherit = "account.move"

    def _sync_sale_orders(self):
        """The sale orders of these customer invoices and credit notes."""
        moves = self.sudo().filtered(lambda m: m.move_type in ("out_invoice", "out_refund"))
        return moves.line_ids.sale_line_ids.order_id

    def write(self, vals):
        if not SYNC_MOVE_FIELDS.intersection(vals) or self.env.context.get("sync_bridge_skip"):
            return super().write(vals)
        states = {move.id: move.state for move in self}
        res = super().write(vals)
        changed = self if "matched_payment_ids" in vals else self.filtered(
            lambda m: (m.state == "posted") != (states.get(m.id) == "posted"))
        changed._sync_sale_orders()._sync_status_event()
        return res
