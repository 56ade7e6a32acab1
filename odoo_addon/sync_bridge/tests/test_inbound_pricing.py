# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import uuid

from odoo import Command, fields
from odoo.tests import tagged

from .common import ODOO19, USER_GROUPS, discount_per_line_group
from .inbound_common import InboundCase


@tagged("post_install", "-at_install")
class TestInboundPricing(InboundCase):
    """CRM quote -> sale order under the target's price policy (crm / check / pricelist)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        currency = cls.company.currency_id
        # Globex's pricelist: SW-1 (list 50) at -20% -> 40, from 10 units 35 (quantity
        # break); SG-2 (list 30) has no rule -> 30
        cls.pricelist = cls.env["product.pricelist"].create({
            "name": "Globex prices", "currency_id": currency.id,
            "company_id": cls.company.id,
            "item_ids": [
                Command.create({"applied_on": "0_product_variant", "product_id": cls.product.id,
                                "compute_price": "percentage", "percent_price": 20.0}),
                Command.create({"applied_on": "0_product_variant", "product_id": cls.product.id,
                                "compute_price": "fixed", "fixed_price": 35.0,
                                "min_quantity": 10}),
            ],
        })
        cls.globex = cls.env["res.partner"].create({
            "name": "Globex", "email": "buyer@globex.example", "is_company": True,
        })
        # Odoo 19 computes partner pricelists only with the Pricelists feature on
        cls.env.ref("base.group_user").implied_ids = [
            Command.link(cls.env.ref("product.group_product_pricelist").id)]
        cls.globex.property_product_pricelist = cls.pricelist
        cls.crm.crm_price_policy = "check"
        cls.discount_group = discount_per_line_group(cls.env)
        cls.superuser = cls.env["res.users"].browse(1)

    def _quote(self, lines, **extra):
        payload = {
            "message_id": uuid.uuid4().hex, "source": "hubspot", "quote_id": "Q-PRICE",
            "customer": {"external_id": "HS-77", "name": "Globex",
                         "email": "buyer@globex.example",
                         "address": {"street": "1 Main St", "city": "Springfield",
                                     "zip": "12345", "country_code": "US"}},
            "lines": lines,
        }
        payload.update(extra)
        return payload

    def _send(self, lines, **extra):
        res = self._apply("sale_order", self._quote(lines, **extra), target=self.crm)
        self.assertEqual(res["status"], "applied", res)
        return res

    def _order(self):
        link = self.env["sync.link"].search([("target_id", "=", self.crm.id),
                                             ("model", "=", "sale.order"),
                                             ("external_id", "=", "Q-PRICE")])
        return self.env["sale.order"].browse(link.res_id)

    def _pricing(self, order, state="open"):
        return self.env["sync.exception"].search([
            ("category", "=", "pricing"), ("model", "=", "sale.order"),
            ("res_id", "=", order.id), ("state", "=", state)])

    def _discount_feature(self, enabled):
        """Pricelist discounts shown as a line discount (sale.group_discount_per_so_line,
        read on the superuser by Odoo 18+; 17: the pricelist's discount_policy) or included
        in the price."""
        self.env.ref("base.group_user").implied_ids = [Command.unlink(self.discount_group.id)]
        self.superuser[USER_GROUPS] = [
            Command.link(self.discount_group.id) if enabled
            else Command.unlink(self.discount_group.id)]
        if "discount_policy" in self.env["product.pricelist"]._fields:
            # Odoo 17: the pricelist's discount policy decides (the group shows the column)
            self.pricelist.discount_policy = "without_discount" if enabled else "with_discount"
            return
        self.assertEqual(
            self.env["product.pricelist.item"]._is_discount_feature_enabled(), enabled)

    def _without_pricelist(self):
        """No pricelist for Globex's orders. Odoo 19: the Pricelists setting is off (then
        Odoo computes no partner pricelist at all, whatever is configured). Odoo 18 computes
        one whatever the setting: no active pricelist applies."""
        group = self.env.ref("product.group_product_pricelist")
        if ODOO19:
            self.env.ref("base.group_user").implied_ids = [Command.unlink(group.id)]
            self.superuser[USER_GROUPS] = [Command.unlink(group.id)]
            self.assertFalse(self.env["res.groups"]._is_feature_enabled(
                "product.group_product_pricelist"))
        else:
            self.env["product.pricelist"].search([]).active = False
        self.globex.invalidate_recordset(["property_product_pricelist"])
        self.assertFalse(self.globex.property_product_pricelist)

    def _assert_held_without_pricelist(self, res, policy):
        order = self._order()
        msg = self._message(res, self.crm)
        self.assertEqual(msg.state, "applied")
        self.assertFalse(order.pricelist_id)
        self.assertEqual(order.state, "draft", "not confirmed: its prices were not checked")
        self.assertIn("not confirmed", msg.result_summary)
        exc = self._pricing(order)
        self.assertEqual(len(exc), 1)
        self.assertEqual((exc.target_id, exc.inbound_message_id), (self.crm, msg))
        self.assertIn(f"price policy '{policy}' needs a pricelist", exc.message)
        self.assertIn("Pricelists setting", exc.message)
        self.assertIn("product.group_product_pricelist", exc.message)
        self.assertTrue(exc.activity_id)
        return order, exc

    # ------------------------------------------------------------------
    def test_check_without_pricelist_holds_the_order(self):
        self.crm.write({"confirm_crm_orders": True, "crm_price_tolerance": 0.5})
        self._without_pricelist()
        # 50 is SW-1's sales price: a check against it would wrongly pass
        res = self._send([{"sku": "SW-1", "quantity": 3, "unit_price": 50},
                          {"sku": "SG-2", "quantity": 1, "unit_price": 25}])
        order, exc = self._assert_held_without_pricelist(res, "check")
        # the CRM's prices are on the order, not the sales prices
        self.assertEqual([(l.price_unit, l.discount) for l in order.order_line.sorted("id")],
                         [(50, 0), (25, 0)])
        self.assertNotIn("lines[", exc.message)
        # Pricelists back, the quote changed in the CRM: checked and confirmed, resolved
        if ODOO19:
            self.env.ref("base.group_user").implied_ids = [
                Command.link(self.env.ref("product.group_product_pricelist").id)]
        else:
            self.pricelist.active = True
        self.globex.invalidate_recordset(["property_product_pricelist"])
        self._send([{"sku": "SW-1", "quantity": 3, "unit_price": 40},
                    {"sku": "SG-2", "quantity": 1, "unit_price": 30}])
        self.assertEqual(order.pricelist_id, self.pricelist)
        self.assertEqual(order.state, "sale")
        self.assertFalse(self._pricing(order))
        self.assertEqual(exc.state, "resolved")

    def test_pricelist_policy_without_pricelist_holds_the_order(self):
        self.crm.write({"crm_price_policy": "pricelist", "confirm_crm_orders": True})
        self._without_pricelist()
        res = self._send([{"sku": "SW-1", "quantity": 3, "unit_price": 40}])
        order, _exc = self._assert_held_without_pricelist(res, "pricelist")
        # what Odoo priced without a pricelist (the sales price) is no pricelist price
        self.assertEqual(order.order_line.price_unit, 50)

    def test_crm_policy_needs_no_pricelist(self):
        self.crm.write({"crm_price_policy": "crm", "confirm_crm_orders": True})
        self._without_pricelist()
        self._send([{"sku": "SW-1", "quantity": 3, "unit_price": 45.5}])
        order = self._order()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.order_line.price_unit, 45.5)
        self.assertFalse(self._pricing(order))

    def test_crm_policy_unchanged(self):
        self.crm.write({"crm_price_policy": "crm", "confirm_crm_orders": True})
        self._send([{"sku": "SW-1", "quantity": 3, "unit_price": 45.5, "discount_percent": 10},
                    {"sku": "SG-2", "quantity": 1, "unit_price": 5}])
        order = self._order()
        self.assertEqual(order.pricelist_id, self.pricelist)
        self.assertEqual(order.state, "sale")
        self.assertEqual([(l.price_unit, l.discount) for l in order.order_line.sorted("id")],
                         [(45.5, 10), (5, 0)])
        self.assertFalse(self._pricing(order))

    def test_check_within_tolerance_confirms(self):
        self.crm.write({"confirm_crm_orders": True, "crm_price_tolerance": 0.5})
        # 40.20 is +0.5% of 40 (not above the tolerance); 50 - 20% is 40
        res = self._send([{"sku": "SW-1", "quantity": 3, "unit_price": 40.2},
                          {"sku": "SW-1", "quantity": 1, "unit_price": 50,
                           "discount_percent": 20},
                          {"sku": "SG-2", "quantity": 2, "unit_price": 30}])
        order = self._order()
        self.assertEqual(order.state, "sale", res)
        self.assertEqual([(l.price_unit, l.discount) for l in order.order_line.sorted("id")],
                         [(40.2, 0), (50, 20), (30, 0)])  # the CRM's prices
        self.assertFalse(self._pricing(order))
        self.assertNotIn("differ", self._message(res, self.crm).result_summary)

    def test_check_above_tolerance_holds_the_order(self):
        self.crm.write({"confirm_crm_orders": True, "crm_price_tolerance": 0.5})
        lines = [{"sku": "SW-1", "quantity": 3, "unit_price": 40.21},  # +0.525%
                 {"sku": "SG-2", "quantity": 1, "unit_price": 25, "discount_percent": 4}]
        res = self._send(lines)
        order = self._order()
        msg = self._message(res, self.crm)
        self.assertEqual(msg.state, "applied")
        self.assertIn("differ from the pricelist", msg.result_summary)
        self.assertIn("not confirmed", msg.result_summary)
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.picking_ids)
        # the CRM's prices are on the order
        self.assertEqual([(l.price_unit, l.discount) for l in order.order_line.sorted("id")],
                         [(40.21, 0), (25, 4)])
        exc = self._pricing(order)
        self.assertEqual(len(exc), 1)
        self.assertEqual((exc.target_id, exc.inbound_message_id), (self.crm, msg))
        self.assertIn("lines[0] SW-1: CRM 40.21, pricelist 40.00 (+0.5%)", exc.message)
        self.assertIn("lines[1] SG-2: CRM 24.00, pricelist 30.00 (-20.0%)", exc.message)
        # followed up like the other inbound exceptions: an assignee and a to-do
        self.assertTrue(exc.user_id)
        self.assertTrue(exc.activity_id)
        self.assertEqual(exc.activity_id.res_model, "sale.order")
        self.assertIn(exc.id, msg.exception_ids.ids)
        self.assertEqual(msg.open_exception_count, 1)

        # the same quote again (another message id): nothing new
        res = self._send(lines)
        self.assertEqual(self._pricing(order), exc)
        self.assertEqual(exc.occurrences, 1)
        # updated quote, prices still off: the same exception, updated
        res = self._send([{"sku": "SW-1", "quantity": 4, "unit_price": 30}])
        self.assertEqual(self._pricing(order), exc)
        self.assertEqual(exc.occurrences, 2)
        self.assertIn("lines[0] SW-1: CRM 30.00, pricelist 40.00 (-25.0%)", exc.message)
        self.assertNotIn("SG-2", exc.message)
        self.assertEqual(exc.inbound_message_id, self._message(res, self.crm))
        self.assertEqual(order.state, "draft")
        # updated quote whose prices now match: resolved, and the order confirmed
        res = self._send([{"sku": "SW-1", "quantity": 4, "unit_price": 40}])
        self.assertEqual(exc.state, "resolved")
        self.assertEqual(exc.activity_id.exists().filtered("active"), self.env["mail.activity"])
        self.assertEqual(order.state, "sale")
        self.assertEqual(len(self.env["sync.exception"].search([
            ("category", "=", "pricing"), ("res_id", "=", order.id),
            ("model", "=", "sale.order")])), 1)

    def test_check_without_auto_confirm_and_manual_confirmation(self):
        self.crm.confirm_crm_orders = False
        self._send([{"sku": "SW-1", "quantity": 3, "unit_price": 20}])
        order = self._order()
        exc = self._pricing(order)
        self.assertIn("CRM 20.00, pricelist 40.00 (-50.0%)", exc.message)
        self.assertEqual(order.state, "draft")
        # the salesperson accepts the prices by confirming the order by hand
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(exc.state, "resolved")

    def test_check_resolved_by_manager_confirms(self):
        self.crm.confirm_crm_orders = True
        self._send([{"sku": "SW-1", "quantity": 3, "unit_price": 20}])
        order = self._order()
        exc = self._pricing(order)
        self.assertEqual(order.state, "draft")
        exc.with_user(self.manager).action_resolve()
        self.assertEqual(exc.state, "resolved")
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.order_line.price_unit, 20)  # the accepted CRM price
        # ignoring instead does not confirm
        self.env["sync.link"].search([("external_id", "=", "Q-PRICE")]).unlink()
        self._send([{"sku": "SW-1", "quantity": 3, "unit_price": 20}])
        order2 = self._order()
        self.assertNotEqual(order2, order)
        self._pricing(order2).with_user(self.manager).action_ignore()
        self.assertEqual(order2.state, "draft")

    def test_check_zero_tolerance_and_quantity_break(self):
        self.crm.crm_price_tolerance = 0.0
        # 10 units: the quantity break (35); 40.01 for 3 units: any difference counts
        self._send([{"sku": "SW-1", "quantity": 10, "unit_price": 35},
                    {"sku": "SW-1", "quantity": 3, "unit_price": 40.01},
                    {"sku": "SW-1", "quantity": 12, "unit_price": 40}])
        exc = self._pricing(self._order())
        self.assertNotIn("lines[0]", exc.message)
        self.assertIn("lines[1] SW-1: CRM 40.01, pricelist 40.00 (+0.0%)", exc.message)
        self.assertIn("lines[2] SW-1: CRM 40.00, pricelist 35.00 (+14.3%)", exc.message)

    def test_check_discount_shown_or_included(self):
        for enabled in (True, False):
            self._discount_feature(enabled)
            self.env["sync.link"].search([("external_id", "=", "Q-PRICE")]).unlink()
            # net 40 either way: 50 - 20% shown as a discount, or 40 in the price
            self._send([{"sku": "SW-1", "quantity": 3, "unit_price": 40},
                        {"sku": "SW-1", "quantity": 3, "unit_price": 50}])
            exc = self._pricing(self._order())
            self.assertNotIn("lines[0]", exc.message)
            self.assertIn("lines[1] SW-1: CRM 50.00, pricelist 40.00 (+25.0%)", exc.message)

    def test_pricelist_policy(self):
        self.crm.write({"crm_price_policy": "pricelist", "confirm_crm_orders": True})
        self._discount_feature(True)
        res = self._send([{"sku": "SW-1", "quantity": 3, "unit_price": 45.5,
                           "discount_percent": 10},
                          {"sku": "SG-2", "quantity": 1, "unit_price": 30},
                          {"sku": "SW-1", "quantity": 10, "unit_price": 99}])
        order = self._order()
        # Odoo's prices: the pricelist discount shown as a discount; the quantity break
        # (fixed price) in the price (Odoo 17, whose pricelists have a discount policy, shows
        # it as a discount off the list price too: 50 - 30% = 35)
        fixed_as_discount = "discount_policy" in self.env["product.pricelist"]._fields
        self.assertEqual([(l.price_unit, l.discount) for l in order.order_line.sorted("id")],
                         [(50, 20), (30, 0), (50, 30) if fixed_as_discount else (35, 0)])
        self.assertEqual(order.state, "sale")
        self.assertFalse(self._pricing(order, state="open"))
        msg = self._message(res, self.crm)
        self.assertIn("lines[0] SW-1: CRM 40.95, pricelist 40.00 (+2.4%)", msg.result_summary)
        self.assertNotIn("lines[1]", msg.result_summary)
        self.assertIn("lines[2] SW-1: CRM 99.00, pricelist 35.00", msg.result_summary)
        notes = order.message_ids.mapped("body")
        self.assertTrue(any("Pricelist prices applied" in str(b) and "lines[0] SW-1" in str(b)
                            for b in notes), notes)

    def test_pricelist_policy_discount_included(self):
        self.crm.crm_price_policy = "pricelist"
        self._discount_feature(False)
        self._send([{"sku": "SW-1", "quantity": 3, "unit_price": 45.5}])
        line = self._order().order_line
        self.assertEqual((line.price_unit, line.discount), (40, 0))

    def test_currency_of_the_order_pricelist(self):
        company_currency = self.company.currency_id
        other = self.env.ref("base.EUR" if company_currency.name != "EUR" else "base.USD")
        other.active = True
        Rate = self.env["res.currency.rate"]
        today = fields.Date.context_today(Rate)
        rate = Rate.search([("currency_id", "=", other.id), ("name", "=", today),
                            ("company_id", "=", self.company.id)])
        vals = {"currency_id": other.id, "name": today, "company_id": self.company.id,
                "rate": 2.0 * company_currency.rate}
        if rate:
            rate.write(vals)
        else:
            Rate.create(vals)
        # SW-1 at a fixed 45 in that currency; SG-2 by default: list price 30 converted (60)
        pricelist = self.env["product.pricelist"].create({
            "name": "Globex foreign", "currency_id": other.id, "company_id": self.company.id,
            "item_ids": [Command.create({"applied_on": "0_product_variant",
                                         "product_id": self.product.id,
                                         "compute_price": "fixed", "fixed_price": 45.0})],
        })
        self.globex.property_product_pricelist = pricelist
        self._send([{"sku": "SW-1", "quantity": 3, "unit_price": 45},
                    {"sku": "SG-2", "quantity": 1, "unit_price": 30}], currency=other.name)
        order = self._order()
        self.assertEqual((order.pricelist_id, order.currency_id), (pricelist, other))
        exc = self._pricing(order)
        self.assertNotIn("lines[0]", exc.message)
        self.assertIn("lines[1] SG-2: CRM 30.00, pricelist 60.00 (-50.0%)", exc.message)
