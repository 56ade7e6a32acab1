# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.addons.sync_bridge.compat import storable_vals

from ..models.sync_event import PRIORITY_BULK, PRIORITY_ORDER, PRIORITY_STATUS
from .common import SyncBridgeCase, run_migration


@tagged("post_install", "-at_install")
class TestLanes(SyncBridgeCase):
    """Priority lanes: order flow is claimed before a master-data backlog, per-aggregate
    ordering still holds, an order's new customer / products go out before it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wms.write({"release_on": "order_confirm", "trigger_product_upsert": True,
                       "trigger_partner_upsert": True, "credit_gating": False})

    def _products(self, count, prefix="BULK"):
        return self.env["product.product"].create([
            {"name": f"{prefix} {i}", "default_code": f"{prefix}-{i}", "type": "consu"}
            for i in range(count)
        ])

    def _wms_claim(self, limit=50):
        return self._claim([self.wms.code], limit=limit)

    def _ack(self, claimed):
        res = self.svc.sync_ack([self._item(c) for c in claimed])
        self.assertEqual(sorted(res["ok"]), sorted(c["id"] for c in claimed))

    def _confirmed_order(self, partner=None, products=None):
        order = self.env["sale.order"].create({
            "partner_id": (partner or self.customer).id,
            "warehouse_id": self.warehouse.id,
            "order_line": [Command.create({"product_id": p.id, "product_uom_qty": 1})
                           for p in (products or self.product)],
        })
        order.action_confirm()
        return order

    def test_priority_set_by_type(self):
        order = self._order()
        expected = {
            "release": PRIORITY_ORDER, "amend": PRIORITY_ORDER, "cancel": PRIORITY_ORDER,
            "asn": PRIORITY_ORDER, "asn_amend": PRIORITY_ORDER, "asn_cancel": PRIORITY_ORDER,
            "status": PRIORITY_STATUS, "upsert": PRIORITY_BULK, "atp": PRIORITY_BULK,
        }
        lanes = {PRIORITY_ORDER: "order", PRIORITY_STATUS: "status", PRIORITY_BULK: "bulk"}
        for event_type, priority in expected.items():
            event = self.Event.sudo()._enqueue(self.wms, event_type, order)
            self.assertEqual((event_type, event.priority), (event_type, priority))
            self.assertEqual(event.lane, lanes[priority])
        # the lane is searchable (list filters)
        mine = [("model", "=", "sale.order"), ("res_id", "=", order.id)]
        self.assertEqual(self.Event.search_count(mine + [("lane", "=", "order")]), 6)
        self.assertEqual(self.Event.search_count(mine + [("lane", "=", "status")]), 1)
        self.assertEqual(self.Event.search_count(mine + [("lane", "in", ["bulk", "status"])]), 3)
        self.assertEqual(self.Event.search_count(mine + [("lane", "!=", "order")]), 3)
        # ORM create (no priority given) follows the type too
        created = self.Event.sudo().create({
            "target_id": self.crm.id, "event_type": "cancel", "model": "sale.order",
            "res_id": order.id, "aggregate_key": "x", "idempotency_key": "lanes-create"})
        self.assertEqual(created.priority, PRIORITY_ORDER)

    def test_trigger_events_get_their_lane(self):
        partner = self.env["res.partner"].create({"name": "Lane Customer"})
        self.assertEqual(self._events(partner, self.wms, event_type="upsert").priority,
                         PRIORITY_BULK)
        order = self._confirmed_order(partner=partner)
        self.assertEqual(self._events(order, self.wms, event_type="release").priority,
                         PRIORITY_ORDER)
        self.assertEqual(self._events(order, self.crm, event_type="status")[-1].priority,
                         PRIORITY_STATUS)

    def test_claim_order_flow_before_bulk_backlog(self):
        backlog = self._products(80)
        self.assertEqual(len(self.Event.search([("target_id", "=", self.wms.id),
                                                ("state", "=", "pending")])), 80)
        order = self._confirmed_order()  # self.product: nothing pending for it
        release = self._events(order, self.wms, event_type="release")
        claimed = self._wms_claim(limit=10)
        self.assertEqual(len(claimed), 10)
        self.assertIn(release.id, [c["id"] for c in claimed], "order flow first")
        upserts = [c for c in claimed if c["event_type"] == "upsert"]
        # the rest of the batch is the backlog, oldest first
        self.assertEqual([c["res_id"] for c in upserts], backlog[:9].ids)
        self.assertEqual([c["id"] for c in claimed], sorted(c["id"] for c in claimed),
                         "the result stays sorted by id")

    def test_status_lane_between(self):
        self._products(5)
        order = self._order()
        status = self.Event.sudo()._enqueue(self.wms, "status", order)
        release = self.Event.sudo()._enqueue(self.wms, "release", self._order())
        claimed = self._wms_claim(limit=2)
        self.assertEqual({c["id"] for c in claimed}, {release.id, status.id})

    def test_aggregate_ordering_holds_across_lanes(self):
        """An older open event of the aggregate blocks a newer one of a faster lane."""
        order = self._order()
        older = self.Event.sudo()._enqueue(self.wms, "upsert", self.customer,
                                           aggregate_key=f"sale.order,{order.id}")
        self._products(3)
        release = self.Event.sudo()._enqueue(self.wms, "release", order)
        claimed = self._wms_claim()
        ids = [c["id"] for c in claimed]
        self.assertIn(older.id, ids)
        self.assertNotIn(release.id, ids, "the newer order event waits for the older one")
        # failed: still blocks (today's rule), whatever the lane
        first = next(c for c in claimed if c["id"] == older.id)
        self.svc.sync_nack([self._item(first, retryable=False, error_class="Rejected",
                                       error_message="no")])
        self.assertNotIn(release.id, [c["id"] for c in self._wms_claim()])
        older.sudo().action_cancel()
        self.assertEqual([c["id"] for c in self._wms_claim()], [release.id])

    def test_dependencies_promoted_and_waited_for(self):
        self._products(40)
        new_product = self._products(1, prefix="NEW")
        new_customer = self.env["res.partner"].create({"name": "New Lane Customer"})
        product_upsert = self._events(new_product, self.wms, event_type="upsert")
        partner_upsert = self._events(new_customer, self.wms, event_type="upsert")
        self.assertEqual((product_upsert.priority, partner_upsert.priority),
                         (PRIORITY_BULK, PRIORITY_BULK))
        order = self._confirmed_order(partner=new_customer, products=new_product | self.product)
        release = self._events(order, self.wms, event_type="release")
        self.assertEqual(release.depends_on.split(), sorted([
            f"res.partner,{new_customer.id}", f"product.product,{new_product.id}",
            f"product.product,{self.product.id}"]))
        product_upsert.invalidate_recordset()
        partner_upsert.invalidate_recordset()
        self.assertEqual((product_upsert.priority, partner_upsert.priority),
                         (PRIORITY_ORDER, PRIORITY_ORDER), "promoted to the order's lane")
        self.assertEqual(product_upsert.lane, "order")
        # first claim: the two promoted upserts, the release waits for them
        claimed = self._wms_claim(limit=3)
        ids = [c["id"] for c in claimed]
        self.assertIn(product_upsert.id, ids)
        self.assertIn(partner_upsert.id, ids)
        self.assertNotIn(release.id, ids)
        self.assertNotIn(release.id, [c["id"] for c in self._wms_claim(limit=50)],
                         "in progress upserts still hold it")
        self._ack([c for c in claimed if c["id"] in (product_upsert.id, partner_upsert.id)])
        claimed = self._wms_claim(limit=1)
        self.assertEqual([c["id"] for c in claimed], [release.id], "then the release, first")

    def test_picking_release_depends_on_moves_products(self):
        self.wms.release_on = "picking_ready"
        product = self._products(1, prefix="PICK")
        product.with_context(sync_bridge_skip=True).write(storable_vals(self.env))
        self.env["stock.quant"]._update_available_quantity(
            product, self.warehouse.lot_stock_id, 5.0)
        order = self._confirmed_order(products=product)
        picking = order.picking_ids
        release = self._events(picking, self.wms, event_type="release")
        self.assertTrue(release)
        self.assertIn(f"product.product,{product.id}", release.depends_on.split())
        self.assertIn(f"res.partner,{self.customer.id}", release.depends_on.split())
        self.assertEqual(self._events(product, self.wms, event_type="upsert").priority,
                         PRIORITY_ORDER)

    def test_dead_or_failed_dependency_does_not_hold_the_order(self):
        product = self._products(1, prefix="DEAD")
        upsert = self._events(product, self.wms, event_type="upsert")
        claimed = self._wms_claim()
        self.svc.sync_nack([self._item(next(c for c in claimed if c["id"] == upsert.id),
                                       dead=True, error_class="Boom", error_message="dead")])
        # a newer change to the product: pending, but stuck behind the dead one
        product.name = "DEAD renamed"
        stuck = self._events(product, self.wms, event_type="upsert", state="pending")
        self.assertEqual(len(stuck), 1)
        order = self._confirmed_order(products=product)
        release = self._events(order, self.wms, event_type="release")
        self.assertIn(release.id, [c["id"] for c in self._wms_claim()],
                      "a dead upsert does not hold the order (as before lanes)")

    def test_retried_dependency_still_holds(self):
        product = self._products(1, prefix="RETRY")
        upsert = self._events(product, self.wms, event_type="upsert")
        order = self._confirmed_order(products=product)
        release = self._events(order, self.wms, event_type="release")
        claimed = self._wms_claim()
        self.assertEqual([c["id"] for c in claimed if c["id"] in (upsert.id, release.id)],
                         [upsert.id])
        self.svc.sync_nack([self._item(claimed[0], retryable=True, error_class="Timeout",
                                       error_message="later", next_attempt_at=False)])
        upsert.invalidate_recordset()
        self.assertEqual((upsert.state, upsert.priority), ("pending", PRIORITY_ORDER))
        self.assertNotIn(release.id, [c["id"] for c in self._wms_claim()])

    def test_newer_bulk_upsert_does_not_hold_the_order(self):
        product = self._products(1, prefix="LATER")
        self._ack(self._wms_claim())  # its first upsert is delivered
        order = self._confirmed_order(products=product)
        product.name = "LATER renamed"  # after the release was written: bulk, not waited for
        later = self._events(product, self.wms, event_type="upsert", state="pending")
        self.assertEqual(later.priority, PRIORITY_BULK)
        release = self._events(order, self.wms, event_type="release")
        self.assertEqual([c["id"] for c in self._wms_claim(limit=1)], [release.id])

    def test_amend_coalesced_takes_the_new_lines_dependencies(self):
        order = self._confirmed_order()
        self._ack(self._wms_claim())  # the release is delivered
        order.commitment_date = "2030-01-01 10:00:00"
        amend = self._events(order, self.wms, event_type="amend")
        self.assertEqual(amend.state, "pending")
        added = self._products(1, prefix="ADDED")
        upsert = self._events(added, self.wms, event_type="upsert")
        self.assertEqual(upsert.priority, PRIORITY_BULK)
        order.order_line = [Command.create({"product_id": added.id, "product_uom_qty": 1})]
        order.commitment_date = "2030-01-02 10:00:00"  # coalesced into the pending amend
        self.assertEqual(self._events(order, self.wms, event_type="amend"), amend)
        amend.invalidate_recordset()
        self.assertIn(f"product.product,{added.id}", amend.depends_on.split())
        upsert.invalidate_recordset()
        self.assertEqual(upsert.priority, PRIORITY_ORDER)
        # the newer upsert was promoted: the (older) amend still waits for it
        ids = [c["id"] for c in self._wms_claim()]
        self.assertIn(upsert.id, ids)
        self.assertNotIn(amend.id, ids)

    def test_requeue_into_a_twin_keeps_the_lane(self):
        product = self._products(1, prefix="TWIN")
        self._confirmed_order(products=product)  # promotes the product's upsert
        upsert = self._events(product, self.wms, event_type="upsert")
        claimed = [c for c in self._wms_claim() if c["id"] == upsert.id]
        product.name = "TWIN renamed"  # a new pending upsert, bulk lane
        twin = self._events(product, self.wms, event_type="upsert", state="pending")
        self.assertEqual(twin.priority, PRIORITY_BULK)
        self.svc.sync_release("w1", [self._item(claimed[0])])  # back to pending: merged
        upsert.invalidate_recordset()
        twin.invalidate_recordset()
        self.assertEqual(upsert.state, "cancelled")
        self.assertEqual(twin.priority, PRIORITY_ORDER)

    def test_status_summary_pending_by_lane(self):
        self._products(4)
        self._confirmed_order()
        row = next(r for r in self.svc.sync_status_summary() if r["target"] == self.wms.code)
        self.assertEqual(row["pending_by_lane"], {"order": 1, "status": 0, "bulk": 4})
        self.assertEqual(row["pending"], 5)

    def test_migration_sets_priority_by_type(self):
        order = self._order()
        release = self.Event.sudo()._enqueue(self.wms, "release", order)
        status = self.Event.sudo()._enqueue(self.wms, "status", order)
        self.env.flush_all()
        self.env.cr.execute("UPDATE sync_event SET priority = 30 WHERE id IN %s",
                            ((release.id, status.id),))
        run_migration(self.env, "1.9.0", "1.8.0")
        self.env.invalidate_all()
        self.assertEqual((release.priority, status.priority), (PRIORITY_ORDER, PRIORITY_STATUS))
        self.env.cr.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                            ("sync_event_claim_lane_idx",))
        self.assertIn("(target_id, priority, id)", self.env.cr.fetchone()[0])


@tagged("post_install", "-at_install")
class TestInitialLoad(SyncBridgeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wms.write({"trigger_product_upsert": True, "trigger_partner_upsert": True})
        cls.products = cls.env["product.product"].with_context(sync_bridge_skip=True).create([
            {"name": f"Load {i}", "default_code": f"LOAD-{i}", "type": "consu"}
            for i in range(7)
        ])
        cls.customers = cls.env["res.partner"].with_context(sync_bridge_skip=True).create([
            {"name": f"Load Customer {i}", "ref": f"LOADC-{i}"} for i in range(3)
        ])
        cls.user = new_test_user(cls.env, login="sync_user_load",
                                 groups="base.group_user,sync_bridge.group_sync_user")

    def _wizard(self, user=None, **vals):
        Wizard = self.env["sync.initial.load.wizard"]
        if user:
            Wizard = Wizard.with_user(user)
        return Wizard.create(dict({
            "target_id": self.wms.id,
            "product_domain": "[('default_code', '=like', 'LOAD-%')]",
            "customer_domain": "[('ref', '=like', 'LOADC-%')]",
        }, **vals))

    def test_counts_and_enqueues_in_bulk_lane(self):
        # one product already has a pending upsert: coalesced, not doubled
        pending = self.Event.sudo()._enqueue(self.wms, "upsert", self.products[0])
        wizard = self._wizard(user=self.manager)
        self.assertEqual((wizard.product_count, wizard.customer_count), (7, 3))
        wizard.load_customers = False
        self.assertEqual(wizard.customer_count, 0)
        wizard.action_load()
        events = self.Event.search([("target_id", "=", self.wms.id), ("state", "=", "pending"),
                                    ("model", "=", "product.product"),
                                    ("res_id", "in", self.products.ids)])
        self.assertEqual(len(events), 7)
        self.assertEqual(set(events.mapped("priority")), {PRIORITY_BULK})
        self.assertEqual(set(events.mapped("event_type")), {"upsert"})
        self.assertEqual(pending.change_count, 2)
        self.assertFalse(self.Event.search([("model", "=", "res.partner"),
                                            ("res_id", "in", self.customers.ids)]))
        self.assertFalse(self.Event.search([("target_id", "=", self.crm.id),
                                            ("res_id", "in", self.products.ids),
                                            ("model", "=", "product.product")]),
                         "only the chosen target")
        note = self.wms.message_ids[:1]
        self.assertIn("7 product(s)", note.body)
        self.assertNotIn("customer", note.body)
        load = self.env["sync.initial.load"].search([("target_id", "=", self.wms.id)])
        self.assertEqual((load.what, load.state, load.done_count), ("products", "done", 7),
                         "a load that fits in one chunk runs at once")

    def test_customers_and_products(self):
        self._wizard(user=self.manager).action_load()
        partners = self.Event.search([("target_id", "=", self.wms.id), ("model", "=", "res.partner"),
                                      ("res_id", "in", self.customers.ids)])
        self.assertEqual(len(partners), 3)
        notes = " ".join(self.wms.message_ids[:2].mapped("body"))
        self.assertIn("3 customer(s)", notes)
        self.assertIn("7 product(s)", notes)

    def test_refusals(self):
        with self.assertRaises(AccessError):
            self._wizard(user=self.user)
        wizard = self._wizard(user=self.manager)
        with self.assertRaises(AccessError):
            wizard.with_user(self.salesman).action_load()
        self.wms.trigger_partner_upsert = False
        with self.assertRaisesRegex(UserError, "does not take customers"):
            wizard.action_load()
        wizard.write({"load_customers": False, "load_products": False})
        with self.assertRaises(UserError):
            wizard.action_load()
        wizard.write({"load_products": True, "product_domain": "[('no_such_field', '=', 1)]"})
        with self.assertRaisesRegex(UserError, "not valid"):
            wizard.action_load()
        self.wms.active = False
        with self.assertRaisesRegex(UserError, "archived"):
            self._wizard(user=self.manager).action_load()
        self.assertFalse(self.Event.search([("res_id", "in", self.products.ids),
                                            ("model", "=", "product.product")]))
