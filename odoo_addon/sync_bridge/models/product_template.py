# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models

from .product_product import PRODUCT_SYNC_FIELDS


class ProductTemplate(models.Model):
    _inherit = "product.template"

    def write(self, vals):
        res = super().write(vals)
        if PRODUCT_SYNC_FIELDS.intersection(vals):
            self.with_context(active_test=False).product_variant_ids._sync_upsert()
        return res
