# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.addons.sync_bridge.compat import list_view_type

from .recon_common import ReconCase


@tagged("post_install", "-at_install")
class TestReconKpi(ReconCase):
    def test_views_load(self):
        LIST = list_view_type(self.env)  # the list view's type: 17 calls it tree
        env = self.env(user=self.manager)
        for model, views in (
            ("sync.reconciliation", [LIST, "form", "pivot", "graph", "search"]),
            ("sync.reconciliation.line", [LIST, "form", "search"]),
            ("sync.kpi.report", ["pivot", "graph", LIST, "search"]),
            ("sync.exception", ["form"]),
        ):
            res = env[model].get_views([(False, v) for v in views])
            self.assertEqual(set(res["views"]), set(views), model)
        self.assertIn("action_apply_wms_quantity",
                      env["sync.exception"].get_views([(False, "form")])["views"]["form"]["arch"])
        self.assertTrue(self.env.ref("sync_bridge.menu_sync_reconciliation").action)
        self.assertTrue(self.env.ref("sync_bridge.menu_sync_dashboard_kpi").action)

    def test_kpis_of_a_shipped_order(self):
        self.wms.auto_invoice = True
        order, picking = self._confirmed_order([(self.product, 4)])
        order.date_order = fields.Datetime.now() - timedelta(hours=5)
        self._release_and_ack(picking, external_ref="WMS-5")
        shipped_at = fields.Datetime.now() - timedelta(hours=1)
        res = self._apply("shipment", self._shipment(
            picking.name, [{"sku": "SW-1", "quantity": 4}],
            shipped_at=fields.Datetime.to_string(shipped_at)))
        self.assertEqual(res["status"], "applied", res)
        partial, p_picking = self._confirmed_order([(self.product, 4)])
        self._apply("shipment", self._shipment(p_picking.name, [{"sku": "SW-1", "quantity": 1}]))
        # a return, an inventory run and an open exception
        self._apply("return", {
            "source": "generic_wms", "order_ref": order.name, "return_id": "R-1",
            "received_at": fields.Datetime.to_string(fields.Datetime.now() - timedelta(hours=2)),
            "lines": [{"sku": "SW-1", "quantity": 1, "disposition": "restock"}]})
        run = self._start()
        self.svc.sync_recon_lines(run.id, [
            {"key": self._key("SW-1"), "outcome": "mismatch", "sku": "SW-1",
             "location": self.loc_name, "qty_odoo": 97, "qty_target": 90},
            {"key": self._key("SG-2"), "outcome": "matched", "sku": "SG-2",
             "location": self.loc_name, "qty_odoo": 100, "qty_target": 100},
            {"key": self._key("SL-9"), "outcome": "in_flight_explained", "sku": "SL-9",
             "location": self.loc_name, "qty_odoo": 10, "qty_target": 8},
        ])
        self.svc.sync_recon_finish(run.id, "done", {})
        self.env.flush_all()
        Kpi = self.env["sync.kpi.report"].with_user(self.manager)
        row = Kpi.search([("kpi", "=", "order"), ("order_id", "=", order.id)])
        self.assertEqual(len(row), 1)
        self.assertAlmostEqual(row.cycle_time_hours, 4.0, delta=0.05)
        self.assertEqual(row.fill_rate, 100.0)
        self.assertEqual(row.backorder_rate, 0.0)
        self.assertEqual(row.target_id, self.wms)
        self.assertGreaterEqual(row.invoice_latency_hours, 0.0)
        prow = Kpi.search([("kpi", "=", "order"), ("order_id", "=", partial.id)])
        self.assertEqual((prow.fill_rate, prow.backorder_rate), (25.0, 100.0))
        self.assertFalse(prow.cycle_time_hours)
        ship = Kpi.search([("kpi", "=", "shipment"), ("order_id", "=", order.id)])
        self.assertEqual(len(ship), 1)
        self.assertAlmostEqual(ship.ship_latency_minutes, 60.0, delta=2)
        ret = Kpi.search([("kpi", "=", "return"), ("order_id", "=", order.id)])
        self.assertEqual(len(ret), 1)
        self.assertAlmostEqual(ret.return_time_hours, 2.0, delta=0.05)
        inv = Kpi.search([("kpi", "=", "inventory"), ("is_last_run", "=", True),
                          ("target_id", "=", self.wms.id)])
        self.assertEqual(len(inv), 1)
        self.assertAlmostEqual(inv.accuracy, 66.67, places=2)
        groups = Kpi.read_group([("kpi", "=", "exception"), ("target_id", "=", self.wms.id)],
                                ["nbr:sum", "exception_age_days:avg"], ["category"])
        self.assertIn("stock_discrepancy", [g["category"] for g in groups])
        # pivot-like read over the KPIs of this test's orders (the database may hold others)
        groups = Kpi.read_group([("order_id", "in", (order | partial).ids)], ["nbr:sum", "cycle_time_hours:avg", "fill_rate:avg",
                                     "backorder_rate:avg", "ship_latency_minutes:avg"], ["kpi"])
        by_kpi = {g["kpi"]: g for g in groups}
        self.assertEqual(by_kpi["order"]["fill_rate"], 62.5)
        self.assertEqual(by_kpi["order"]["backorder_rate"], 50.0)
