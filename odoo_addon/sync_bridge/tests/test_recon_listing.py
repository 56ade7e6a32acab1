# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.addons.sync_bridge.compat import storable_vals

from .common import move_vals
from .recon_common import ReconCase


@tagged("post_install", "-at_install")
class TestReconListing(ReconCase):
    def test_stock_with_in_flight(self):
        lotted = self.env["product.product"].create({
            "name": "Sync Lotted", "default_code": "SL-3", "type": "consu",
            **storable_vals(self.env), "tracking": "lot"})
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
            "quantity": 100.0, "reserved": 3.0, "in_flight": 3.0, "in_flight_in": 0.0})
        # children roll up into the mapped location; lots are separate keys
        self.assertEqual(by_key[self._key("SG-2")]["quantity"], 105.0)
        self.assertEqual(by_key[self._key("SL-3", "LA")]["quantity"], 4.0)
        self.assertEqual(by_key[self._key("SL-3", "LA")]["lot"], "LA")
        # paging: ordered, no duplicates, same content
        small, pages = self._all_stock(limit=1)
        self.assertEqual(pages, len(items))
        self.assertEqual(small, items)
        order = [(i["product_id"], i["location_id"], i["lot"] or "") for i in items]
        self.assertEqual(order, sorted(order))
        self.assertEqual(len(set(i["key"] for i in items)), len(items))
        two, _pages = self._all_stock(limit=2)
        self.assertEqual(two, items)
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

    def test_stock_cursor(self):
        with self.assertRaises(ValidationError):
            self.svc.sync_recon_odoo_stock(self.wms.code, "inventory:SW-1:WH/Stock:", 10)
        # products with quants outside the mapped locations only: pages skip them
        elsewhere = self.env["stock.location"].create({"name": "Elsewhere", "usage": "internal"})
        for i in range(5):
            product = self.env["product.product"].create({
                "name": "Away %s" % i, "default_code": "AW-%s" % i, **storable_vals(self.env)})
            self.env["stock.quant"]._update_available_quantity(product, elsewhere, 1.0)
        last = self.env["product.product"].create({
            "name": "Last", "default_code": "ZZ-LAST", **storable_vals(self.env)})
        self.env["stock.quant"]._update_available_quantity(last, self.stock, 2.0)
        items, pages = self._all_stock(limit=1)
        skus = [i["sku"] for i in items]
        self.assertFalse([s for s in skus if s and s.startswith("AW-")])
        self.assertEqual(skus[-1], "ZZ-LAST")
        self.assertEqual(pages, len(items))
        self.assertEqual(self._all_stock(limit=3)[0], items)

    def test_stock_receipt_in_flight(self):
        """A receipt the WMS reported that Odoo holds (over-receipt exception)
        counts as in flight inward in the receipt's destination."""
        lotted = self.env["product.product"].create({
            "name": "Sync Lotted R", "default_code": "SLR-1", "type": "consu",
            **storable_vals(self.env), "tracking": "lot"})
        picking = self.env["stock.picking"].create({
            "picking_type_id": self.warehouse.in_type_id.id,
            "location_id": self.env.ref("stock.stock_location_suppliers").id,
            "location_dest_id": self.stock.id,
            "move_ids": [Command.create(move_vals(
                p.name, product_id=p.id, product_uom_qty=q,
                product_uom=p.uom_id.id,
                location_id=self.env.ref("stock.stock_location_suppliers").id,
                location_dest_id=self.stock.id)) for p, q in ((self.product, 5), (lotted, 3))],
        })
        picking.action_confirm()
        res = self._apply("receipt", {
            "source": "generic_wms", "receipt_ref": picking.name, "receipt_id": "R-77",
            "received_at": "2026-03-02 09:00:00",
            "lines": [{"sku": "SW-1", "quantity": 8, "lots": [], "serials": []},
                      {"sku": "SLR-1", "quantity": 3, "serials": [],
                       "lots": [{"lot": "NEW-LOT", "quantity": 3}]}]})
        self.assertEqual(res["status"], "exception", res)
        self.assertNotEqual(picking.state, "done")
        by_key = {i["key"]: i for i in self._all_stock()[0]}
        self.assertEqual(by_key[self._key("SW-1")]["in_flight_in"], 8.0)
        self.assertEqual(by_key[self._key("SW-1")]["quantity"], 100.0)
        # a product without stock yet gets rows, per lot too
        self.assertEqual((by_key[self._key("SLR-1")]["quantity"],
                          by_key[self._key("SLR-1")]["in_flight_in"]), (0.0, 3.0))
        self.assertEqual(by_key[self._key("SLR-1", "NEW-LOT")]["in_flight_in"], 3.0)
        # another target does not see it
        self.assertFalse([i for i in self._all_stock(target=self.crm)[0] if i["in_flight_in"]])

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
        # another natural key (a CRM keyed by company name)
        res = self.svc.sync_recon_master(self.crm.code, "res.partner", 0, 500, "name")
        item = [i for i in res["items"] if i["res_id"] == self.customer.id][0]
        self.assertEqual(item["natural_key"], self.customer.name.strip().lower())
        with self.assertRaises(ValidationError):
            self.svc.sync_recon_master(self.crm.code, "res.partner", 0, 500, "r.password")
        page = self.svc.sync_recon_master(self.wms.code, "product.product", 0, 1)
        self.assertEqual(len(page["items"]), 1)
        self.assertEqual(page["next"], page["items"][0]["res_id"])
        # companies and persons apart (a CRM keeping them as separate objects)
        company = self.env["res.partner"].create({"name": "Kind Test Co", "is_company": True,
                                                  "customer_rank": 1})
        companies = {i["res_id"] for i in self.svc.sync_recon_master(
            self.crm.code, "res.partner", 0, 500, "name", "company")["items"]}
        persons = {i["res_id"] for i in self.svc.sync_recon_master(
            self.crm.code, "res.partner", 0, 500, False, "person")["items"]}
        self.assertIn(company.id, companies)
        self.assertNotIn(company.id, persons)
        self.assertFalse(companies & persons)
        self.assertEqual(companies | persons, {i["res_id"] for i in self.svc.sync_recon_master(
            self.crm.code, "res.partner", 0, 500)["items"]})
        with self.assertRaises(ValidationError):
            self.svc.sync_recon_master(self.wms.code, "product.product", 0, 500, False, "company")
