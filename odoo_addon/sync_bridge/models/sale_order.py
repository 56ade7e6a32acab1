# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models

from .sync_milestone import MILESTONES

ORDER_AMEND_FIELDS = {"commitment_date", "partner_shipping_id"}

# The order's invoicing as the CRM shows it (sync_invoice_state), from its posted customer
# invoices and credit notes: nothing posted; posted with nothing paid; partly paid; paid but the
# payment not yet matched with the bank (Odoo's "In Payment", with Accounting); paid; everything
# invoiced was credited again. The mappings' value maps list the same keys (parity test).
INVOICE_STATES = [
    ("not_invoiced", "Not Invoiced"),
    ("invoiced", "Invoiced"),
    ("partial", "Partially Paid"),
    ("in_payment", "In Payment"),
    ("paid", "Paid"),
    ("credited", "Credited"),
]
# Odoo payment states of an invoice whose amount is settled (paid, or registered and awaiting
# the bank: its residual may still show the full amount when the payment has no journal entry).
SETTLED_PAYMENT_STATES = ("paid", "in_payment", "reversed")


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "sync.status.mixin"]

    sync_credit_state = fields.Selection(
        [("none", "Not gated"), ("hold", "On credit hold"), ("approved", "Approved"),
         ("cleared", "Hold lifted")],
        string="Sync Credit Gate",
        default="none",
        copy=False,
        readonly=True,
        tracking=True,
    )
    sync_credit_approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    sync_credit_approved_at = fields.Datetime(readonly=True, copy=False)
    sync_crm_fingerprint = fields.Char(
        copy=False, readonly=True,
        help="Hash of the CRM quote last applied to this order (inbound sale_order).",
    )
    sync_release_round = fields.Integer(
        string="WMS Release Round", default=0, copy=False, readonly=True,
        help="How many times this order was released to the WMS again after a release was "
        "cancelled (cancel, back to quotation, confirm again).",
    )
    sync_wms_ref = fields.Char(
        string="WMS Reference", compute="_compute_sync_wms_ref",
        help="The reference the WMS knows this order by: the order number, with -2, -3... "
        "when it was released again after a cancel (a WMS does not take a reference twice).",
    )
    sync_carrier = fields.Char(compute="_compute_sync_tracking", string="Carrier (WMS)")
    sync_tracking_ref = fields.Char(
        compute="_compute_sync_tracking", string="Tracking References (WMS)"
    )
    sync_tracking_url = fields.Char(compute="_compute_sync_tracking", string="Tracking URL (WMS)")

    sync_milestone_ids = fields.One2many("sync.milestone", "order_id", string="Fulfilment Timeline",
                                         readonly=True)
    sync_fulfilment_status = fields.Selection(
        MILESTONES, string="Fulfilment Status", compute="_compute_sync_fulfilment",
        store=True, help="Latest fulfilment milestone reported by the WMS / carrier.",
    )
    sync_fulfilment_at = fields.Datetime(
        string="Fulfilment Status Time", compute="_compute_sync_fulfilment", store=True)
    sync_delivered_at = fields.Datetime(
        string="Delivered At (proof)", compute="_compute_sync_fulfilment", store=True)
    sync_delivery_proof = fields.Char(
        string="Proof of Delivery", compute="_compute_sync_fulfilment", store=True)

    sync_invoice_state = fields.Selection(
        INVOICE_STATES, string="Invoicing (Sync)", compute="_compute_sync_invoicing",
        compute_sudo=True,
        help="Invoicing of the order as the CRM shows it, from its posted customer invoices "
        "and credit notes: Not Invoiced (none posted), Invoiced (nothing paid yet), Partially "
        "Paid, In Payment (paid, payment not yet matched with the bank), Paid, Credited "
        "(everything invoiced was credited again).",
    )
    sync_invoice_refs = fields.Char(
        string="Invoices (Sync)", compute="_compute_sync_invoicing", compute_sudo=True,
        help="Numbers of the order's posted invoices and credit notes.",
    )
    sync_amount_invoiced = fields.Monetary(
        string="Amount Invoiced (Sync)", compute="_compute_sync_invoicing", compute_sudo=True,
        currency_field="currency_id",
        help="Posted invoices minus posted credit notes, in the order's currency.",
    )
    sync_amount_due = fields.Monetary(
        string="Amount Due (Sync)", compute="_compute_sync_invoicing", compute_sudo=True,
        currency_field="currency_id",
        help="What the customer still owes on the posted invoices, minus open credit notes "
        "(negative: credit not yet refunded), in the order's currency. A payment awaiting "
        "the bank counts as paid.",
    )
    sync_invoice_due_date = fields.Date(
        string="Invoice Due Date (Sync)", compute="_compute_sync_invoicing", compute_sudo=True,
        help="Earliest due date of what is still open on the order's invoices.",
    )
    sync_paid_date = fields.Date(
        string="Paid On (Sync)", compute="_compute_sync_invoicing", compute_sudo=True,
        help="When the order is Paid / In Payment: the date of the last payment or credit "
        "note applied to its invoices.",
    )

    @api.depends("sync_milestone_ids.milestone", "sync_milestone_ids.occurred_at", "sync_milestone_ids.step")
    def _compute_sync_fulfilment(self):
        # Same time (WMS timestamps have seconds): the later step wins, not the later
        # arrival (a polled "shipped" may come after the webhook's "delivered").
        for order in self:
            latest = order.sync_milestone_ids.sorted(
                lambda m: (m.occurred_at, m.step, m.id), reverse=True)[:1]
            order.sync_fulfilment_status = latest.milestone or False
            order.sync_fulfilment_at = latest.occurred_at or False
            delivered = order.sync_milestone_ids.filtered(
                lambda m: m.milestone == "delivered").sorted(
                lambda m: (m.occurred_at, m.id), reverse=True)[:1]
            order.sync_delivered_at = delivered.delivered_at or delivered.occurred_at or False
            proof = [p for p in (delivered.carrier_event, delivered.signed_by and
                                 _("signed by %s", delivered.signed_by),
                                 delivered.delivery_location) if p]
            order.sync_delivery_proof = " - ".join(proof) or False

    @api.depends("name", "sync_release_round")
    def _compute_sync_wms_ref(self):
        for order in self:
            order.sync_wms_ref = (f"{order.name}-{order.sync_release_round + 1}"
                                  if order.sync_release_round else order.name)

    @api.depends("order_line.invoice_lines.move_id.state",
                 "order_line.invoice_lines.move_id.payment_state",
                 "order_line.invoice_lines.move_id.amount_residual", "currency_id")
    def _compute_sync_invoicing(self):
        for order in self:
            moves = order.invoice_ids.filtered(
                lambda m: m.state == "posted" and m.move_type in ("out_invoice", "out_refund")
            ).sorted(lambda m: (m.invoice_date or m.date, m.id))
            vals = order._sync_invoicing_values(moves)
            for name, value in vals.items():
                order[name] = value

    def _sync_invoicing_values(self, moves):
        """Invoicing fields of this order from its posted customer invoices / credit
        notes `moves` (see INVOICE_STATES)."""
        self.ensure_one()
        currency = self.currency_id
        invoiced = due = 0.0
        open_dates, paid_dates = [], []
        for move in moves:
            sign = -1 if move.move_type == "out_refund" else 1
            invoiced += sign * self._sync_order_amount(move, move.amount_total,
                                                       move.amount_total_signed)
            terms = move.line_ids.filtered(lambda line: line.display_type == "payment_term")
            if move.payment_state in SETTLED_PAYMENT_STATES:
                # 18+: payments without a journal entry (17 has none: every payment is a
                # journal entry, found below through the reconciliations)
                paid_dates += [p.date for p in move["matched_payment_ids"]
                               if p.date and p.state in ("in_process", "paid")
                               ] if "matched_payment_ids" in move._fields else []
            else:
                due += sign * self._sync_order_amount(move, move.amount_residual,
                                                      move.amount_residual_signed)
                if sign > 0:
                    open_dates += [line.date_maturity for line in terms
                                   if not line.reconciled and line.date_maturity]
            # the payments / credit notes applied to it: the other side of its reconciliations
            applied = (terms.matched_debit_ids.debit_move_id
                       | terms.matched_credit_ids.credit_move_id) - terms
            paid_dates += [d for d in applied.mapped("date") if d]
        if not moves:
            state = "not_invoiced"
        elif currency.compare_amounts(invoiced, 0.0) <= 0:
            state = "credited"
        elif currency.compare_amounts(due, 0.0) <= 0:
            state = ("in_payment" if "in_payment" in moves.mapped("payment_state")
                     else "paid")
        elif currency.compare_amounts(due, invoiced) < 0:
            state = "partial"
        else:
            state = "invoiced"
        return {
            "sync_invoice_state": state,
            "sync_invoice_refs": ", ".join(moves.mapped("name")) or False,
            "sync_amount_invoiced": currency.round(invoiced),
            "sync_amount_due": currency.round(due),
            "sync_invoice_due_date": min(open_dates) if open_dates and state in (
                "invoiced", "partial") else False,
            "sync_paid_date": max(paid_dates) if paid_dates and state in (
                "paid", "in_payment") else False,
        }

    def _sync_order_amount(self, move, amount, amount_company_signed):
        """`amount` of `move` (in its currency) in this order's currency; converted from
        the company-currency amount at the invoice date when the currencies differ."""
        if move.currency_id == self.currency_id:
            return amount
        return move.company_currency_id._convert(
            abs(amount_company_signed), self.currency_id, move.company_id,
            move.invoice_date or move.date)

    def _compute_sync_tracking(self):
        for order in self:
            shipped = order.picking_ids.filtered(
                lambda p: p.sync_tracking_ref and p.picking_type_code == "outgoing"
            ).sorted("date_done", reverse=True)
            order.sync_carrier = shipped[:1].sync_carrier or False
            order.sync_tracking_ref = ", ".join(dict.fromkeys(shipped.mapped("sync_tracking_ref"))) or False
            order.sync_tracking_url = shipped[:1].sync_tracking_url or False

    def _sync_dependency_keys(self):
        """The customer (its company too), the ship-to address and the products
        of the lines: what a WMS or CRM needs before it takes the order."""
        self.ensure_one()
        order = self.sudo()
        partners = (order.partner_id | order.partner_id.commercial_partner_id
                    | order.partner_shipping_id)
        return self._sync_keys_of(partners, order.order_line.product_id)

    # -- targets --------------------------------------------------------
    def _sync_wms_targets(self, trigger, release_on="order_confirm"):
        self.ensure_one()
        return self.env["sync.target"]._get_for(
            trigger, self.company_id, kinds=["wms"], release_on=release_on,
            warehouse=self.warehouse_id,
        )

    def _compute_sync_status(self):
        """Also say why a confirmed order has no release yet for a WMS that waits
        for ready deliveries: *Waiting for stock* with the deliveries concerned
        (credit holds show in their own field)."""
        res = super()._compute_sync_status()
        Event = self.env["sync.event"].sudo()
        for order in self.filtered(lambda o: o.id and o.state == "sale"
                                   and o.sync_credit_state != "hold"):
            waiting = order.picking_ids._sync_outgoing().filtered(
                lambda p: p.state in ("waiting", "confirmed"))
            parts = []
            for picking in waiting:
                for target in picking._sync_wms_targets("release").filtered(
                        lambda t: not Event._release_state(t, picking)):
                    parts.append(_("%(target)s: Waiting for stock (%(picking)s not ready)",
                                   target=target.name, picking=picking.name))
            if parts:
                order.sync_status_detail = "; ".join(
                    [p for p in (order.sync_status_detail or "").split("; ") if p] + parts)
        return res

    # -- credit gating ----------------------------------------------------
    def _sync_credit_block_reason(self):
        """Why this order must not be released (credit hold / limit), or False."""
        self.ensure_one()
        order = self.sudo()  # credit fields are restricted to accounting groups
        partner = order.partner_id.commercial_partner_id.with_company(order.company_id)
        if partner.sync_credit_hold:
            return _("Customer %s is on credit hold.", partner.display_name)
        company = order.company_id
        if not company.account_use_credit_limit or not partner.credit_limit:
            return False
        partner.invalidate_recordset(["credit", "credit_to_invoice"])
        # credit_to_invoice counts confirmed orders (this one included once
        # confirmed): count this order at its full amount instead.
        own = order.amount_to_invoice if order.state == "sale" else 0.0
        current = order.amount_total - own
        if order.currency_id != company.currency_id:
            current = order.currency_id._convert(
                current, company.currency_id, company, fields.Date.context_today(self)
            )
        exposure = partner.credit + partner.credit_to_invoice + current
        if exposure > partner.credit_limit:
            return _(
                "Customer %(partner)s is over its credit limit (%(exposure).2f > %(limit).2f).",
                partner=partner.display_name,
                exposure=exposure,
                limit=partner.credit_limit,
            )
        return False

    def _sync_credit_allows_release(self, targets):
        """True if the order may be released to `targets` now; else put it on
        hold with a visible credit_hold exception."""
        self.ensure_one()
        if self.sync_credit_state == "approved" or not any(targets.mapped("credit_gating")):
            return True
        reason = self._sync_credit_block_reason()
        if not reason:
            return True
        if self.sync_credit_state != "hold":
            self.sudo().sync_credit_state = "hold"
        self.env["sync.exception"].sudo()._raise_exception(
            "credit_hold", reason, model=self._name, res_id=self.id, company=self.company_id
        )
        return False

    def action_sync_approve_credit(self):
        """Sync manager approves the release of orders held for credit."""
        self.env["sync.event"]._check_manager()
        now = fields.Datetime.now()
        for order in self.filtered(lambda o: o.sync_credit_state == "hold"):
            order.sudo().write(
                {
                    "sync_credit_state": "approved",
                    "sync_credit_approved_by_id": self.env.uid,
                    "sync_credit_approved_at": now,
                }
            )
            order._sync_resolve_credit_hold()
            order.message_post(
                body=_("Release approved despite credit hold by %s.", self.env.user.name),
                subtype_xmlid="mail.mt_note",
            )
            order._sync_release_now()
        return True

    def _sync_recheck_credit(self):
        """Orders on credit hold whose customer is no longer blocked (credit hold
        unticked, limit raised, invoices paid) are released: state *Hold lifted*,
        their credit_hold exception resolved, a note on the order. Orders still
        blocked stay on hold (their exception is not duplicated). Returns the
        released orders."""
        released = self.browse()
        for order in self.filtered(lambda o: o.state == "sale" and o.sync_credit_state == "hold"):
            if order._sync_credit_block_reason():
                continue
            order.sudo().sync_credit_state = "cleared"
            order._sync_resolve_credit_hold()
            order.message_post(
                body=_("Credit hold lifted: the order is released to the warehouse."),
                subtype_xmlid="mail.mt_note",
            )
            order._sync_release_now()
            released |= order
        return released

    @api.model
    def _cron_sync_recheck_credit(self, limit=500):
        """Cron: re-check the orders on credit hold (payments and limit changes
        do not touch the order), oldest first, at most `limit` per run."""
        orders = self.sudo().search([("state", "=", "sale"), ("sync_credit_state", "=", "hold")],
                                    order="id", limit=limit)
        return len(orders._sync_recheck_credit())

    def _sync_resolve_credit_hold(self):
        excs = self.env["sync.exception"].sudo().search(
            [("state", "=", "open"), ("category", "=", "credit_hold"),
             ("model", "=", self._name), ("res_id", "in", self.ids)]
        )
        excs.write({"state": "resolved", "resolved_at": fields.Datetime.now(),
                    "resolved_by_id": self.env.uid})

    # -- events -------------------------------------------------------------
    def _sync_enqueue_release(self):
        """Release events of the confirmed orders for the WMS targets that
        have not had them yet, when the orders' credit allows a release.

        An order cancelled after its release and confirmed again is released
        again, under a new reference (sync_wms_ref: SO042-2): the WMS keeps the
        cancelled order under the first one. The new release waits behind the
        cancel (events of an aggregate go out in order), so the WMS never has
        two live orders for it."""
        Event = self.env["sync.event"].sudo()
        for order in self.filtered(lambda o: o.state == "sale"):
            wms = order._sync_wms_targets("release")
            fresh = wms.filtered(lambda t: not Event._release_state(t, order))
            again = (wms - fresh).filtered(lambda t: Event._cancelled_since_release(t, order))
            targets = fresh | again
            if not targets or not order._sync_credit_allows_release(targets):
                continue
            if again:
                order.sudo().sync_release_round += 1
                order.message_post(
                    body=_("Released again to %(targets)s as %(ref)s: the previous release "
                           "was cancelled there.", targets=", ".join(again.mapped("name")),
                           ref=order.sync_wms_ref),
                    subtype_xmlid="mail.mt_note",
                )
            for target in targets:
                Event._enqueue(target, "release", order)

    def _sync_release_now(self):
        for order in self.filtered(lambda o: o.state == "sale"):
            order._sync_enqueue_release()
            order.picking_ids._sync_release_ready()

    def _sync_amend(self):
        Event = self.env["sync.event"].sudo()
        for order in self.filtered(lambda o: o.state == "sale"):
            for target in order._sync_wms_targets("amend"):
                Event._enqueue_amend(target, order)
            # deliveries released to picking_ready targets follow their order
            order.picking_ids._sync_amend()
        self._sync_status_event()

    def _sync_status_event(self):
        Event = self.env["sync.event"].sudo()
        for order in self:
            for target in self.env["sync.target"]._get_for(
                "status", order.company_id, kinds=["crm"]
            ):
                Event._enqueue(target, "status", order)

    def action_confirm(self):
        res = super().action_confirm()
        self._sync_enqueue_release()
        self._sync_resolve_pricing()
        return res

    def _sync_resolve_pricing(self):
        """Confirming an order accepts its prices: its open pricing exceptions (CRM price
        differing from the pricelist) are resolved, their to-dos done."""
        excs = self.env["sync.exception"].sudo().search([
            ("state", "=", "open"), ("category", "=", "pricing"),
            ("model", "=", "sale.order"), ("res_id", "in", self.ids),
        ])
        excs.write({"state": "resolved", "resolved_at": fields.Datetime.now(),
                    "resolved_by_id": self.env.uid})

    def _action_cancel(self):
        res = super()._action_cancel()
        Event = self.env["sync.event"].sudo()
        for order in self:
            for target in order._sync_wms_targets("cancel"):
                Event._enqueue_cancel(target, order)
        self._sync_resolve_credit_hold()
        return res

    def write(self, vals):
        res = super().write(vals)
        if "state" in vals:
            self._sync_status_event()
        if ORDER_AMEND_FIELDS.intersection(vals):
            self._sync_amend()
        return res
