# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models


class StockQuant(models.Model):
    _inherit = "stock.quant"

    @api.model
    def _update_available_quantity(self, product_id, location_id, *args, **kwargs):
        res = super()._update_available_quantity(product_id, location_id, *args, **kwargs)
        self._sync_atp_touch(product_id, location_id)
        return res

    @api.model
    def _update_reserved_quantity(self, product_id, location_id, *args, **kwargs):
        res = super()._update_reserved_quantity(product_id, location_id, *args, **kwargs)
        self._sync_atp_touch(product_id, location_id)
        return res

    @api.model
    def _sync_atp_touch(self, product, location):
        if location.usage != "internal" or not location.warehouse_id:
            return
        self.env["product.product"]._sync_atp_changed({(product.id, location.warehouse_id.id)})
