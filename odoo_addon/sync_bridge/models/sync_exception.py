# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..compat import check_access

CATEGORIES = [
    ("mapping", "Mapping"),
    ("validation", "Validation"),
    ("rejected", "Rejected by target"),
    ("unavailable", "Target unavailable"),
    ("conflict", "Conflict"),
    ("credit_hold", "Credit hold"),
    ("stock_discrepancy", "Stock discrepancy"),
    ("fulfilment", "Fulfilment (WMS exception / hold)"),
    ("pricing", "Pricing (CRM price differs from the pricelist)"),
    ("internal", "Internal"),
]


class SyncException(models.Model):
    _name = "sync.exception"
    _description = "Sync Exception"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"

    name = fields.Char(compute="_compute_name", store=True)
    category = fields.Selection(CATEGORIES, required=True, tracking=True)
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved"), ("ignored", "Ignored")],
        default="open",
        required=True,
        tracking=True,
    )
    target_id = fields.Many2one("sync.target", ondelete="cascade", index=True)
    event_id = fields.Many2one("sync.event", ondelete="set null", index=True)
    event_state = fields.Selection(related="event_id.state", string="Event State")
    model = fields.Char(index=True)
    res_id = fields.Integer()
    record_ref = fields.Reference(
        selection="_selection_record_ref", compute="_compute_record_ref", string="Record"
    )
    message = fields.Text()
    details = fields.Text()
    error_class = fields.Char()
    occurrences = fields.Integer(default=1, readonly=True)
    last_seen_at = fields.Datetime(default=fields.Datetime.now, readonly=True)
    user_id = fields.Many2one("res.users", string="Assigned to", tracking=True)
    resolved_by_id = fields.Many2one("res.users", readonly=True)
    resolved_at = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", index=True)
    inbound_message_id = fields.Many2one(
        "sync.inbound.message", ondelete="set null", index=True, readonly=True
    )
    # -- reconciliation ---------------------------------------------------
    recon_key = fields.Char(
        "Discrepancy Key", readonly=True, index=True,
        help="Set on exceptions raised by a reconciliation: the stable key of the "
        "discrepancy (e.g. inventory:<sku>:<location>:<lot>). One open exception per "
        "target, job and key. Also set (without a job) on the conflict a contact merge "
        "leaves: partner_merge:<the second record's external id>.",
    )
    recon_job = fields.Selection(
        [("inventory", "Inventory"), ("open_orders", "Open orders"),
         ("master_data", "Master data")],
        string="Reconciliation Job", readonly=True,
    )
    recon_run_id = fields.Many2one(
        "sync.reconciliation", string="Last Reconciliation", readonly=True, ondelete="set null",
        help="The last reconciliation run that reported this discrepancy.",
    )
    recon_line_id = fields.Many2one(
        "sync.reconciliation.line", string="Last Reconciliation Line", readonly=True,
        ondelete="set null",
    )
    recon_resolved_run_id = fields.Many2one(
        "sync.reconciliation", string="Closed by Reconciliation", readonly=True,
        ondelete="set null", index=True,
    )
    can_apply_wms_quantity = fields.Boolean(compute="_compute_can_apply_wms_quantity")
    recon_stage = fields.Char(
        "Reconciliation Stage", compute="_compute_recon_stage",
        help="The stage of an open-orders discrepancy (e.g. unacknowledged), from its details.",
    )
    can_resend_release = fields.Boolean(compute="_compute_recon_stage")
    # -- routing (sync.exception.rule) -------------------------------------
    reason_code = fields.Char(
        readonly=True, help="Machine reason of the exception, e.g. 'substitution'.")
    wms_status = fields.Char(
        "WMS Status", readonly=True,
        help="Exception / hold reason reported by the WMS (fulfilment milestones).")
    rule_id = fields.Many2one("sync.exception.rule", string="Routed by", readonly=True,
                              ondelete="set null")
    assigned_group_id = fields.Many2one("res.groups", string="Assigned Team", readonly=True,
                                        ondelete="set null")
    activity_id = fields.Many2one(
        "mail.activity", string="Follow-up Activity", readonly=True, ondelete="set null",
        help="The to-do scheduled for the assignee (on the order / product / partner when it "
        "takes activities, else on the exception); marked done when the exception is closed.",
    )

    def init(self):
        # one open exception per record, target, category and discrepancy key
        # (reconciliation keys: a product may have discrepancies in several
        # locations). Replaces sync_exception_open_uniq of 18.0.1.1.0.
        self.env.cr.execute("DROP INDEX IF EXISTS sync_exception_open_uniq")
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS sync_exception_open_key_uniq
                ON sync_exception (category, model, res_id, COALESCE(target_id, 0),
                                   COALESCE(recon_key, ''))
             WHERE state = 'open'
            """
        )

    @api.depends("category", "state", "recon_line_id")
    def _compute_can_apply_wms_quantity(self):
        for exc in self:
            line = exc.recon_line_id
            exc.can_apply_wms_quantity = bool(
                exc.state == "open" and exc.category == "stock_discrepancy"
                and exc.recon_job == "inventory" and line and line.location_id
                and line.model == "product.product" and line.res_id
            )

    @api.depends("details", "recon_job", "state", "model")
    def _compute_recon_stage(self):
        for exc in self:
            stage = False
            if exc.recon_job and exc.details:
                try:
                    details = json.loads(exc.details)
                except ValueError:
                    details = None
                if isinstance(details, dict) and isinstance(details.get("stage"), str):
                    stage = details["stage"]
            exc.recon_stage = stage
            exc.can_resend_release = bool(
                exc.state == "open" and exc.recon_job == "open_orders"
                and stage == "unacknowledged" and exc.model == "sale.order" and exc.res_id
            )

    @api.model
    def _selection_record_ref(self):
        return self.env["sync.event"]._selection_record_ref()

    @api.depends("model", "res_id")
    def _compute_record_ref(self):
        Event = self.env["sync.event"]
        for exc in self:
            exc.record_ref = Event._record_ref_value(exc.model, exc.res_id)

    @api.depends("category", "model", "res_id", "target_id")
    def _compute_name(self):
        labels = dict(CATEGORIES)
        for exc in self:
            exc.name = "%s: %s,%s%s" % (
                labels.get(exc.category, ""),
                exc.model or "",
                exc.res_id or "",
                exc.target_id and " (%s)" % exc.target_id.code or "",
            )

    @api.model
    def _raise_exception(self, category, message, model=None, res_id=None, target=None,
                         event=None, details=None, error_class=None, company=None,
                         reason_code=None, wms_status=None):
        """Open an exception, or update the open one for the same record,
        target and category (no duplicates)."""
        target = target or self.env["sync.target"]
        existing = self.search(
            [
                ("state", "=", "open"),
                ("category", "=", category),
                ("model", "=", model or False),
                ("res_id", "=", res_id or 0),
                ("target_id", "=", target.id),
                ("recon_key", "=", False),
            ],
            limit=1,
        )
        vals = {
            "message": message,
            "details": details or False,
            "error_class": error_class or False,
            "last_seen_at": fields.Datetime.now(),
        }
        if event:
            vals["event_id"] = event.id
        if reason_code:
            vals["reason_code"] = reason_code
        if wms_status:
            vals["wms_status"] = wms_status
        if existing:
            vals["occurrences"] = existing.occurrences + 1
            existing.write(vals)
            return existing
        if not company and model in self.env and res_id:
            record = self.env[model].browse(res_id).exists()
            if record and "company_id" in record._fields:
                company = record.company_id
        vals.update(
            category=category,
            model=model or False,
            res_id=res_id or 0,
            target_id=target.id,
            company_id=(target.company_id or company or self.env["res.company"]).id,
        )
        return self.create(vals)

    @api.model
    def _auto_resolve(self, event):
        """An event was delivered: its record's open errors for that target are over.
        Reconciliation discrepancies stay open (the next run closes them), except
        master-data drift once the record was upserted again."""
        domain = [
            ("state", "=", "open"),
            ("target_id", "=", event.target_id.id),
            ("model", "=", event.model),
            ("res_id", "=", event.res_id),
            ("category", "!=", "credit_hold"),
        ]
        if event.event_type == "upsert":
            domain += ["|", ("recon_key", "=", False), ("recon_job", "=", "master_data")]
        else:
            domain.append(("recon_key", "=", False))
        excs = self.search(domain)
        excs.write({"state": "resolved", "resolved_at": fields.Datetime.now(),
                    "resolved_by_id": self.env.uid})

    def _sale_order(self):
        """The sale order the exception is about (order, or the delivery's order)."""
        self.ensure_one()
        record = self._business_record()
        if record and record._name == "sale.order":
            return record
        if record and record._name == "stock.picking":
            return record.sale_id
        return self.env["sale.order"]

    def _business_record(self):
        self.ensure_one()
        if self.model in self.env and self.res_id:
            return self.env[self.model].browse(self.res_id).exists()
        return None

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records.filtered("user_id")._schedule_activity()
        self.env["sync.exception.rule"].sudo()._route(records.filtered(lambda e: not e.user_id))
        # reconciliation / SLA and fulfilment (WMS hold / exception) exceptions no rule
        # routed: the default responsible
        records.filtered(lambda e: not e.user_id and (
            e.recon_key or e.category == "fulfilment"))._assign_default()
        return records

    def write(self, vals):
        closing = self.filtered(lambda e: e.state == "open") if vals.get("state") in (
            "resolved", "ignored") else self.browse()
        res = super().write(vals)
        if vals.get("user_id"):
            self._schedule_activity()
        elif vals.get("inbound_message_id"):
            # an inbound message (WMS shipment, return, receipt, CRM quote) Odoo could not
            # apply: someone must act on it; no rule routed it at creation
            self.filtered(lambda e: e.state == "open" and not e.user_id)._assign_default()
        if closing:
            closing._close_activity()
        return res

    def _grouped_follow_up(self):
        """Stock discrepancies of a reconciliation run share one to-do per assignee and
        target: a first inventory run can report hundreds of them."""
        self.ensure_one()
        return self.category == "stock_discrepancy" and bool(self.recon_key) and bool(self.target_id)

    def _open_sharing(self, activity):
        """Open exceptions (other than these) whose to-do is `activity`."""
        return self.sudo().search([("activity_id", "=", activity.id), ("state", "=", "open"),
                                   ("id", "not in", self.ids)])

    def _schedule_grouped_activity(self):
        self.ensure_one()
        current = self.activity_id.sudo().exists().filtered("active")
        if current and current.user_id == self.user_id:
            return
        if current:  # reassigned: leave the group of the previous assignee
            self.sudo().activity_id = False
            self._refresh_group(current)
        peer = self.sudo().search([("id", "!=", self.id), ("state", "=", "open"),
                                   ("category", "=", "stock_discrepancy"),
                                   ("recon_key", "!=", False),
                                   ("target_id", "=", self.target_id.id),
                                   ("user_id", "=", self.user_id.id),
                                   ("activity_id", "!=", False)], limit=1)
        activity = peer.activity_id.sudo().exists().filtered("active")
        if not activity:
            activity = self.target_id.sudo().activity_schedule(
                "mail.mail_activity_data_todo", user_id=self.user_id.id,
                summary=_("Stock discrepancies to review (%s)", self.target_id.name))
        self.sudo().activity_id = activity
        self._refresh_group(activity)

    def _refresh_group(self, activity):
        """Keep a shared to-do's note current; done when its last exception closed."""
        open_excs = self.browse()._open_sharing(activity)
        if not open_excs:
            activity.action_feedback(feedback=_("All stock discrepancies of this to-do are closed."))
            return
        activity.note = _(
            "%(count)s open stock discrepancies of %(target)s are assigned to you "
            "(Integration > Exceptions, category Stock discrepancy): %(names)s",
            count=len(open_excs), target=open_excs[0].target_id.name,
            names=", ".join(open_excs[:20].mapped("name")) + (" …" if len(open_excs) > 20 else ""))

    def _schedule_activity(self):
        """One to-do for the assignee per exception (a second assignment moves it); stock
        discrepancies share one per assignee and target."""
        for exc in self:
            if exc._grouped_follow_up():
                exc._schedule_grouped_activity()
                continue
            activity = exc.activity_id.sudo().exists().filtered("active")
            if activity:
                if activity.user_id != exc.user_id:
                    activity.user_id = exc.user_id
                continue
            record = exc._business_record()
            target = record if record and hasattr(record, "activity_schedule") else exc
            activity = target.sudo().activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=exc.user_id.id,
                summary=_("Sync exception: %s", exc.name),
                note=exc.message or "",
            )
            exc.sudo().activity_id = activity

    def _close_activity(self):
        """The exception is closed: its to-do is done (with how it was closed)."""
        for exc in self:
            activity = exc.activity_id.sudo().exists().filtered("active")
            if not activity:
                continue
            if exc._grouped_follow_up():
                exc._refresh_group(activity)
                continue
            states = dict(self._fields["state"].selection)
            activity.action_feedback(feedback=_("Exception %(name)s %(state)s.", name=exc.name,
                                                state=states.get(exc.state, exc.state).lower()))

    def _default_responsible(self):
        """(user, group) following up an exception no rule routed: the salesperson of
        its sale order, else the buyer of its purchase (receipts), else the target's
        responsible, else the least loaded member of the target's responsible team
        (default: the Sync managers)."""
        self.ensure_one()
        Users = self.env["res.users"]
        order = self._sale_order()
        candidates = [order.user_id] if order else []
        record = self._business_record()
        if record and record._name == "stock.picking" and "purchase_id" in record._fields:
            candidates.append(record.purchase_id.user_id)
        candidates.append(self.target_id.responsible_user_id)
        for user in candidates:
            if user and user.active and not user.share:
                return user, self.env["res.groups"]
        group = self.target_id.responsible_group_id or self.env.ref(
            "sync_bridge.group_sync_manager", raise_if_not_found=False)
        if not group:
            return Users, self.env["res.groups"]
        return self.env["sync.exception.rule"]._least_loaded(group), group

    def _assign_default(self):
        for exc in self:
            user, group = exc._default_responsible()
            if user:
                exc.sudo().write({"user_id": user.id, "assigned_group_id": group.id or False})

    def _check_manager(self):
        self.env["sync.event"]._check_manager()

    def action_retry(self):
        """Re-queue the failed/dead events of these exceptions."""
        self._check_manager()
        if all(exc.category == "credit_hold" for exc in self):
            raise UserError(_("Credit holds are released by approving the sale order."))
        events = self.env["sync.event"].sudo()
        for exc in self.filtered(lambda e: e.category != "credit_hold"):
            events |= exc.event_id
            events |= events.search(
                [
                    ("target_id", "=", exc.target_id.id),
                    ("model", "=", exc.model),
                    ("res_id", "=", exc.res_id),
                    ("state", "in", ("failed", "dead")),
                ]
            )
        events.filtered(lambda e: e.state in ("failed", "dead"))._requeue(reset_attempts=True)
        self.inbound_message_id.action_reprocess()
        for exc in self:
            exc.message_post(body=_("Related events re-queued."), subtype_xmlid="mail.mt_note")
        return True

    def action_ignore(self):
        self._check_manager()
        self.write({"state": "ignored", "resolved_at": fields.Datetime.now(),
                    "resolved_by_id": self.env.uid})
        return True

    def action_resolve(self):
        self._check_manager()
        pricing = self.filtered(lambda e: e.state == "open" and e.category == "pricing")
        self.write({"state": "resolved", "resolved_at": fields.Datetime.now(),
                    "resolved_by_id": self.env.uid})
        pricing._confirm_priced_orders()
        return True

    def _confirm_priced_orders(self):
        """A Sync manager resolved pricing exceptions: the order's prices are accepted as
        they are and, when its CRM target confirms CRM orders, the order the sync held
        back is confirmed now (as the sync would have done)."""
        for exc in self.sudo():
            order = exc._sale_order()
            if not (order and exc.target_id.confirm_crm_orders
                    and order.state in ("draft", "sent")):
                continue
            order.action_confirm()
            order.message_post(body=_("Prices accepted by %(user)s (exception %(exc)s): "
                                      "order confirmed.", user=self.env.user.name,
                                      exc=exc.name), subtype_xmlid="mail.mt_note")

    def action_apply_wms_quantity(self):
        """Sync manager approves a reconciliation stock discrepancy: opens the wizard
        asking the reason of the inventory adjustment (sync.stock.adjustment.wizard)."""
        self._check_manager()
        self._check_can_apply_wms_quantity()
        return {
            "type": "ir.actions.act_window",
            "name": _("Apply WMS quantity"),
            "res_model": "sync.stock.adjustment.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_exception_ids": [Command.set(self.ids)]},
        }

    def _check_can_apply_wms_quantity(self):
        for exc in self:
            if not exc.can_apply_wms_quantity:
                raise UserError(_("%s is not an open stock discrepancy found by an inventory "
                                  "reconciliation.", exc.name))

    def _apply_wms_quantity(self, reason):
        """Odoo's on-hand quantity in the mapped location becomes the WMS figure
        (an inventory adjustment carrying the manager's `reason`), then the exception
        is resolved."""
        self._check_manager()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(_("Give the reason of the inventory adjustment."))
        self._check_can_apply_wms_quantity()
        for exc in self:
            line = exc.recon_line_id
            before, diff = line._apply_wms_quantity(
                _("%(reason)s (reconciliation %(run)s)", reason=reason, run=line.run_id.name))
            note = _("WMS quantity %(qty)s applied in %(loc)s%(lot)s by %(user)s (Odoo had "
                     "%(before)s, adjustment %(diff)s). Reason: %(reason)s",
                     qty=line.qty_target, loc=line.location_id.display_name,
                     lot=" / %s" % line.lot if line.lot else "", user=self.env.user.name,
                     before=before, diff=diff, reason=reason)
            exc.sudo().write({"state": "resolved", "resolved_at": fields.Datetime.now(),
                              "resolved_by_id": self.env.uid,
                              "message": "%s\n%s" % (exc.message or "", note)})
            exc.sudo().message_post(body=note, subtype_xmlid="mail.mt_note")
        return True

    def action_resend_release(self):
        """Open-orders discrepancy 'unacknowledged' (the WMS has no order for a
        delivered release): resend the order's last delivered release to the
        target (sync.event._resend_order_releases). The exception stays open: the
        next open-orders reconciliation closes it once the WMS has the order."""
        self._check_manager()
        check_access(self, "read")
        Event = self.env["sync.event"]
        resent = Event.browse()
        for exc in self.sudo():
            if not exc.can_resend_release:
                raise UserError(_(
                    "%s is not an open 'unacknowledged' discrepancy of an open-orders "
                    "reconciliation: only an order the WMS does not have can have its release "
                    "resent from here.", exc.name))
            order = exc._sale_order()
            if not order:
                raise UserError(_("The order of %s no longer exists.", exc.name))
            events = Event._resend_order_releases(exc.target_id, order)
            exc.message_post(
                body=_("Release resent to %(target)s by %(user)s (events %(events)s). This "
                       "exception stays open until the next open-orders reconciliation finds "
                       "the order in the WMS.",
                       target=exc.target_id.name, user=self.env.user.name,
                       events=", ".join(str(i) for i in events.ids)),
                subtype_xmlid="mail.mt_note",
            )
            resent |= events
        return resent._action_view()

    def action_open_record(self):
        self.ensure_one()
        record = self._business_record()
        if not record:
            raise UserError(_("The related record no longer exists."))
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
            "target": "current",
        }
