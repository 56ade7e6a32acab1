# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models

LINE_AMEND_FIELDS = {"product_id", "product_uom_qty", "product_uom", "route_id", "name"}


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

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
