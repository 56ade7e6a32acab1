# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class SyncStockAdjustmentWizard(models.TransientModel):
    """A Sync manager approves reconciliation stock discrepancies: Odoo's on-hand
    quantity becomes the WMS figure through an inventory adjustment carrying the
    reason entered here."""

    _name = "sync.stock.adjustment.wizard"
    _description = "Apply WMS Quantity (reason of the inventory adjustment)"

    exception_ids = fields.Many2many(
        "sync.exception", string="Stock Discrepancies", required=True,
        domain="[('category', '=', 'stock_discrepancy'), ('state', '=', 'open')]",
    )
    line_ids = fields.Many2many(
        "sync.reconciliation.line", compute="_compute_line_ids", string="Figures")
    reason = fields.Text(
        required=True,
        help="Why Odoo's quantity is corrected to the WMS figure (e.g. 'Cycle count at the "
        "WMS, breakage not booked'). The inventory adjustment (stock move) carries it.",
    )

    @api.depends("exception_ids")
    def _compute_line_ids(self):
        for wizard in self:
            wizard.line_ids = wizard.exception_ids.recon_line_id

    def action_apply(self):
        self.ensure_one()
        self.exception_ids._apply_wms_quantity(self.reason)
        return {"type": "ir.actions.act_window_close"}
