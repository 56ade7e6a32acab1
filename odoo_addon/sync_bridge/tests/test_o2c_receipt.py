# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import uuid

from odoo import Command
from odoo.tests import tagged

from .inbound_common import InboundCase


@tagged("post_install", "-at_install")
class TestO2cReceipt(InboundCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wms.trigger_receipt_asn = True
        cls.vendor = cls.env["res.partner"].create({"name": "Sync Vendor"})
        cls.lot_product = cls.env["product.product"].create({
            "name": "Lot Paint", "default_code": "LOT-R", "is_storable": True,
            "tracking": "lot"})

    def _po(self, lines):
        po = self.env["purchase.order"].create({
            "partner_id": self.vendor.id,
            "picking_type_id": self.warehouse.in_type_id.id,
            "order_line": [Command.create({"product_id": p.id, "product_qty": q,
                                           "price_unit": 10.0}) for p, q in lines],
        })
        po.button_confirm()
        return po, po.picking_ids

    def _receipt(self, ref, lines, **extra):
        payload = {
            "message_id": uuid.uuid4().hex,
            "source": "generic_wms",
            "receipt_ref": ref,
            "receipt_id": "WRO-" + uuid.uuid4().hex[:8],
            "received_at": "2026-03-02 09:00:00",
            "lines": [dict({"lots": [], "serials": []}, **line) for line in lines],
        }
        payload.update(extra)
        return payload

    def test_asn_on_ready_receipt(self):
        po, receipt = self._po([(self.product, 10)])
        self.assertEqual(receipt.state, "assigned")
        asn = self._events(receipt, self.wms, event_type="asn")
        self.assertEqual(len(asn), 1)
        self.assertEqual(asn.aggregate_key, f"purchase.order,{po.id}")
        # once per receipt: assigning again does not add one
        receipt.action_assign()
        self.assertEqual(len(self._events(receipt, self.wms, event_type="asn")), 1)
        # no trigger, no ASN
        self.wms.trigger_receipt_asn = False
        _po2, receipt2 = self._po([(self.product, 1)])
        self.assertFalse(self._events(receipt2, self.wms, event_type="asn"))
        claimed = self._claim([self.wms.code], specs={"stock.picking": {"name": {}}})
        self.assertIn(("asn", receipt.id), [(c["event_type"], c["res_id"]) for c in claimed])

    def test_short_receipt_with_lots_backorder(self):
        po, receipt = self._po([(self.lot_product, 10), (self.product, 5)])
        res = self._apply("receipt", self._receipt(receipt.name, [
            {"sku": "LOT-R", "quantity": 6, "lots": [
                {"lot": "R-1", "quantity": 4, "expiration_date": "2027-06-30"},
                {"lot": "R-2", "quantity": 2}]},
            {"sku": "SW-1", "quantity": 5},
        ]))
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(receipt.state, "done")
        self.assertEqual(str(receipt.date_done), "2026-03-02 09:00:00")
        lots = self.env["stock.lot"].search([("product_id", "=", self.lot_product.id)])
        self.assertEqual(sorted(lots.mapped("name")), ["R-1", "R-2"])
        self.assertEqual(self.lot_product.with_context(
            warehouse_id=self.warehouse.id).qty_available, 6)
        backorder = receipt.backorder_ids
        self.assertEqual(len(backorder), 1)
        self.assertEqual(backorder.move_ids.product_id, self.lot_product)
        self.assertEqual(backorder.move_ids.product_uom_qty, 4)
        self.assertEqual(po.order_line.mapped("qty_received"), [6.0, 5.0])
        # the backorder is announced too
        self.assertTrue(self._events(backorder, self.wms, event_type="asn"))
        self.assertIn(backorder.id, [r["res_id"] for r in res["records"]])
        # the rest arrives later under the original name
        res = self._apply("receipt", self._receipt(receipt.name, [
            {"sku": "LOT-R", "quantity": 4, "lots": [{"lot": "R-3", "quantity": 4}]}]))
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(backorder.state, "done")
        self.assertEqual(po.order_line.mapped("qty_received"), [10.0, 5.0])

    def test_short_receipt_closed(self):
        self.wms.receipt_backorder_policy = "cancel"
        po, receipt = self._po([(self.product, 10)])
        res = self._apply("receipt", self._receipt(receipt.name, [{"sku": "SW-1", "quantity": 7}]))
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(receipt.state, "done")
        self.assertFalse(receipt.backorder_ids)
        self.assertEqual(po.order_line.qty_received, 7)

    def test_over_receipt_and_unknown_sku(self):
        _po, receipt = self._po([(self.product, 3)])
        res = self._apply("receipt", self._receipt(receipt.name, [{"sku": "SW-1", "quantity": 5}]))
        self.assertEqual(res["status"], "exception", res)
        exc = self.env["sync.exception"].browse(res["exception_ids"])
        self.assertEqual(exc.category, "stock_discrepancy")
        self.assertEqual((exc.model, exc.res_id), ("stock.picking", receipt.id))
        self.assertIn("over-receipt", res["error"])
        self.assertEqual(receipt.state, "assigned")
        res = self._apply("receipt", self._receipt(receipt.name, [
            {"sku": "SW-1", "quantity": 1}, {"sku": "NOPE-1", "quantity": 1}]))
        self.assertEqual(res["status"], "exception", res)
        self.assertIn("lines[1].sku: unknown SKU", res["error"])
        self.assertEqual(receipt.state, "assigned")
        # lot-tracked without lots
        _po2, receipt2 = self._po([(self.lot_product, 2)])
        res = self._apply("receipt", self._receipt(receipt2.name, [{"sku": "LOT-R", "quantity": 2}]))
        self.assertEqual(res["status"], "exception", res)
        self.assertIn("lines[0].lots", res["error"])

    def test_idempotent_and_schema(self):
        _po, receipt = self._po([(self.product, 4)])
        payload = self._receipt(receipt.name, [{"sku": "SW-1", "quantity": 4}])
        res = self._apply("receipt", payload)
        self.assertEqual(res["status"], "applied", res)
        again = self._apply("receipt", payload)
        self.assertEqual(again["status"], "duplicate")
        # same WMS receipt id under a new message id: duplicate as well
        other = dict(payload, message_id=uuid.uuid4().hex)
        self.assertEqual(self._apply("receipt", other)["status"], "duplicate")
        bad = self._apply("receipt", self._receipt(receipt.name, [{"sku": "SW-1", "quantity": -1}]))
        self.assertEqual(bad["status"], "rejected")
        self.assertIn("lines[0].quantity", bad["error"])
