# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged
from odoo.addons.sync_bridge.compat import list_view_type

from .common import SyncBridgeCase


@tagged("post_install", "-at_install")
class TestViews(SyncBridgeCase):
    def test_get_views(self):
        LIST = list_view_type(self.env)  # the list view's type: 17 calls it tree
        for model in ("sync.event", "sync.exception", "sync.link", "sync.target",
                      "sale.order", "stock.picking", "res.partner", "product.product"):
            env = self.env(user=self.manager)
            res = env[model].get_views([(False, LIST), (False, "form"), (False, "search")])
            self.assertEqual(set(res["views"]), {LIST, "form", "search"}, model)
            if model in ("sale.order", "stock.picking", "res.partner", "product.product"):
                self.assertIn("sync_status", res["views"]["form"]["arch"], model)
                self.assertIn("sync_status", res["views"][LIST]["arch"], model)

    def test_status_fields_and_smart_buttons(self):
        order = self._order()
        order.action_confirm()
        order.invalidate_recordset()
        self.assertEqual(order.sync_status, "pending")
        self.assertGreaterEqual(order.sync_event_count, 2)  # picking release + CRM status
        self.assertIn("Test WMS", order.sync_status_detail)
        action = order.action_view_sync_events()
        self.assertEqual(self.env["sync.event"].search_count(action["domain"]),
                         order.sync_event_count)
        self.assertEqual(self.customer.sync_status, "none")
        self.assertTrue(self.env.ref("sync_bridge.menu_sync_root").web_icon)
