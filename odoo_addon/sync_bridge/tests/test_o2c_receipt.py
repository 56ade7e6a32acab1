# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import uuid

from odoo import Command
from odoo.tests import tagged
from odoo.addons.sync_bridge.compat import storable_vals

from .inbound_common import InboundCase


@tagged("post_install", "-at_install")
class TestO2cReceipt(InboundCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wms.trigger_receipt_asn = True
        cls.vendor = cls.env["res.partner"].create({"name": "Sync Vendor"})
        cls.lot_product = cls.env["product.product"].create({
            "name": "Lot Paint", "default_code": "LOT-R", **storable_vals(cls.env),
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

    def _send_asn(self, receipt):
        """Claim and acknowledge the receipt's ASN (the WMS has it now)."""
        claimed = [c for c in self._claim([self.wms.code]) if c["res_id"] == receipt.id
                   and c["model"] == "stock.picking"]
        self.assertTrue(claimed)
        res = self.svc.sync_ack([self._item(c, external_ref="WRO-1") for c in claimed])
        self.assertEqual(sorted(res["ok"]), sorted(c["id"] for c in claimed), res)
        return claimed

    def test_asn_amend_coalesced_then_cancel(self):
        po, receipt = self._po([(self.product, 10), (self.lot_product, 4)])
        # still pending: the ASN will carry the change, no amendment
        po.order_line[0].product_qty = 12
        self.assertFalse(self._events(receipt, self.wms, event_type="asn_amend"))
        self._send_asn(receipt)
        # announced: quantity, a new line and the date change -> ONE pending amendment
        po.order_line[0].product_qty = 8
        po.write({"order_line": [Command.create({"product_id": self.product.id,
                                                 "product_qty": 1, "price_unit": 3.0})]})
        receipt.scheduled_date = "2026-12-01 10:00:00"
        amend = self._events(receipt, self.wms, event_type="asn_amend")
        self.assertEqual(len(amend), 1)
        self.assertEqual(amend.state, "pending")
        self.assertGreaterEqual(amend.change_count, 2)
        self.assertEqual(amend.aggregate_key, f"purchase.order,{po.id}")
        claimed = self._claim([self.wms.code], specs={"stock.picking": {"name": {}}})
        self.assertEqual([(c["event_type"], c["res_id"]) for c in claimed],
                         [("asn_amend", receipt.id)])
        self.svc.sync_ack([self._item(claimed[0])])
        # another change after the amendment was sent: a new one
        po.order_line[1].product_qty = 3
        pending = self._events(receipt, self.wms, event_type="asn_amend", state="pending")
        self.assertEqual(len(pending), 1)
        # the receipt is cancelled: the pending amendment is dropped, a cancellation queued
        po.button_cancel()
        self.assertEqual(receipt.state, "cancel")
        self.assertEqual(pending.state, "cancelled")
        cancel = self._events(receipt, self.wms, event_type="asn_cancel")
        self.assertEqual(len(cancel), 1)
        self.assertEqual(cancel.state, "pending")
        self.assertEqual(cancel.aggregate_key, f"purchase.order,{po.id}")

    def test_asn_cancel_before_sent_drops_it(self):
        po, receipt = self._po([(self.product, 2)])
        asn = self._events(receipt, self.wms, event_type="asn")
        self.assertEqual(asn.state, "pending")
        po.button_cancel()
        self.assertEqual(asn.state, "cancelled")
        self.assertFalse(self._events(receipt, self.wms, event_type="asn_cancel"))
        self.assertFalse(self._events(receipt, self.wms, event_type="asn_amend"))

    def test_reception_is_not_an_amendment(self):
        _po, receipt = self._po([(self.product, 10)])
        self._send_asn(receipt)
        res = self._apply("receipt", self._receipt(receipt.name, [{"sku": "SW-1", "quantity": 6}]))
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(receipt.state, "done")
        self.assertFalse(self._events(receipt, self.wms, event_type="asn_amend",
                                      state="pending"))
        self.assertFalse(self._events(receipt, self.wms, event_type="asn_cancel"))
        # the backorder is a receipt of its own (its own ASN), not an amendment
        self.assertTrue(receipt.backorder_ids)
        self.assertFalse(self._events(receipt.backorder_ids, self.wms, event_type="asn_amend"))
