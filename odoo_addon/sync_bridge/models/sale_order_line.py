# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models

# product_uom was renamed product_uom_id in Odoo 19
LINE_AMEND_FIELDS = {"product_id", "product_uom_qty", "product_uom", "product_uom_id", "route_id",
                     "name"}


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _sync_uom(self):
        """Unit of the line: product_uom (Odoo 18) or product_uom_id (19)."""
        self.ensure_one()
        return self.product_uom_id if "product_uom_id" in self._fields else self.product_uom

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.order_id.filtered(lambda o: o.state == "sale")._sync_amend()
        return lines

    def write(self, vals):
        res = super().write(vals)
        if LINE_AMEND_FIELDS.intersection(vals):
            self.order_id.filtered(lambda o: o.state == "sale")._sync_amend()
        return res

    def unlink(self):
        orders = self.order_id.filtered(lambda o: o.state == "sale")
        res = super().unlink()
        orders.exists()._sync_amend()
        return res
