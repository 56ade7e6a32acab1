# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger
from odoo.addons.sync_bridge.compat import list_view_type

from .inbound_common import InboundCase


@tagged("post_install", "-at_install")
class TestInboundContract(InboundCase):
    def test_same_message_twice_applied_once(self):
        order, picking = self._confirmed_order([(self.product, 4)])
        payload = self._shipment(picking.name, [{"sku": "SW-1", "quantity": 2}])
        first = self._apply("shipment", payload)
        self.assertEqual(first["status"], "applied", first)
        backorder = picking.backorder_ids
        second = self._apply("shipment", payload)
        self.assertEqual(second["status"], "duplicate")
        self.assertEqual(second["first_status"], "applied")
        self.assertEqual(second["records"], first["records"])
        self.assertEqual(backorder.state, "assigned")  # nothing shipped twice
        self.assertEqual(order.order_line.qty_delivered, 2)
        msg = self._message(first)
        self.assertEqual(msg.duplicate_count, 1)
        # same shipment id under another message id: duplicate by natural key
        third = self._apply("shipment", dict(payload, message_id="other-id"))
        self.assertEqual(third["status"], "duplicate")
        self.assertEqual(self._message(third).duplicate_of_id, msg)
        self.assertEqual(backorder.state, "assigned")

    def test_rejected_payload_names_field_path(self):
        order, picking = self._confirmed_order([(self.product, 1)])
        payload = self._shipment(picking.name, [{"sku": "SW-1", "quantity": -1}])
        res = self._apply("shipment", payload)
        self.assertEqual(res["status"], "rejected")
        self.assertTrue(res["error"].startswith("lines[0].quantity:"), res["error"])
        msg = self._message(res)
        self.assertEqual(msg.state, "rejected")
        self.assertEqual(msg.error, res["error"])
        self.assertTrue(msg.exception_ids)
        for bad, path in (
            (dict(payload, lines=[]), "lines:"),
            (dict(payload, extra=1), "extra: unrecognized key"),
            (dict(payload, shipped_at="2026-03-01T10:00:00Z"), "shipped_at:"),
            ({k: v for k, v in payload.items() if k != "carrier"}, "carrier: required"),
            (dict(payload, lines=[{"sku": "SW-1", "quantity": 1, "lots": [{"lot": "A"}],
                                   "serials": []}]), "lines[0].lots[0].quantity: required"),
        ):
            res = self._apply("shipment", dict(bad, message_id=None))
            self.assertEqual(res["status"], "rejected")
            self.assertIn(path, res["error"])
        self.assertEqual(picking.state, "assigned")
        res = self._apply("shipment_v2", payload, message_id="kind-x")
        self.assertEqual(res["status"], "rejected")
        self.assertIn("kind", res["error"])

    def test_batch_items_are_independent(self):
        order, picking = self._confirmed_order([(self.product, 1)])
        good = self._shipment(picking.name, [{"sku": "SW-1", "quantity": 1}])
        bad = self._shipment(picking.name, [{"sku": "NOPE", "quantity": 1}])
        res = self.svc.sync_apply([
            {"target": self.wms.code, "message_id": "b-1", "kind": "shipment",
             "payload": dict(bad, message_id="b-1")},
            "garbage",
            {"target": "nope", "message_id": "x", "kind": "shipment", "payload": {}},
            {"target": self.wms.code, "message_id": "b-2", "kind": "shipment",
             "payload": dict(good, message_id="b-2")},
        ])
        self.assertEqual([r["status"] for r in res], ["exception", "rejected", "rejected", "applied"])
        self.assertIn("items[1]", res[1]["error"])
        self.assertIn("items[2].target", res[2]["error"])
        self.assertEqual(picking.state, "done")

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_access(self):
        sync_user = new_test_user(self.env, login="sync_inbound_user",
                                  groups="base.group_user,sync_bridge.group_sync_user")
        for user in (self.salesman, sync_user, self.manager):
            with self.assertRaises(AccessError):
                self.env["sync.event"].with_user(user).sync_apply([])
        self.assertEqual(self.svc.sync_apply([]), [])
        with self.assertRaises(AccessError):
            self.env["sync.inbound.message"].with_user(self.service_user).create(
                {"target_id": self.wms.id, "message_id": "x"})
        with self.assertRaises(AccessError):
            self.env["sync.inbound.message"].with_user(self.manager).create(
                {"target_id": self.wms.id, "message_id": "x"})
        res = self._apply("shipment", self._shipment("NOPE", [{"sku": "SW-1", "quantity": 1}]))
        msg = self._message(res)
        self.assertTrue(self.env["sync.inbound.message"].with_user(sync_user).browse(msg.id).state)
        with self.assertRaises(AccessError):
            msg.with_user(sync_user).action_reprocess()

    def test_views(self):
        LIST = list_view_type(self.env)  # the list view's type: 17 calls it tree
        env = self.env(user=self.manager)
        res = env["sync.inbound.message"].get_views([(False, LIST), (False, "form"),
                                                     (False, "search")])
        self.assertEqual(set(res["views"]), {LIST, "form", "search"})
        for model in ("sale.order", "stock.picking"):
            arch = env[model].get_views([(False, "form")])["views"]["form"]["arch"]
            self.assertIn("action_view_sync_inbound", arch)
        self.assertTrue(self.env.ref("sync_bridge.menu_sync_inbound"))
