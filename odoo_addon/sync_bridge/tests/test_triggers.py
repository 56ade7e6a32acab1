# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.tests import tagged
from odoo.addons.sync_bridge.compat import storable_vals

from .common import SyncBridgeCase


@tagged("post_install", "-at_install")
class TestTriggers(SyncBridgeCase):
    def _ack_all(self, codes):
        claimed = self._claim(codes)
        res = self.svc.sync_ack([self._item(c) for c in claimed])
        self.assertFalse(res["refused"])
        return claimed

    def test_picking_ready_release_and_crm_status(self):
        order = self._order()
        order.action_confirm()
        picking = order.picking_ids
        self.assertEqual(picking.state, "assigned")
        release = self._events(picking, self.wms)
        self.assertEqual(release.event_type, "release")
        self.assertEqual(release.aggregate_key, f"sale.order,{order.id}")
        self.assertFalse(self._events(order, self.wms), "picking_ready target: no order event")
        status = self._events(order, self.crm)
        self.assertEqual(status.event_type, "status")

    def test_picking_not_ready_not_released(self):
        product = self.env["product.product"].create(
            {"name": "No stock", **storable_vals(self.env)}
        )
        order = self._order(product=product)
        order.action_confirm()
        self.assertEqual(order.picking_ids.state, "confirmed")
        self.assertFalse(self._events(order.picking_ids, self.wms))
        self.env["stock.quant"]._update_available_quantity(
            product, self.warehouse.lot_stock_id, 10.0
        )
        order.picking_ids.action_assign()
        self.assertEqual(self._events(order.picking_ids, self.wms).event_type, "release")

    def test_warehouse_routing(self):
        other_wh = self.env["stock.warehouse"].create({"name": "Other WH", "code": "OWH"})
        self.wms.warehouse_ids = [Command.set(other_wh.ids)]
        order = self._order()
        order.action_confirm()
        self.assertFalse(self._events(order.picking_ids, self.wms))

    def test_picking_amend_and_cancel_after_release(self):
        order = self._order()
        order.action_confirm()
        picking = order.picking_ids
        self._ack_all([self.wms.code])
        order.order_line.product_uom_qty = 5
        amend = self._events(picking, self.wms, event_type="amend")
        self.assertEqual(len(amend), 1)
        order.write({"commitment_date": "2030-01-01 10:00:00"})
        self.assertEqual(len(self._events(picking, self.wms, event_type="amend")), 1)
        self._ack_all([self.wms.code])
        order._action_cancel()
        cancel = self._events(picking, self.wms, event_type="cancel")
        self.assertEqual(len(cancel), 1)
        self.assertEqual(cancel.aggregate_key, f"sale.order,{order.id}")

    def test_picking_amend_on_order_header_change(self):
        order = self._order()
        order.action_confirm()
        picking = order.picking_ids
        self._ack_all([self.wms.code])
        order.write({"commitment_date": "2030-01-01 10:00:00"})
        amend = self._events(picking, self.wms, event_type="amend")
        self.assertEqual(len(amend), 1)
        self._ack_all([self.wms.code])
        ship_to = self.env["res.partner"].create(
            {"name": "Other dock", "parent_id": self.customer.id, "type": "delivery"})
        order.write({"partner_shipping_id": ship_to.id})
        self.assertEqual(len(self._events(picking, self.wms, event_type="amend", state="pending")), 1)

    def test_cancel_before_handout_drops_release(self):
        order = self._order()
        order.action_confirm()
        release = self._events(order.picking_ids, self.wms)
        order._action_cancel()
        self.assertEqual(release.state, "cancelled")
        self.assertFalse(self._events(order.picking_ids, self.wms, event_type="cancel"))

    def test_order_confirm_mode(self):
        self.wms.release_on = "order_confirm"
        order = self._order()
        order.action_confirm()
        self.assertFalse(self._events(order.picking_ids, self.wms))
        self.assertEqual(self._events(order, self.wms).event_type, "release")
        # amend while the release is still pending: the release carries the change
        order.order_line.product_uom_qty = 3
        self.assertFalse(self._events(order, self.wms, event_type="amend"))
        self._ack_all([self.wms.code])
        order.order_line.product_uom_qty = 4
        order.write({"partner_shipping_id": self.env["res.partner"].create(
            {"name": "Ship here", "parent_id": self.customer.id, "type": "delivery"}).id})
        self.assertEqual(len(self._events(order, self.wms, event_type="amend")), 1)
        self._ack_all([self.wms.code])
        order._action_cancel()
        self.assertEqual(len(self._events(order, self.wms, event_type="cancel")), 1)

    def test_triggers_off(self):
        self.wms.trigger_order_release = False
        self.crm.trigger_order_status = False
        order = self._order()
        order.action_confirm()
        self.assertFalse(self._events(order.picking_ids) | self._events(order))

    def test_master_data_upserts(self):
        self.wms.trigger_product_upsert = True
        product = self.env["product.product"].create({"name": "New", "default_code": "N-1"})
        event = self._events(product, self.wms)
        self.assertEqual(event.event_type, "upsert")
        self._ack_all([self.wms.code])
        product.product_tmpl_id.write({"list_price": 99.0})
        self.assertEqual(len(self._events(product, self.wms, state="pending")), 1)
        product.write({"barcode": "1234567890128"})
        self.assertEqual(len(self._events(product, self.wms, state="pending")), 1)
        partner = self.env["res.partner"].create({"name": "Upsert me"})
        self.assertEqual(self._events(partner, self.crm).event_type, "upsert")
        self.assertFalse(self._events(partner, self.wms), "partner trigger off on the WMS")

    def test_company_scoping(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        self.crm.company_id = other
        partner = self.env["res.partner"].create({"name": "Co A", "company_id": self.company.id})
        self.assertFalse(self._events(partner, self.crm))


@tagged("post_install", "-at_install")
class TestWaitingForStock(SyncBridgeCase):
    def test_order_waiting_for_stock_says_so_until_released(self):
        empty = self.env["product.product"].create({
            "name": "Out of stock widget", "default_code": "OOS-1", "type": "consu",
            **storable_vals(self.env), "list_price": 10.0})
        order = self._order(qty=3.0, product=empty)
        order.action_confirm()
        picking = order.picking_ids
        self.assertEqual(picking.state, "confirmed")
        self.assertFalse(self._events(picking, self.wms))
        self.assertIn(f"{self.wms.name}: Waiting for stock ({picking.name} not ready)",
                      order.sync_status_detail)
        # stock arrives: the delivery is ready and released; the note is gone
        self.env["stock.quant"]._update_available_quantity(empty, self.warehouse.lot_stock_id, 3.0)
        picking.action_assign()
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(self._events(picking, self.wms).event_type, "release")
        order.invalidate_recordset(["sync_status_detail"])
        self.assertNotIn("Waiting for stock", order.sync_status_detail or "")

    def test_no_waiting_note_for_order_confirm_targets(self):
        empty = self.env["product.product"].create({
            "name": "Out of stock gadget", "default_code": "OOS-2", "type": "consu",
            **storable_vals(self.env), "list_price": 10.0})
        self.wms.release_on = "order_confirm"
        order = self._order(qty=1.0, product=empty)
        order.action_confirm()
        self.assertNotIn("Waiting for stock", order.sync_status_detail or "",
                         "released at confirmation: nothing waits for stock")
