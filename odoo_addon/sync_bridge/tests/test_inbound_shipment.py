# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged
from odoo.addons.sync_bridge.compat import storable_vals

from .inbound_common import InboundCase


@tagged("post_install", "-at_install")
class TestInboundShipment(InboundCase):
    def test_full_shipment(self):
        order, picking = self._confirmed_order([(self.product, 3), (self.product_b, 2)])
        self.assertEqual(picking.state, "assigned")
        self.Event.search([]).write({"state": "done"})
        res = self._apply("shipment", self._shipment(picking.name, [
            {"sku": "SW-1", "quantity": 3}, {"sku": "SG-2", "quantity": 2}]))
        self.assertEqual(res["status"], "applied", res)
        self.assertFalse(res["exception_ids"])
        self.assertEqual(picking.state, "done")
        self.assertFalse(picking.backorder_ids)
        self.assertEqual(picking.sync_carrier, "UPS")
        self.assertEqual(picking.sync_tracking_ref, "1Z999")
        self.assertEqual(str(picking.date_done), "2026-03-01 10:00:00")
        self.assertEqual(order.order_line.mapped("qty_delivered"), [3.0, 2.0])
        self.assertEqual(order.invoice_status, "to invoice")
        self.assertIn({"model": "stock.picking", "res_id": picking.id,
                       "display_name": picking.display_name}, res["records"])
        self.assertIn(order.id, [r["res_id"] for r in res["records"] if r["model"] == "sale.order"])
        # CRM gets a status event with tracking
        status = self._events(order, self.crm, event_type="status", state="pending")
        self.assertTrue(status)
        self.assertEqual(order.sync_tracking_ref, "1Z999")
        # visible on the records
        self.assertEqual(picking.sync_inbound_count, 1)
        self.assertEqual(order.sync_inbound_count, 1)
        msg = self._message(res)
        self.assertEqual(msg.state, "applied")
        self.assertEqual(msg.trace_id, "trace-" + res["message_id"])
        action = order.action_view_sync_inbound()
        self.assertEqual(self.Message.search(action["domain"]), msg)

    def test_order_name_and_external_id(self):
        order, picking = self._confirmed_order([(self.product, 2)])
        self.wms.release_on = "order_confirm"
        res = self._apply("shipment", self._shipment(order.name, [{"sku": "SW-1", "quantity": 2}]))
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(picking.state, "done")
        order2, picking2 = self._confirmed_order([(self.product, 1)])
        self.env["sync.link"].create({"target_id": self.wms.id, "model": "sale.order",
                                      "res_id": order2.id, "external_id": "SB-777"})
        res = self._apply("shipment", self._shipment("SB-777", [{"sku": "SW-1", "quantity": 1}]))
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(picking2.state, "done")

    def test_partial_backorder_and_auto_invoice(self):
        self.wms.auto_invoice = True
        order, picking = self._confirmed_order([(self.product, 5)])
        res = self._apply("shipment", self._shipment(picking.name, [{"sku": "SW-1", "quantity": 2}]))
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(picking.state, "done")
        backorder = picking.backorder_ids
        self.assertEqual(len(backorder), 1)
        self.assertEqual(backorder.move_ids.product_uom_qty, 3)
        self.assertEqual(order.order_line.qty_delivered, 2)
        self.assertEqual(order.invoice_ids.state, "draft")
        self.assertEqual(order.invoice_ids.invoice_line_ids.quantity, 2)
        # the rest ships later, under the original picking name
        res = self._apply("shipment", self._shipment(picking.name, [{"sku": "SW-1", "quantity": 3}]))
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(backorder.state, "done")
        self.assertEqual(order.order_line.qty_delivered, 5)

    def test_partial_cancel_rest(self):
        self.wms.backorder_policy = "cancel"
        order, picking = self._confirmed_order([(self.product, 5), (self.product_b, 1)])
        res = self._apply("shipment", self._shipment(picking.name, [{"sku": "SW-1", "quantity": 2}]))
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(picking.state, "done")
        self.assertFalse(picking.backorder_ids)
        self.assertFalse(order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel")))
        self.assertEqual(order.order_line.mapped("qty_delivered"), [2.0, 0.0])

    def test_lot_and_serial_tracked(self):
        lot_product = self.env["product.product"].create({
            "name": "Lot Paint", "default_code": "LOT-1", **storable_vals(self.env),
            "tracking": "lot", "invoice_policy": "delivery"})
        serial_product = self.env["product.product"].create({
            "name": "Serial Drill", "default_code": "SER-1", **storable_vals(self.env),
            "tracking": "serial", "invoice_policy": "delivery"})
        order, picking = self._confirmed_order([(lot_product, 5), (serial_product, 2)])
        res = self._apply("shipment", self._shipment(picking.name, [
            {"sku": "LOT-1", "quantity": 5, "lots": [
                {"lot": "L-A", "quantity": 3, "expiration_date": "2027-01-31"},
                {"lot": "L-B", "quantity": 2}]},
            {"sku": "SER-1", "quantity": 2, "serials": ["S-1", "S-2"]},
        ]))
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(picking.state, "done")
        lots = self.env["stock.lot"].search([("product_id", "=", lot_product.id)])
        self.assertEqual(sorted(lots.mapped("name")), ["L-A", "L-B"])
        lines = picking.move_line_ids.filtered(lambda l: l.product_id == lot_product)
        self.assertEqual({l.lot_id.name: l.quantity for l in lines}, {"L-A": 3, "L-B": 2})
        serials = picking.move_line_ids.filtered(lambda l: l.product_id == serial_product)
        self.assertEqual(sorted(serials.lot_id.mapped("name")), ["S-1", "S-2"])

    def test_tracking_problems(self):
        lot_product = self.env["product.product"].create({
            "name": "Lot Paint", "default_code": "LOT-1", **storable_vals(self.env), "tracking": "lot"})
        order, picking = self._confirmed_order([(lot_product, 2), (self.product, 1)])
        res = self._apply("shipment", self._shipment(picking.name, [
            {"sku": "LOT-1", "quantity": 2},
            {"sku": "SW-1", "quantity": 1, "lots": [{"lot": "X", "quantity": 1}]},
        ]))
        self.assertEqual(res["status"], "exception", res)
        self.assertIn("lines[0].lots", res["error"])
        self.assertIn("lines[1]", res["error"])
        self.assertEqual(picking.state, "assigned")
        exc = self.env["sync.exception"].browse(res["exception_ids"])
        self.assertEqual(exc.mapped("category"), ["validation"])
        self.assertEqual(exc.model, "sale.order")
        self.assertEqual(exc.res_id, order.id)

    def test_substitution_allowed(self):
        self.wms.allow_substitution = True
        order, picking = self._confirmed_order([(self.product, 3)])
        res = self._apply("shipment", self._shipment(picking.name, [
            {"sku": "SW-1", "quantity": 1},
            {"sku": "SG-2", "quantity": 2, "substituted_for_sku": "SW-1"}]))
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(picking.state, "done")
        self.assertFalse(picking.backorder_ids)
        done = picking.move_ids.filtered(lambda m: m.state == "done")
        self.assertEqual({m.product_id.default_code: m.quantity for m in done},
                         {"SW-1": 1, "SG-2": 2})
        sub_line = order.order_line.filtered(lambda l: l.product_id == self.product_b)
        self.assertEqual(sub_line.qty_delivered, 2)
        self.assertEqual(sub_line.price_unit,
                         order.order_line.filtered(lambda l: l.product_id == self.product).price_unit)

    def test_substitution_refused(self):
        order, picking = self._confirmed_order([(self.product, 3)])
        res = self._apply("shipment", self._shipment(picking.name, [
            {"sku": "SG-2", "quantity": 3, "substituted_for_sku": "SW-1"}]))
        self.assertEqual(res["status"], "exception", res)
        exc = self.env["sync.exception"].browse(res["exception_ids"])
        self.assertEqual(exc.category, "conflict")
        self.assertEqual(picking.state, "assigned")
        self.assertFalse(order.order_line.filtered(lambda l: l.product_id == self.product_b))

    def test_unknown_sku_nothing_applied(self):
        order, picking = self._confirmed_order([(self.product, 2), (self.product_b, 1)])
        res = self._apply("shipment", self._shipment(picking.name, [
            {"sku": "SW-1", "quantity": 2}, {"sku": "NOPE-9", "quantity": 1}]))
        self.assertEqual(res["status"], "exception", res)
        self.assertIn("lines[1].sku", res["error"])
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(order.order_line.mapped("qty_delivered"), [0.0, 0.0])
        self.assertFalse(picking.sync_tracking_ref)
        exc = self.env["sync.exception"].browse(res["exception_ids"])
        self.assertEqual((exc.category, exc.model, exc.res_id), ("validation", "sale.order", order.id))
        self.assertEqual(order.sync_inbound_count, 1)  # blamed record shows the message
        # the product is created: a manager reprocesses the message
        self.env["product.product"].create({"name": "Nope", "default_code": "NOPE-9",
                                            **storable_vals(self.env)})
        msg = self._message(res)
        self.assertEqual(msg.state, "exception")
        # not on the delivery: still an exception
        msg.with_user(self.manager).action_reprocess()
        self.assertEqual(msg.state, "exception")
        self.assertIn("NOPE-9 is not on", msg.error)

    def test_more_than_ordered(self):
        order, picking = self._confirmed_order([(self.product, 2)])
        res = self._apply("shipment", self._shipment(picking.name, [{"sku": "SW-1", "quantity": 5}]))
        self.assertEqual(res["status"], "exception", res)
        exc = self.env["sync.exception"].browse(res["exception_ids"])
        self.assertEqual(exc.category, "stock_discrepancy")
        self.assertEqual(picking.state, "assigned")

    def test_unknown_order_ref(self):
        res = self._apply("shipment", self._shipment("WH/OUT/NOPE", [{"sku": "SW-1", "quantity": 1}]))
        self.assertEqual(res["status"], "exception", res)
        exc = self.env["sync.exception"].browse(res["exception_ids"])
        msg = self._message(res)
        self.assertEqual((exc.model, exc.res_id), ("sync.inbound.message", msg.id))
        self.assertIn("order_ref", res["error"])
