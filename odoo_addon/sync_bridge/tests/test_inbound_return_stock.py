# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import uuid

from odoo.tests import tagged
from odoo.addons.sync_bridge.compat import storable_vals

from .common import move_label
from .inbound_common import InboundCase


@tagged("post_install", "-at_install")
class TestInboundReturnStock(InboundCase):
    def _shipped_order(self, lines):
        order, picking = self._confirmed_order(lines)
        res = self._apply("shipment", self._shipment(picking.name, [
            {"sku": p.default_code, "quantity": q} for p, q in lines]))
        self.assertEqual(res["status"], "applied", res)
        return order, picking

    def _return(self, ref, lines):
        return {"message_id": uuid.uuid4().hex, "source": "generic_wms",
                "return_id": "RMA-" + uuid.uuid4().hex[:6], "order_ref": ref,
                "received_at": "2026-03-05 09:00:00", "lines": lines}

    def _qty(self, product, location):
        return sum(self.env["stock.quant"].search(
            [("product_id", "=", product.id), ("location_id", "=", location.id)]).mapped("quantity"))

    def test_return_restock_quarantine_scrap(self):
        self.wms.auto_credit_note = True
        order, picking = self._shipped_order([(self.product, 5)])
        stock = self.warehouse.lot_stock_id
        before = self._qty(self.product, stock)
        res = self._apply("return", self._return(picking.name, [
            {"sku": "SW-1", "quantity": 2, "disposition": "restock"},
            {"sku": "SW-1", "quantity": 1, "disposition": "quarantine"},
            {"sku": "SW-1", "quantity": 1, "disposition": "scrap"},
        ]))
        self.assertEqual(res["status"], "applied", res)
        ret = picking.return_ids
        self.assertEqual(len(ret), 1)
        self.assertEqual(ret.state, "done")
        self.assertEqual(ret.move_ids.quantity, 4)
        self.assertEqual(self._qty(self.product, stock), before + 2)
        quarantine = self.env["stock.location"].search(
            [("name", "=", "Quarantine"), ("location_id", "=", self.warehouse.view_location_id.id)])
        self.assertEqual(self._qty(self.product, quarantine), 1)
        # Odoo 19 dropped stock.location.scrap_location: scrap is an 'inventory' location
        scrap = ret.move_line_ids.filtered(
            lambda l: l.location_dest_id.scrap_location if "scrap_location" in l.location_dest_id._fields
            else l.location_dest_id.usage == "inventory")
        self.assertEqual(sum(scrap.mapped("quantity")), 1)
        self.assertEqual(order.order_line.qty_delivered, 1)
        refund = order.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(refund.state, "draft")
        self.assertEqual(refund.invoice_line_ids.quantity, 4)
        self.assertIn(ret.id, [r["res_id"] for r in res["records"] if r["model"] == "stock.picking"])

    def test_return_more_than_delivered(self):
        order, picking = self._shipped_order([(self.product, 2)])
        res = self._apply("return", self._return(order.name, [
            {"sku": "SW-1", "quantity": 3, "disposition": "restock"}]))
        self.assertEqual(res["status"], "exception", res)
        self.assertFalse(picking.return_ids)
        exc = self.env["sync.exception"].browse(res["exception_ids"])
        self.assertEqual((exc.category, exc.res_id), ("stock_discrepancy", order.id))

    def _snapshot(self, lines, kind="stock_adjustment", as_of="2026-03-06 06:00:00"):
        payload = {"message_id": uuid.uuid4().hex, "source": "generic_wms", "location": "MAIN",
                   "as_of": as_of, "lines": lines}
        return self._apply(kind, payload)

    def test_stock_adjustment_within_and_above_tolerance(self):
        self.wms.write({"stock_tolerance_qty": 5, "stock_tolerance_percent": 10})
        stock = self.warehouse.lot_stock_id
        res = self._snapshot([
            {"sku": "SW-1", "on_hand": 97, "available": 97},   # -3: applied
            {"sku": "SG-2", "on_hand": 80, "available": 80},   # -20: discrepancy
        ])
        self.assertEqual(res["status"], "exception", res)
        self.assertEqual(self._qty(self.product, stock), 97)
        self.assertEqual(self._qty(self.product_b, stock), 100)
        exc = self.env["sync.exception"].browse(res["exception_ids"])
        self.assertEqual((exc.category, exc.model, exc.res_id),
                         ("stock_discrepancy", "product.product", self.product_b.id))
        move = self.env["stock.move"].search([("product_id", "=", self.product.id),
                                              ("is_inventory", "=", True)], order="id desc", limit=1)
        self.assertIn("WMS cycle count", move_label(move))
        # all within tolerance: applied; same counts again: nothing to change
        res = self._snapshot([{"sku": "SG-2", "on_hand": 95, "available": 90}], "stock_snapshot",
                             "2026-03-06 07:00:00")
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(self._qty(self.product_b, stock), 95)
        again = self._snapshot([{"sku": "SG-2", "on_hand": 95, "available": 90}], "stock_snapshot",
                               "2026-03-06 07:00:00")
        self.assertEqual(again["status"], "duplicate", again)  # same location and as_of
        res = self._snapshot([{"sku": "SG-2", "on_hand": 95, "available": 90}], "stock_snapshot",
                             "2026-03-06 08:00:00")
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(self._qty(self.product_b, stock), 95)

    def test_stock_adjustment_lot(self):
        lot_product = self.env["product.product"].create({
            "name": "Lot Paint", "default_code": "LOT-1", **storable_vals(self.env), "tracking": "lot"})
        res = self._snapshot([{"sku": "LOT-1", "on_hand": 4, "available": 4, "lot": "L-9"},
                              {"sku": "LOT-1", "on_hand": 4, "available": 4}])
        self.assertEqual(res["status"], "exception", res)
        quant = self.env["stock.quant"].search([("product_id", "=", lot_product.id),
                                                ("location_id", "=", self.warehouse.lot_stock_id.id)])
        self.assertEqual((quant.lot_id.name, quant.quantity), ("L-9", 4))
        self.assertIn("lines[1].lot", res["error"])
