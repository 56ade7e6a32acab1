# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.safe_eval import safe_eval

from ..compat import report_cron_progress

_logger = logging.getLogger(__name__)

# what -> (model, trigger field of sync.target, default domain)
LOADS = {
    "customers": ("res.partner", "trigger_partner_upsert", "[('customer_rank', '>', 0)]"),
    "products": ("product.product", "trigger_product_upsert", "[('sale_ok', '=', True)]"),
}
DEFAULT_CHUNK_SIZE = 1000
CHUNK_PARAM = "sync_bridge.initial_load_chunk_size"
CHUNK_CONTEXT_KEY = "sync_initial_load_chunk_size"
OPEN_STATES = ("draft", "running")


class SyncInitialLoad(models.Model):
    """One initial load (go-live) of customers or products to one target, run
    in the background by the cron *Sync Bridge: run initial loads*.

    The cron takes the oldest open load and queues the upserts of its next
    chunk of records (keyset by id: `last_id`) through `sync.event._enqueue`,
    in its own transaction per chunk (Odoo's batch-cron API): a crash loses at
    most the chunk in progress, which the next run does again from `last_id`.
    """

    _name = "sync.initial.load"
    _description = "Initial Load of Master Data (background)"
    _order = "id desc"

    target_id = fields.Many2one("sync.target", required=True, readonly=True, index=True,
                                ondelete="cascade")
    company_id = fields.Many2one(related="target_id.company_id", store=True)
    what = fields.Selection([("customers", "Customers"), ("products", "Products")],
                            required=True, readonly=True)
    res_model = fields.Char(compute="_compute_res_model", string="Model")
    domain = fields.Char(required=True, readonly=True, default="[]",
                         help="Which records to send; archived records are never sent.")
    state = fields.Selection(
        [("draft", "Waiting"), ("running", "Running"), ("done", "Done"),
         ("cancelled", "Cancelled"), ("failed", "Failed")],
        required=True, default="draft", readonly=True, index=True,
    )
    chunk_size = fields.Integer(
        required=True, readonly=True, default=lambda self: self._default_chunk_size(),
        help="Records queued per transaction (config parameter "
        "sync_bridge.initial_load_chunk_size, default 1000).")
    total_count = fields.Integer("Total", readonly=True,
                                 help="Records done plus those still to do (counted again "
                                 "after each chunk).")
    done_count = fields.Integer("Done", readonly=True)
    last_id = fields.Integer("Last Processed ID", readonly=True,
                             help="The load goes on after this record id.")
    progress = fields.Float(compute="_compute_progress")
    user_id = fields.Many2one("res.users", "Requested By", readonly=True,
                              default=lambda self: self.env.user)
    started_at = fields.Datetime(readonly=True)
    finished_at = fields.Datetime(readonly=True)
    error = fields.Text(readonly=True)

    @api.depends("what")
    def _compute_res_model(self):
        for load in self:
            load.res_model = LOADS[load.what][0] if load.what else False

    @api.depends("done_count", "total_count", "state")
    def _compute_progress(self):
        for load in self:
            load.progress = (100.0 * load.done_count / load.total_count
                             if load.total_count else (100.0 if load.state == "done" else 0.0))

    @api.depends("target_id", "what")
    def _compute_display_name(self):
        for load in self:
            load.display_name = _("%(what)s to %(target)s", what=load._what_label(),
                                  target=load.target_id.code or "")

    @api.model
    def _default_chunk_size(self):
        value = self.env.context.get(CHUNK_CONTEXT_KEY) or self.env[
            "ir.config_parameter"].sudo().get_param(CHUNK_PARAM)
        try:
            size = int(value or DEFAULT_CHUNK_SIZE)
        except (TypeError, ValueError):
            size = DEFAULT_CHUNK_SIZE
        return size if size > 0 else DEFAULT_CHUNK_SIZE

    # ---------------------------------------------------------------- records

    @api.model
    def _build_domain(self, target, what, text):
        """The records of `what` `target` takes: the domain `text`, and the
        target's company (records without company go to every target)."""
        try:
            domain = safe_eval(text or "[]")
        except Exception as e:
            raise UserError(_("The %(what)s domain is not valid: %(error)s", what=what,
                              error=e)) from e
        if not isinstance(domain, (list, tuple)):
            raise UserError(_("The %s domain must be a list.", what))
        domain = list(domain)
        if target.company_id:
            domain += [("company_id", "in", (False, target.company_id.id))]
        return domain

    @api.model
    def _search_records(self, target, what, text, after_id=0, limit=None, count=False):
        model = self.env[LOADS[what][0]].sudo()
        domain = self._build_domain(target, what, text)
        if after_id:
            domain = domain + [("id", ">", after_id)]
        try:
            if count:
                return model.search_count(domain)
            return model.search(domain, order="id", limit=limit)
        except (ValueError, KeyError) as e:  # unknown field, bad operator
            raise UserError(_("The %(what)s domain is not valid: %(error)s", what=what,
                              error=e)) from e

    @api.model
    def _check_target(self, target, what):
        """Refusals, at the request and again before each chunk."""
        if not target.active:
            raise UserError(_("Target %s is archived: nothing can be sent to it.", target.code))
        trigger = LOADS[what][1]
        if not target[trigger]:
            raise UserError(_(
                "Target %(target)s does not take %(what)s: tick '%(field)s' on the target "
                "first, so that later changes are sent too.", target=target.code, what=what,
                field=target._fields[trigger].string))

    # ---------------------------------------------------------------- processing

    def _process_chunk(self):
        """Queue the upserts of the next chunk of records; close the load when
        nothing is left. Returns the number of records queued."""
        self.ensure_one()
        load = self.sudo()
        target = load.target_id
        self._check_target(target, load.what)
        now = fields.Datetime.now()
        if load.state == "draft":
            load.write({"state": "running", "started_at": now})
        records = self._search_records(target, load.what, load.domain, after_id=load.last_id,
                                       limit=load.chunk_size)
        Event = self.env["sync.event"].sudo().with_context(sync_bridge_skip=False)
        for record in records:
            Event._enqueue(target, "upsert", record)
        records.invalidate_recordset()
        done = load.done_count + len(records)
        last_id = records[-1:].id or load.last_id
        remaining = (self._search_records(target, load.what, load.domain, after_id=last_id,
                                          count=True)
                     if len(records) == load.chunk_size else 0)
        vals = {"done_count": done, "last_id": last_id, "total_count": done + remaining}
        if not remaining:
            vals.update(state="done", finished_at=now)
        load.write(vals)
        if not remaining:
            load._post_note(_(
                "Initial load finished (requested by %(user)s): %(records)s queued for this "
                "target in the bulk lane (a record already waiting to be sent keeps its pending "
                "upsert).", user=load.user_id.name, records=load._records_label(done)))
        return len(records)

    def _run_chunk(self):
        """One chunk in a savepoint: an error rolls the chunk back and puts the
        load in `failed` with the message (this transaction still commits that).
        Serialization failures and deadlocks are raised: the cron tries again."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                return self._process_chunk()
        except (pg_errors.SerializationFailure, pg_errors.DeadlockDetected):
            raise
        except Exception as e:  # noqa: BLE001 - recorded on the load, resumable
            _logger.warning("Initial load %s failed: %s", self.id, e)
            self._fail(str(e))
            return 0

    def _fail(self, message):
        load = self.sudo()
        load.write({"state": "failed", "error": message, "finished_at": fields.Datetime.now()})
        load._post_note(_(
            "Initial load of %(what)s failed after %(done)s of %(total)s record(s): %(error)s "
            "(fix the cause, then Resume the load).", what=load._what_label(),
            done=load.done_count,
            total=load.total_count, error=message))

    def _what_label(self):
        return dict(self._fields["what"]._description_selection(self.env)).get(self.what, "")

    def _records_label(self, count):
        if self.what == "customers":
            return _("%s customer(s)", count)
        return _("%s product(s)", count)

    def _post_note(self, body):
        self.target_id.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")

    @api.model
    def _cron_process(self):
        """Cron *Sync Bridge: run initial loads*: one chunk of the oldest open
        load per call, reporting progress to the batch-cron API so that Odoo
        calls it again at once, each call in its own transaction, while work
        remains (Odoo 18 and 19: `_notify_progress`). Odoo 17 has no such API: the
        cron runs one chunk per run and triggers itself again while work remains.
        Returns (done, remaining), what it reported."""
        self.flush_model(["state"])
        self.env.cr.execute(
            """
            SELECT id FROM sync_initial_load
             WHERE state IN %s
          ORDER BY id
             LIMIT 1
               FOR NO KEY UPDATE SKIP LOCKED
            """,
            (OPEN_STATES,),
        )
        row = self.env.cr.fetchone()
        done = 0
        if row:
            load = self.sudo().browse(row[0])
            processed = load._run_chunk()
            # a load closed without records (empty, failed) is progress too
            done = processed or 1
        open_loads = self.sudo().search([("state", "in", OPEN_STATES)])
        remaining = sum(max(load.total_count - load.done_count, 1) for load in open_loads)
        batched = report_cron_progress(self.env, done, remaining)
        if remaining and (not batched or self.env.context.get("ir_cron_progress_id")):
            # The runner calls us again at once up to 10 times (Odoo 18; 19: 10 calls and 10 s),
            # then leaves the job ready but only looks again at its next wake-up (up to a minute
            # later) unless notified: a trigger wakes the cron workers as soon as this commits.
            # Fully done, the runner deletes the triggers that have passed.
            self._trigger_cron()
        return done, remaining

    @api.model
    def _trigger_cron(self):
        cron = self.env.ref("sync_bridge.cron_run_initial_loads", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    def _start(self):
        """Run a load that fits in one chunk at once, in this transaction; hand
        bigger ones to the cron."""
        background = self.browse()
        for load in self:
            if load.total_count <= load.chunk_size:
                load._run_chunk()
            else:
                background |= load
        if background:
            self._trigger_cron()

    # ---------------------------------------------------------------- actions

    def action_cancel(self):
        self.env["sync.event"]._check_manager()
        for load in self.sudo().filtered(lambda ld: ld.state in OPEN_STATES + ("failed",)):
            load.write({"state": "cancelled", "finished_at": fields.Datetime.now()})
            load._post_note(_(
                "Initial load cancelled by %(user)s after %(done)s of %(total)s record(s); "
                "the upserts already queued stay queued.", user=self.env.user.name,
                done=load.done_count, total=load.total_count))
        return True

    def action_resume(self):
        """Go on after a failure or a cancel, from the last record processed."""
        self.env["sync.event"]._check_manager()
        loads = self.sudo().filtered(lambda ld: ld.state in ("failed", "cancelled"))
        for load in loads:
            self._check_target(load.target_id, load.what)
            load.write({"state": "running" if load.done_count else "draft", "error": False,
                        "finished_at": False})
        if loads:
            self._trigger_cron()
        return True
