# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_round

from ..compat import is_storable

PRODUCT_SYNC_FIELDS = {
    "name", "default_code", "barcode", "lst_price", "list_price", "standard_price",
    "weight", "volume", "uom_id", "categ_id", "type", "is_storable", "detailed_type", "active",
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

    # ------------------------------------------------------------------
    # Available to promise (docs/odoo-contract.md#sync_atp)
    # ------------------------------------------------------------------
    @api.model
    def _sync_atp_changed(self, pairs):
        """Stock of (product id, warehouse id) pairs changed: write (coalesce into)
        ONE pending 'atp' event per product for each ATP target whose scope has
        the warehouse. The partial unique index keeps one pending event per
        product and target, however many moves a transaction makes."""
        pairs = {(p, w) for p, w in pairs if p and w}
        if not pairs or self.env.context.get("sync_bridge_skip"):
            return
        targets = self.env["sync.target"]._get_for("atp")
        if not targets:
            return
        Event = self.env["sync.event"].sudo()
        products = self.sudo().browse({p for p, _w in pairs}).filtered(is_storable)
        for target in targets:
            scope = set(target._atp_warehouses().ids)
            wanted = products.filtered(
                lambda prod: any(w in scope for p, w in pairs if p == prod.id)
            )
            for product in wanted:
                Event._enqueue(target, "atp", product)

    @api.model
    def _sync_atp(self, target_code, product_ids):
        """ATP per product and warehouse of the target's scope:
        atp = on_hand - reserved + incoming (within the target's horizon)."""
        if not isinstance(target_code, str):
            raise ValidationError(_("target: expected a target code."))
        target = self.env["sync.target"].sudo().search([("code", "=", target_code)], limit=1)
        if not target:
            raise ValidationError(_("target: unknown or archived target %s.", target_code))
        if isinstance(product_ids, int) and not isinstance(product_ids, bool):
            product_ids = [product_ids]
        if not isinstance(product_ids, (list, tuple)) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in product_ids
        ):
            raise ValidationError(_("product_ids: expected a list of integers."))
        products = self.with_context(active_test=False).browse(product_ids).exists()
        products = products.filtered(is_storable)
        if not products:
            return []
        horizon = target.atp_horizon_days
        until = fields.Datetime.now() + timedelta(days=horizon) if horizon > 0 else None
        Quant = self.env["stock.quant"]
        Move = self.env["stock.move"]
        rows = []
        for warehouse in target._atp_warehouses().sorted("id"):
            stock = {
                product.id: (qty, reserved)
                for product, qty, reserved in Quant._read_group(
                    [("product_id", "in", products.ids),
                     ("location_id", "child_of", warehouse.view_location_id.id),
                     ("location_id.usage", "=", "internal")],
                    ["product_id"], ["quantity:sum", "reserved_quantity:sum"],
                )
            }
            incoming = {}
            if until:
                incoming = dict(Move._read_group(
                    [("product_id", "in", products.ids),
                     ("state", "in", ("waiting", "confirmed", "partially_available",
                                      "assigned")),
                     ("location_dest_id.warehouse_id", "=", warehouse.id),
                     ("location_id.warehouse_id", "!=", warehouse.id),
                     ("date", "<=", until)],
                    ["product_id"], ["product_qty:sum"],
                ))
                incoming = {p.id: q for p, q in incoming.items()}
            for product in products:
                rounding = product.uom_id.rounding
                on_hand, reserved = stock.get(product.id, (0.0, 0.0))
                inc = incoming.get(product.id, 0.0)
                rows.append({
                    "product_id": product.id,
                    "sku": product.default_code or False,
                    "warehouse": warehouse.code,
                    "warehouse_id": warehouse.id,
                    "on_hand": float_round(on_hand or 0.0, precision_rounding=rounding),
                    "reserved": float_round(reserved or 0.0, precision_rounding=rounding),
                    "incoming": float_round(inc or 0.0, precision_rounding=rounding),
                    "atp": float_round((on_hand or 0.0) - (reserved or 0.0) + (inc or 0.0),
                                       precision_rounding=rounding),
                })
        return rows
