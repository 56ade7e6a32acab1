# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import uuid

from odoo.tests import tagged

from .inbound_common import InboundCase


@tagged("post_install", "-at_install")
class TestInboundCrm(InboundCase):
    def _quote(self, **extra):
        payload = {
            "message_id": uuid.uuid4().hex, "source": "hubspot", "quote_id": "Q-100",
            "customer": {"external_id": "HS-42", "name": "Globex", "email": "buyer@globex.example",
                         "vat": "BE0477472701",
                         "address": {"street": "1 Main St", "city": "Springfield",
                                     "zip": "12345", "country_code": "US"}},
            "lines": [{"sku": "SW-1", "quantity": 3, "unit_price": 45.5, "discount_percent": 10},
                      {"sku": "SG-2", "quantity": 1, "unit_price": 20}],
            "expected_date": "2026-04-01",
        }
        payload.update(extra)
        return payload

    def _orders(self):
        link = self.env["sync.link"].search([("target_id", "=", self.crm.id),
                                             ("model", "=", "sale.order")])
        return self.env["sale.order"].browse(link.mapped("res_id"))

    def test_quote_to_confirmed_order_once(self):
        self.crm.confirm_crm_orders = True
        payload = self._quote()
        res = self._apply("sale_order", payload, target=self.crm)
        self.assertEqual(res["status"], "applied", res)
        order = self._orders()
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.partner_id.name, "Globex")
        self.assertEqual(order.partner_id.country_id.code, "US")
        line = order.order_line.filtered(lambda l: l.product_id == self.product)
        self.assertEqual((line.product_uom_qty, line.price_unit, line.discount), (3, 45.5, 10))
        self.assertEqual(str(order.commitment_date.date()), "2026-04-01")
        self.assertTrue(order.picking_ids)  # released to the warehouse as usual
        partner_link = self.env["sync.link"].search([("target_id", "=", self.crm.id),
                                                     ("model", "=", "res.partner")])
        self.assertEqual((partner_link.res_id, partner_link.external_id),
                         (order.partner_id.id, "HS-42"))
        # the same quote again (another message id): still one order
        res = self._apply("sale_order", dict(payload, message_id="again"), target=self.crm)
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(self._orders(), order)
        self.assertEqual(len(order.order_line), 2)
        # a later change of the won quote: conflict, order unchanged
        changed = self._quote(lines=[{"sku": "SW-1", "quantity": 7, "unit_price": 45.5}])
        res = self._apply("sale_order", changed, target=self.crm)
        self.assertEqual(res["status"], "exception", res)
        exc = self.env["sync.exception"].browse(res["exception_ids"])
        self.assertEqual((exc.category, exc.model, exc.res_id), ("conflict", "sale.order", order.id))
        self.assertEqual(len(order.order_line), 2)

    def test_draft_order_updated_and_customer_matched(self):
        existing = self.env["res.partner"].create({"name": "Globex Inc", "email": "BUYER@globex.example"})
        res = self._apply("sale_order", self._quote(), target=self.crm)
        self.assertEqual(res["status"], "applied", res)
        order = self._orders()
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.partner_id, existing)
        res = self._apply("sale_order", self._quote(
            lines=[{"sku": "SG-2", "quantity": 4, "unit_price": 19}]), target=self.crm)
        self.assertEqual(res["status"], "applied", res)
        self.assertEqual(self._orders(), order)
        self.assertEqual(order.order_line.product_id, self.product_b)
        self.assertEqual(order.order_line.product_uom_qty, 4)

    def test_customer_policy_exception_and_unknown_sku(self):
        self.crm.customer_policy = "exception"
        res = self._apply("sale_order", self._quote(), target=self.crm)
        self.assertEqual(res["status"], "exception", res)
        self.assertIn("customer", res["error"])
        self.assertFalse(self._orders())
        self.crm.customer_policy = "create"
        res = self._apply("sale_order", self._quote(
            lines=[{"sku": "NOPE", "quantity": 1, "unit_price": 1}]), target=self.crm)
        self.assertEqual(res["status"], "exception", res)
        self.assertIn("lines[0].sku", res["error"])
        self.assertFalse(self._orders())
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Globex")]))

    def test_reprocess_after_fix(self):
        res = self._apply("sale_order", self._quote(
            lines=[{"sku": "LATER-1", "quantity": 2, "unit_price": 5}]), target=self.crm)
        self.assertEqual(res["status"], "exception", res)
        exc = self.env["sync.exception"].browse(res["exception_ids"])
        self.assertEqual(exc.state, "open")
        self.env["product.product"].create({"name": "Later", "default_code": "LATER-1"})
        exc.with_user(self.manager).action_retry()  # reprocesses the message
        msg = self._message(res, self.crm)
        self.assertEqual(msg.state, "applied")
        self.assertEqual(msg.attempt_count, 2)
        self.assertEqual(exc.state, "resolved")
        self.assertEqual(self._orders().order_line.product_id.default_code, "LATER-1")
        # the sidecar resending it now gets the stored result
        again = self._apply("sale_order", {"message_id": msg.message_id}, target=self.crm,
                            message_id=msg.message_id)
        self.assertEqual((again["status"], again["first_status"]), ("duplicate", "applied"))
