# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import tagged

from .common import ODOO19, SyncBridgeCase, reversal_moves

INVOICING_FIELDS = ["sync_invoice_state", "sync_invoice_refs", "sync_amount_invoiced",
                    "sync_amount_due", "sync_invoice_due_date", "sync_paid_date"]


@tagged("post_install", "-at_install")
class TestInvoicing(SyncBridgeCase):
    """Invoicing and payment of an order reach the CRM: the order's status event is written
    when its invoices are posted, reset, cancelled, paid, credited or unreconciled, and
    carries the invoicing fields (read at claim time by the service user)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.company.chart_template:
            cls.env["account.chart.template"].try_loading("generic_coa", cls.company,
                                                           install_demo=False)
        cls.bank = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1)
        cls.term_30 = cls.env["account.payment.term"].create({
            "name": "30 days (sync test)",
            "line_ids": [Command.create({"value": "percent", "value_amount": 100.0,
                                         "nb_days": 30})],
        })
        cls.gadget = cls.env["product.product"].create(
            {"name": "Sync Gadget", "default_code": "SG-1", "type": "consu",
             "list_price": 30.0, "invoice_policy": "order", "taxes_id": [Command.clear()]})
        cls.product.taxes_id = [Command.clear()]

    # -- helpers ------------------------------------------------------------
    def _confirmed(self, lines=None, deliver=True):
        order = self.env["sale.order"].create({
            "partner_id": self.customer.id,
            "warehouse_id": self.warehouse.id,
            "payment_term_id": self.term_30.id,
            "order_line": [Command.create({"product_id": p.id, "product_uom_qty": q,
                                           "price_unit": price})
                           for p, q, price in (lines or [(self.product, 2.0, 50.0)])],
        })
        order.action_confirm()
        if deliver:
            picking = order.picking_ids
            for move in picking.move_ids:
                move.write({"quantity": move.product_uom_qty, "picked": True})
            picking.button_validate()
            self.assertEqual(order.delivery_status, "full")
        self._ack_crm()
        return order

    def _ack_crm(self):
        """Delivers (acks) the CRM's pending events: what follows writes new ones."""
        claimed = self._claim([self.crm.code])
        if claimed:
            res = self.svc.sync_ack([self._item(c) for c in claimed])
            self.assertFalse(res["refused"])
        return claimed

    def _pending_status(self, order):
        return self._events(order, self.crm, event_type="status", state="pending")

    def _pay(self, invoices, amount=None, date=None, **context):
        vals = {"journal_id": self.bank.id}
        if amount is not None:
            vals["amount"] = amount
        if date:
            vals["payment_date"] = date
        wizard = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoices.ids, **context).create(vals)
        return wizard._create_payments()

    def _invoicing(self, order):
        order.invalidate_recordset(INVOICING_FIELDS)
        return {f: order[f] for f in INVOICING_FIELDS}

    def _claimed_record(self, order):
        """The order as the sidecar gets it: claimed by the service user with a spec of
        the invoicing fields (proves the service user may read them)."""
        spec = {f: {} for f in ["name"] + INVOICING_FIELDS}
        claimed = [c for c in self._claim([self.crm.code], specs={"sale.order": spec})
                   if c["model"] == "sale.order" and c["res_id"] == order.id]
        self.assertEqual(len(claimed), 1, "one status event of the order")
        self.assertEqual(claimed[0]["event_type"], "status")
        self.assertNotIn("record_error", claimed[0])
        self.svc.sync_ack([self._item(claimed[0])])
        return claimed[0]["record"]

    # -- tests --------------------------------------------------------------
    def test_post_invoice_of_delivered_order(self):
        order = self._confirmed()
        self.assertEqual(self._invoicing(order)["sync_invoice_state"], "not_invoiced")
        invoice = order._create_invoices()
        self.assertFalse(self._pending_status(order), "a draft invoice changes nothing in the CRM")
        invoice.action_post()
        self.assertEqual(len(self._pending_status(order)), 1)
        record = self._claimed_record(order)
        due = invoice.invoice_date_due
        self.assertEqual(due, invoice.invoice_date + relativedelta(days=30))
        self.assertEqual(record["sync_invoice_state"], "invoiced")
        self.assertEqual(record["sync_invoice_refs"], invoice.name)
        self.assertAlmostEqual(record["sync_amount_invoiced"], 100.0)
        self.assertAlmostEqual(record["sync_amount_due"], 100.0)
        self.assertEqual(record["sync_invoice_due_date"], fields.Date.to_string(due))
        self.assertFalse(record["sync_paid_date"])

    def test_partial_then_full_payment(self):
        order = self._confirmed()
        invoice = order._create_invoices()
        invoice.action_post()
        self._ack_crm()
        self._pay(invoice, amount=40.0, date="2026-03-02")
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(len(self._pending_status(order)), 1, "a payment writes the status event")
        record = self._claimed_record(order)
        self.assertEqual(record["sync_invoice_state"], "partial")
        self.assertAlmostEqual(record["sync_amount_invoiced"], 100.0)
        self.assertAlmostEqual(record["sync_amount_due"], 60.0)
        self.assertEqual(record["sync_invoice_due_date"],
                         fields.Date.to_string(invoice.invoice_date_due))
        self.assertFalse(record["sync_paid_date"])
        self._pay(invoice, amount=60.0, date="2026-03-09")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(len(self._pending_status(order)), 1)
        record = self._claimed_record(order)
        self.assertEqual(record["sync_invoice_state"], "paid")
        self.assertAlmostEqual(record["sync_amount_due"], 0.0)
        self.assertFalse(record["sync_invoice_due_date"], "nothing open: no due date")
        self.assertEqual(record["sync_paid_date"], "2026-03-09", "the last payment's date")

    def test_unreconcile_payment_and_payment_reset_to_draft(self):
        order = self._confirmed()
        invoice = order._create_invoices()
        invoice.action_post()
        payment = self._pay(invoice)
        self.assertEqual(self._invoicing(order)["sync_invoice_state"], "paid")
        self._ack_crm()
        # Unreconcile the invoice from its payment (account.partial.reconcile unlink).
        invoice.line_ids.filtered(lambda l: l.display_type == "payment_term").remove_move_reconcile()
        self.assertEqual(len(self._pending_status(order)), 1)
        vals = self._invoicing(order)
        self.assertEqual(vals["sync_invoice_state"], "invoiced")
        self.assertAlmostEqual(vals["sync_amount_due"], 100.0)
        self._ack_crm()
        # Use the payment's outstanding credit again (reconcile: partial create).
        credit = payment.move_id.line_ids.filtered(
            lambda l: l.account_id == invoice.line_ids.filtered(
                lambda t: t.display_type == "payment_term").account_id)
        invoice.js_assign_outstanding_line(credit.id)
        self.assertEqual(len(self._pending_status(order)), 1)
        self.assertEqual(self._invoicing(order)["sync_invoice_state"], "paid")
        self._ack_crm()
        # The payment is reset to draft. Odoo 18 unreconciles its entry: the invoice is
        # open again. Odoo 19 keeps the reconciliation (button_draft no longer calls
        # remove_move_reconcile): Odoo still counts the invoice as paid, and so does the CRM
        # (what is synced is the invoice's payment state as Odoo has it).
        payment.action_draft()
        self.assertEqual(payment.state, "draft")
        self.assertEqual(len(self._pending_status(order)), 1, "the payment's state changed")
        self.assertEqual(bool(invoice.line_ids.matched_credit_ids), ODOO19)
        self.assertEqual(invoice.payment_state, "paid" if ODOO19 else "not_paid")
        vals = self._invoicing(order)
        self.assertEqual(vals["sync_invoice_state"], "paid" if ODOO19 else "invoiced")
        self.assertAlmostEqual(vals["sync_amount_due"], 0.0 if ODOO19 else 100.0)
        self._ack_crm()
        # The draft payment is cancelled: its entry goes (19: with its reconciliation), the
        # invoice is open again on both series and the CRM is told.
        payment.action_cancel()
        # 18+: the payment's own state "canceled"; 17: its entry's state "cancel"
        states = dict(payment.fields_get(["state"])["state"]["selection"])
        self.assertEqual(payment.state, "canceled" if "canceled" in states else "cancel")
        self.assertFalse(invoice.line_ids.matched_credit_ids)
        self.assertEqual(invoice.payment_state, "not_paid")
        if "canceled" in states:
            self.assertEqual(len(self._pending_status(order)), 1, "the payment was cancelled")
            record = self._claimed_record(order)
        else:
            # Odoo 17: the payment is its journal entry; cancelling the draft entry changes
            # nothing the CRM sees (the reset to draft unreconciled it and told the CRM)
            self.assertFalse(self._pending_status(order), "nothing new for the CRM")
            record = self._invoicing(order)
        self.assertEqual(record["sync_invoice_state"], "invoiced")
        self.assertAlmostEqual(record["sync_amount_due"], 100.0)
        self.assertFalse(record["sync_paid_date"])

    def test_credit_note(self):
        order = self._confirmed()
        invoice = order._create_invoices()
        invoice.action_post()
        self._ack_crm()
        reversal = self.env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=invoice.ids).create(
            {"reason": "damaged", "journal_id": invoice.journal_id.id})
        reversal.refund_moves()
        refund = reversal_moves(invoice)
        self.assertEqual(refund.state, "draft")
        self.assertFalse(self._pending_status(order), "a draft credit note changes nothing")
        refund.action_post()
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(len(self._pending_status(order)), 1)
        record = self._claimed_record(order)
        self.assertEqual(record["sync_invoice_state"], "credited")
        self.assertEqual(record["sync_invoice_refs"], f"{invoice.name}, {refund.name}")
        self.assertAlmostEqual(record["sync_amount_invoiced"], 0.0)
        self.assertAlmostEqual(record["sync_amount_due"], 0.0)
        self.assertFalse(record["sync_invoice_due_date"])
        self.assertFalse(record["sync_paid_date"])

    def test_partial_credit_note_after_payment(self):
        """Paid in full, then 30 credited: 70 invoiced, the order stays paid and the 30
        owed back to the customer shows as a negative amount due."""
        order = self._confirmed()
        invoice = order._create_invoices()
        invoice.action_post()
        self._pay(invoice)
        self._ack_crm()
        refund = self.env["account.move"].create({
            "move_type": "out_refund",
            "partner_id": self.customer.id,
            "invoice_line_ids": [Command.create({
                "product_id": self.product.id, "quantity": 1, "price_unit": 30.0,
                "tax_ids": [Command.clear()],
                "sale_line_ids": [Command.set(order.order_line.ids)]})],
        })
        refund.action_post()
        self.assertEqual(len(self._pending_status(order)), 1)
        vals = self._invoicing(order)
        self.assertEqual(vals["sync_invoice_state"], "paid")
        self.assertAlmostEqual(vals["sync_amount_invoiced"], 70.0)
        self.assertAlmostEqual(vals["sync_amount_due"], -30.0)

    def test_reset_to_draft_and_cancel(self):
        order = self._confirmed()
        invoice = order._create_invoices()
        invoice.action_post()
        self._ack_crm()
        invoice.button_draft()
        self.assertEqual(len(self._pending_status(order)), 1, "reset to draft")
        vals = self._invoicing(order)
        self.assertEqual(vals["sync_invoice_state"], "not_invoiced")
        self.assertFalse(vals["sync_invoice_refs"])
        self.assertAlmostEqual(vals["sync_amount_invoiced"], 0.0)
        self._ack_crm()
        invoice.button_cancel()
        self.assertFalse(self._pending_status(order), "a draft cancelled was never in the CRM")
        invoice.button_draft()
        invoice.action_post()
        self._ack_crm()
        # A posted invoice cancelled directly (Cancel Entry: reset to draft then cancelled).
        invoice.button_cancel()
        self.assertEqual(invoice.state, "cancel")
        self.assertEqual(len(self._pending_status(order)), 1)
        self.assertEqual(self._invoicing(order)["sync_invoice_state"], "not_invoiced")

    def test_two_invoices(self):
        order = self._confirmed(lines=[(self.product, 2.0, 50.0), (self.gadget, 1.0, 30.0)])
        first = order._create_invoices()
        first.write({"invoice_line_ids": [Command.delete(line.id) for line in
                                          first.invoice_line_ids
                                          if line.product_id == self.gadget]})
        first.invoice_date = "2026-03-01"
        first.action_post()
        second = order._create_invoices()
        second.invoice_date = "2026-03-05"
        second.action_post()
        self.assertEqual(order.invoice_ids, first | second)
        self.assertEqual(len(self._pending_status(order)), 1, "both posts coalesce")
        vals = self._invoicing(order)
        self.assertEqual(vals["sync_invoice_state"], "invoiced")
        self.assertEqual(vals["sync_invoice_refs"], f"{first.name}, {second.name}")
        self.assertAlmostEqual(vals["sync_amount_invoiced"], 130.0)
        self.assertEqual(vals["sync_invoice_due_date"], first.invoice_date_due,
                         "the earliest open due date")
        self._ack_crm()
        self._pay(first, date="2026-03-10")
        self.assertEqual(len(self._pending_status(order)), 1)
        vals = self._invoicing(order)
        self.assertEqual(vals["sync_invoice_state"], "partial", "one of two invoices paid")
        self.assertAlmostEqual(vals["sync_amount_due"], 30.0)
        self.assertEqual(vals["sync_invoice_due_date"], second.invoice_date_due)
        self.assertFalse(vals["sync_paid_date"])
        self._ack_crm()
        self._pay(second, date="2026-03-20")
        self.assertEqual(len(self._pending_status(order)), 1)
        vals = self._invoicing(order)
        self.assertEqual(vals["sync_invoice_state"], "paid")
        self.assertEqual(vals["sync_paid_date"], fields.Date.to_date("2026-03-20"))

    def test_no_crm_target_no_event(self):
        self.crm.trigger_order_status = False
        order = self._confirmed()
        invoice = order._create_invoices()
        invoice.action_post()
        self._pay(invoice, amount=10.0)
        invoice.line_ids.filtered(lambda l: l.display_type == "payment_term").remove_move_reconcile()
        self.assertFalse(self._events(order, event_type="status"))
        self.assertEqual(self._invoicing(order)["sync_invoice_state"], "invoiced",
                         "the fields are there all the same")

    def test_skip_context(self):
        order = self._confirmed()
        invoice = order._create_invoices()
        invoice.with_context(sync_bridge_skip=True).action_post()
        self._pay(invoice, amount=10.0, sync_bridge_skip=True)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertFalse(self._pending_status(order))

    def test_in_payment_without_journal_entry(self):
        """With Accounting installed a payment may have no journal entry until the bank
        matches it (the invoice is In Payment through the payment's state, nothing is
        reconciled): registering and validating it write the status event."""
        if "action_reject" not in dir(self.env["account.payment"]):
            self.skipTest("Odoo 17: every payment has its journal entry (no payment without one, "
                          "no In Payment through the payment's state, no payment rejection)")
        move_cls = type(self.env["account.move"])
        with patch.object(move_cls, "_get_invoice_in_payment_state",
                          lambda self: "in_payment"):
            order = self._confirmed()
            invoice = order._create_invoices()
            invoice.action_post()
            self._ack_crm()
            payment = self._pay(invoice, date="2026-04-01")
            self.assertFalse(payment.move_id, "no journal entry: nothing reconciled")
            self.env.flush_all()
            self.assertEqual(invoice.payment_state, "in_payment")
            self.assertEqual(len(self._pending_status(order)), 1)
            vals = self._invoicing(order)
            self.assertEqual(vals["sync_invoice_state"], "in_payment")
            self.assertAlmostEqual(vals["sync_amount_due"], 0.0)
            self.assertEqual(vals["sync_paid_date"], fields.Date.to_date("2026-04-01"))
            self._ack_crm()
            payment.action_reject()
            self.env.flush_all()
            self.assertEqual(len(self._pending_status(order)), 1, "payment state change")
            self.assertEqual(self._invoicing(order)["sync_invoice_state"], "invoiced")
