# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.addons.sync_bridge.compat import storable_vals

from .common import SyncBridgeCase, move_vals


@tagged("post_install", "-at_install")
class TestO2cAtp(SyncBridgeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.crm.write({"trigger_atp": True, "atp_scope": "wms"})
        cls.product_b = cls.env["product.product"].create({
            "name": "ATP Gadget", "default_code": "ATP-2", **storable_vals(cls.env)})
        cls.supplier = cls.env.ref("stock.stock_location_suppliers")
        cls.Event.search([]).write({"state": "done"})

    def _atp_events(self, product, state="pending"):
        return self._events(product, self.crm, event_type="atp", state=state)

    def test_burst_of_moves_one_event_per_product(self):
        stock = self.warehouse.lot_stock_id
        vals = []
        for i in range(1000):
            product = self.product if i % 2 else self.product_b
            vals.append(move_vals("burst %s" % i, product_id=product.id,
                                  product_uom_qty=1.0, product_uom=product.uom_id.id,
                                  location_id=self.supplier.id, location_dest_id=stock.id))
        moves = self.env["stock.move"].create(vals)
        moves._action_confirm()
        moves._action_assign()
        moves.write({"quantity": 1.0, "picked": True})
        moves._action_done()
        for product in (self.product, self.product_b):
            self.assertEqual(len(self._atp_events(product)), 1)
        self.assertEqual(self.Event.search_count(
            [("event_type", "=", "atp"), ("state", "=", "pending")]), 2)
        self.assertGreater(self._atp_events(self.product).change_count, 100)
        # quant updates one by one coalesce as well
        for _i in range(200):
            self.env["stock.quant"]._update_available_quantity(self.product_b, stock, 1.0)
        self.assertEqual(len(self._atp_events(self.product_b)), 1)
        # the WMS target has no ATP trigger
        self.assertFalse(self._events(self.product, self.wms, event_type="atp"))

    def test_sync_atp_figures_and_scope(self):
        order = self._order(qty=30.0)
        order.action_confirm()  # reserves 30 of 100
        self.assertTrue(self._atp_events(self.product))
        rows = self.svc.sync_atp(self.crm.code, [self.product.id])
        self.assertEqual(len(rows), 1)
        row = rows[0]
        self.assertEqual((row["sku"], row["warehouse"], row["warehouse_id"]),
                         ("SW-1", self.warehouse.code, self.warehouse.id))
        self.assertEqual((row["on_hand"], row["reserved"], row["incoming"], row["atp"]),
                         (100.0, 30.0, 0.0, 70.0))
        # incoming within the horizon
        move = self.env["stock.move"].create(move_vals(
            "incoming", product_id=self.product.id, product_uom_qty=12.0,
            product_uom=self.product.uom_id.id, location_id=self.supplier.id,
            location_dest_id=self.warehouse.lot_stock_id.id))
        move._action_confirm()
        self.assertEqual(self.svc.sync_atp(self.crm.code, [self.product.id])[0]["atp"], 70.0)
        self.crm.atp_horizon_days = 7
        row = self.svc.sync_atp(self.crm.code, [self.product.id])[0]
        self.assertEqual((row["incoming"], row["atp"]), (12.0, 82.0))
        # scope: another warehouse not managed by the WMS is left out unless 'all'
        other = self.env["stock.warehouse"].create({"name": "ATP other", "code": "ATPO"})
        self.assertEqual(len(self.svc.sync_atp(self.crm.code, [self.product.id])), 1)
        self.crm.atp_scope = "all"
        rows = self.svc.sync_atp(self.crm.code, [self.product.id])
        self.assertIn(other.id, [r["warehouse_id"] for r in rows])
        with self.assertRaises(ValidationError):
            self.svc.sync_atp("nope", [self.product.id])
        with self.assertRaises(AccessError):
            self.env["sync.event"].with_user(self.manager).sync_atp(self.crm.code, [1])
