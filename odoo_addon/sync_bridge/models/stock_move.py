# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models

MOVE_AMEND_FIELDS = {"product_uom_qty", "product_id", "product_uom", "date_deadline"}


class StockMove(models.Model):
    _inherit = "stock.move"

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        moves.picking_id._sync_amend()
        return moves

    def write(self, vals):
        res = super().write(vals)
        if MOVE_AMEND_FIELDS.intersection(vals):
            self.picking_id._sync_amend()
        return res

    def _action_assign(self, force_qty=False):
        res = super()._action_assign(force_qty=force_qty)
        self.picking_id._sync_release_ready()
        self.picking_id._sync_asn_ready()
        self._sync_atp_touch()
        return res

    def _action_cancel(self):
        pickings = self.picking_id
        res = super()._action_cancel()
        cancelled = pickings.filtered(lambda p: p.state == "cancel")
        cancelled._sync_cancel()
        (pickings - cancelled)._sync_amend()
        self._sync_atp_touch()
        return res

    def _action_confirm(self, *args, **kwargs):
        # Odoo 19 added create_proc=: pass every argument through
        moves = super()._action_confirm(*args, **kwargs)
        # incoming quantities count in ATP within the targets' horizon
        moves._sync_atp_touch()
        return moves

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        moves._sync_atp_touch()
        return moves

    def _sync_atp_touch(self):
        """One ATP notification per (product, warehouse) of these moves."""
        pairs = set()
        for move in self:
            for location in (move.location_id, move.location_dest_id):
                if location.warehouse_id:
                    pairs.add((move.product_id.id, location.warehouse_id.id))
        self.env["product.product"]._sync_atp_changed(pairs)
