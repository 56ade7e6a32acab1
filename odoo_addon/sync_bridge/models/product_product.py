# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models

PRODUCT_SYNC_FIELDS = {
    "name", "default_code", "barcode", "lst_price", "list_price", "standard_price",
    "weight", "volume", "uom_id", "categ_id", "type", "is_storable", "active",
    "sale_ok", "description_sale", "product_template_attribute_value_ids",
}


class ProductProduct(models.Model):
    _name = "product.product"
    _inherit = ["product.product", "sync.status.mixin"]

    def _sync_upsert(self):
        Event = self.env["sync.event"].sudo()
        for company, products in self.grouped("company_id").items():
            targets = self.env["sync.target"]._get_for("product", company)
            for product in products:
                for target in targets:
                    Event._enqueue(target, "upsert", product)

    @api.model_create_multi
    def create(self, vals_list):
        products = super().create(vals_list)
        products._sync_upsert()
        return products

    def write(self, vals):
        res = super().write(vals)
        if PRODUCT_SYNC_FIELDS.intersection(vals):
            self._sync_upsert()
        return res
