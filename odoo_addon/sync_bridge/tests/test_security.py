# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError
from odoo.tests import tagged, new_test_user
from odoo.tools import mute_logger

from .common import SyncBridgeCase


@tagged("post_install", "-at_install")
class TestSecurity(SyncBridgeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sync_user = new_test_user(
            cls.env, login="sync_user_test", groups="base.group_user,sync_bridge.group_sync_user"
        )

    def _contract_calls(self, Event):
        return [
            lambda: Event.sync_contract_info(),
            lambda: Event.sync_claim("w", ["wms_test"], 10, 60, {}),
            lambda: Event.sync_ack([]),
            lambda: Event.sync_nack([]),
            lambda: Event.sync_heartbeat("w", [], 60),
            lambda: Event.sync_release("w", []),
            lambda: Event.sync_contact("w", []),
            lambda: Event.sync_status_summary(),
        ]

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_contract_requires_service_group(self):
        for user in (self.salesman, self.sync_user, self.manager):
            for call in self._contract_calls(self.Event.with_user(user)):
                with self.assertRaises(AccessError):
                    call()
        for call in self._contract_calls(self.svc):
            call()

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_service_user_is_read_only(self):
        order = self._order()
        env = self.env(user=self.service_user)
        self.assertEqual(env["sale.order"].browse(order.id).name, order.name)
        self.assertTrue(env["product.product"].browse(self.product.id).default_code)
        with self.assertRaises(AccessError):
            env["sale.order"].browse(order.id).write({"note": "x"})
        with self.assertRaises(AccessError):
            env["res.partner"].create({"name": "nope"})
        with self.assertRaises(AccessError):
            env["sync.event"].create({"target_id": self.wms.id, "event_type": "upsert",
                                      "model": "res.partner", "res_id": 1,
                                      "aggregate_key": "x", "idempotency_key": "y"})
        with self.assertRaises(AccessError):
            env["sync.target"].create({"code": "x", "name": "x", "kind": "crm"})

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_plain_and_sync_user_rights(self):
        self.Event._enqueue(self.crm, "upsert", self.customer)
        with self.assertRaises(AccessError):
            self.env["sync.event"].with_user(self.salesman).search([])
        events = self.env["sync.event"].with_user(self.sync_user).search([])
        self.assertTrue(events)
        with self.assertRaises(AccessError):
            events.action_retry()
        with self.assertRaises(AccessError):
            self.wms.with_user(self.sync_user).write({"name": "x"})
        self.wms.with_user(self.manager).write({"name": "Renamed"})
        # a salesman confirming an order still writes the outbox (sudo internally)
        order = self._order().with_user(self.salesman)
        order.action_confirm()
        self.assertTrue(self._events(order.picking_ids, self.wms))

    def test_multi_company_rule(self):
        other = self.env["res.company"].create({"name": "Sync Other Co"})
        target = self.Target.create({"code": "crm_other", "name": "Other CRM", "kind": "crm",
                                     "company_id": other.id, "trigger_partner_upsert": True})
        self.Event._enqueue(target, "upsert", self.customer)
        self.Event._enqueue(self.crm, "upsert", self.customer)
        visible = self.env["sync.event"].with_user(self.manager).search([])
        self.assertNotIn(target, visible.target_id)
        self.assertIn(self.crm, visible.target_id)
