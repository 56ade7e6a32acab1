# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json

from odoo.tests import tagged

from .recon_common import ReconCase


@tagged("post_install", "-at_install")
class TestReconListing(ReconCase):
    def test_stock_with_in_flight(self):
        lotted = self.env["product.product"].create({
            "name": "Sync Lotted", "default_code": "SL-3", "type": "consu",
            "is_storable": True, "tracking": "lot"})
        lot_a = self.env["stock.lot"].create({"name": "LA", "product_id": lotted.id})
        self.env["stock.quant"]._update_available_quantity(lotted, self.stock, 4.0, lot_id=lot_a)
        shelf = self.env["stock.location"].create(
            {"name": "Shelf 9", "usage": "internal", "location_id": self.stock.id})
        self.env["stock.quant"]._update_available_quantity(self.product_b, shelf, 5.0)
        order, picking = self._confirmed_order([(self.product, 3)])
        items, _pages = self._all_stock()
        by_key = {i["key"]: i for i in items}
        sw = by_key[self._key("SW-1")]
        # released (pending) but not handed out: not in flight yet
        self.assertEqual((sw["quantity"], sw["reserved"], sw["in_flight"]), (100.0, 3.0, 0.0))
        self._release_and_ack(picking, external_ref="WMS-1")
        items, _pages = self._all_stock()
        by_key = {i["key"]: i for i in items}
        sw = by_key[self._key("SW-1")]
        self.assertEqual(sw, {
            "key": self._key("SW-1"), "sku": "SW-1", "product_id": self.product.id,
            "location": self.loc_name, "location_id": self.stock.id, "lot": False,
            "quantity": 100.0, "reserved": 3.0, "in_flight": 3.0})
        # children roll up into the mapped location; lots are separate keys
        self.assertEqual(by_key[self._key("SG-2")]["quantity"], 105.0)
        self.assertEqual(by_key[self._key("SL-3", "LA")]["quantity"], 4.0)
        self.assertEqual(by_key[self._key("SL-3", "LA")]["lot"], "LA")
        # paging: ordered, no duplicates, same content
        small, pages = self._all_stock(limit=1)
        self.assertEqual(pages, len(items))
        self.assertEqual(small, items)
        keys = [i["key"] for i in items]
        self.assertEqual(keys, sorted(keys, key=lambda k: k.encode()))
        self.assertNotIn(None, json.loads(json.dumps(items)))
        # shipped: no longer in flight
        res = self._apply("shipment", self._shipment(picking.name, [{"sku": "SW-1", "quantity": 3}]))
        self.assertEqual(res["status"], "applied", res)
        sw = {i["key"]: i for i in self._all_stock()[0]}[self._key("SW-1")]
        self.assertEqual((sw["quantity"], sw["in_flight"]), (97.0, 0.0))
        # a linked WMS location names the key
        self.env["sync.link"].create({"target_id": self.wms.id, "model": "stock.location",
                                      "res_id": self.stock.id, "external_id": "MAIN"})
        keys = [i["key"] for i in self._all_stock()[0]]
        self.assertIn("inventory:SW-1:MAIN:", keys)

    def test_open_orders(self):
        order, picking = self._confirmed_order([(self.product, 5)])
        not_released, _p = self._confirmed_order([(self.product, 1)])
        self._release_and_ack(picking, external_ref="WMS-77")
        cancelled, c_picking = self._confirmed_order([(self.product, 1)])
        self._release_and_ack(c_picking, external_ref="WMS-78")
        cancelled._action_cancel()
        res = self.svc.sync_recon_open_orders(self.wms.code, 0, 500)
        by_id = {i["order_id"]: i for i in res["items"]}
        self.assertNotIn(not_released.id, by_id)
        item = by_id[order.id]
        self.assertEqual(item["name"], order.name)
        self.assertEqual(item["ref_sent"], picking.name)
        self.assertEqual(item["external_id"], "WMS-77")
        self.assertTrue(item["released_at"])
        self.assertEqual(item["state"], "sale")
        self.assertEqual(item["delivery_states"], ["assigned"])
        self.assertFalse(item["cancelled_in_odoo"])
        self.assertTrue(by_id[cancelled.id]["cancelled_in_odoo"])
        self.assertEqual(by_id[cancelled.id]["cancel_event_state"], "pending")
        # paging by id
        page = self.svc.sync_recon_open_orders(self.wms.code, 0, 1)
        self.assertEqual(page["items"], res["items"][:1])
        self.assertEqual(page["next"], res["items"][0]["order_id"])
        rest = self.svc.sync_recon_open_orders(self.wms.code, page["next"], 500)
        self.assertEqual(rest["items"], res["items"][1:])
        self.assertFalse(rest["next"])
        # partially shipped: still open (backorder); fully shipped: gone
        self._apply("shipment", self._shipment(picking.name, [{"sku": "SW-1", "quantity": 2}]))
        item = {i["order_id"]: i for i in self.svc.sync_recon_open_orders(
            self.wms.code, 0, 500)["items"]}[order.id]
        self.assertEqual(sorted(item["delivery_states"]), ["assigned", "done"])
        self._apply("shipment", self._shipment(picking.name, [{"sku": "SW-1", "quantity": 3}]))
        ids = [i["order_id"] for i in self.svc.sync_recon_open_orders(self.wms.code, 0, 500)["items"]]
        self.assertNotIn(order.id, ids)

    def test_master(self):
        self.env["sync.link"].create({"target_id": self.crm.id, "model": "res.partner",
                                      "res_id": self.customer.id, "external_id": "C-1"})
        res = self.svc.sync_recon_master(self.crm.code, "res.partner", 0, 500)
        item = [i for i in res["items"] if i["res_id"] == self.customer.id][0]
        self.assertEqual(item["natural_key"], "customer@example.com")
        self.assertEqual(item["external_id"], "C-1")
        self.assertFalse(res["next"])
        res = self.svc.sync_recon_master(self.wms.code, "product.product", 0, 500)
        item = [i for i in res["items"] if i["res_id"] == self.product.id][0]
        self.assertEqual(item, {"res_id": self.product.id, "natural_key": "SW-1",
                                "external_id": False, "active": True})
        page = self.svc.sync_recon_master(self.wms.code, "product.product", 0, 1)
        self.assertEqual(len(page["items"]), 1)
        self.assertEqual(page["next"], page["items"][0]["res_id"])
