# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_round

from ..compat import aggregator

from .sync_event import _json_safe

_logger = logging.getLogger(__name__)

JOBS = [
    ("inventory", "Inventory"),
    ("open_orders", "Open orders"),
    ("master_data", "Master data"),
]
OUTCOMES = [
    ("matched", "Matched"),
    ("mismatch", "Mismatch"),
    ("missing_in_odoo", "Missing in Odoo"),
    ("missing_in_target", "Missing in target"),
    ("duplicated", "Duplicated"),
    ("drift", "Drift"),
    ("in_flight_explained", "Explained by in-flight"),
    ("repaired", "Repaired"),
]
OUTCOME_KEYS = [o for o, _label in OUTCOMES]
# outcomes that are discrepancies (raise / keep open a sync.exception)
DISCREPANCIES = ("mismatch", "missing_in_odoo", "missing_in_target", "duplicated", "drift")
# outcomes that count as "accurate" for the accuracy percentage
ACCURATE = ("matched", "in_flight_explained")
# outcomes compared (the denominator of the accuracy): all but repaired
COMPARED = tuple(o for o in OUTCOME_KEYS if o != "repaired")
MASTER_MODELS = ("res.partner", "product.product")
# natural keys of sync_recon_master per model (the first is the default): SQL
# over the model's table `r` (fixed expressions, never user input)
NATURAL_KEYS = {
    "res.partner": {
        "email": "lower(NULLIF(trim(r.email), ''))",
        "name": "lower(NULLIF(trim(r.name), ''))",
        "vat": "upper(NULLIF(replace(r.vat, ' ', ''), ''))",
        "ref": "NULLIF(trim(r.ref), '')",
    },
    "product.product": {
        "default_code": "NULLIF(r.default_code, '')",
        "barcode": "NULLIF(r.barcode, '')",
    },
}
MAX_PAGE = 1000
DEFAULT_STALE_MINUTES = 10


def _page_limit(limit, default=500):
    try:
        limit = int(limit or default)
    except (TypeError, ValueError) as e:
        raise ValidationError(_("limit must be an integer.")) from e
    return max(1, min(limit, MAX_PAGE))


class SyncReconciliation(models.Model):
    """One reconciliation run of a job (inventory, open orders, master data)
    against one target, driven by the sidecar (sync.event.sync_recon_*)."""

    _name = "sync.reconciliation"
    _description = "Sync Reconciliation Run"
    _order = "id desc"

    name = fields.Char(compute="_compute_name", store=True)
    target_id = fields.Many2one(
        "sync.target", required=True, ondelete="restrict", index=True, readonly=True
    )
    job = fields.Selection(JOBS, required=True, readonly=True, index=True)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        required=True, default="running", readonly=True, index=True,
    )
    dry_run = fields.Boolean(readonly=True, help="Lines only: no exception, no repair.")
    started_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    finished_at = fields.Datetime(readonly=True)
    duration = fields.Float("Duration (s)", readonly=True, **aggregator("avg"))
    worker = fields.Char(readonly=True)
    heartbeat_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    matched_count = fields.Integer("Matched", readonly=True)
    mismatch_count = fields.Integer("Mismatch", readonly=True)
    missing_in_odoo_count = fields.Integer("Missing in Odoo", readonly=True)
    missing_in_target_count = fields.Integer("Missing in Target", readonly=True)
    duplicated_count = fields.Integer("Duplicated", readonly=True)
    drift_count = fields.Integer("Drift", readonly=True)
    in_flight_explained_count = fields.Integer("Explained by In-flight", readonly=True)
    repaired_count = fields.Integer("Repaired", readonly=True)
    resent_count = fields.Integer(
        "Re-sent", readonly=True, help="Records re-sent to the target (upsert events)."
    )
    compared_count = fields.Integer(
        "Compared", readonly=True, help="Sum of every outcome but repaired."
    )
    accuracy = fields.Float(
        "Accuracy (%)", readonly=True, **aggregator("avg"),
        help="(matched + explained by in-flight) / compared x 100.",
    )
    error = fields.Text(readonly=True)
    line_ids = fields.One2many("sync.reconciliation.line", "run_id", readonly=True)
    line_count = fields.Integer(compute="_compute_exceptions")
    exception_ids = fields.Many2many(
        "sync.exception", compute="_compute_exceptions", string="Exceptions Raised"
    )
    exception_count = fields.Integer(compute="_compute_exceptions")
    resolved_exception_ids = fields.One2many(
        "sync.exception", "recon_resolved_run_id", string="Exceptions Closed", readonly=True
    )
    company_id = fields.Many2one(related="target_id.company_id", store=True)

    def init(self):
        # The lock: at most one running run per target and job.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS sync_reconciliation_running_uniq
                ON sync_reconciliation (target_id, job)
             WHERE state = 'running'
            """
        )

    @api.depends("target_id", "job")
    def _compute_name(self):
        for run in self:
            run.name = "%s/%s/%s" % (run.target_id.code or "", run.job or "", run.id or "")

    @api.depends("line_ids.exception_id")
    def _compute_exceptions(self):
        for run in self:
            run.line_count = len(run.line_ids)
            run.exception_ids = run.line_ids.exception_id
            run.exception_count = len(run.exception_ids)

    # ------------------------------------------------------------------
    # UI
    # ------------------------------------------------------------------
    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sync_bridge.sync_reconciliation_line_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {"search_default_discrepancies": 1}
        return action

    def action_view_exceptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sync_bridge.sync_exception_action")
        action["domain"] = [("id", "in", (self.exception_ids | self.resolved_exception_ids).ids)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    @api.model
    def _stale_minutes(self):
        value = self.env["ir.config_parameter"].sudo().get_param(
            "sync_bridge.recon_stale_minutes", DEFAULT_STALE_MINUTES
        )
        try:
            return max(int(value), 1)
        except (TypeError, ValueError):
            return DEFAULT_STALE_MINUTES

    @api.model
    def _target(self, code):
        if not code or not isinstance(code, str):
            raise ValidationError(_("target must be the code of an active sync target."))
        target = self.env["sync.target"].sudo().search([("code", "=", code)], limit=1)
        if not target:
            raise ValidationError(_("Unknown or archived sync target: %s", code))
        return target

    @api.model
    def _run(self, run_id, running=True):
        if not isinstance(run_id, int) or isinstance(run_id, bool):
            raise ValidationError(_("run_id must be an integer."))
        run = self.sudo().browse(run_id).exists()
        if not run:
            raise ValidationError(_("Unknown reconciliation run %s.", run_id))
        if running and run.state != "running":
            raise ValidationError(
                _("Reconciliation run %(name)s (#%(id)s) is not running (state %(state)s)%(error)s.",
                  name=run.name, id=run.id, state=run.state,
                  error=run.error and ": %s" % run.error or "")
            )
        return run

    def _fail_stale(self):
        """Mark the running runs among self whose heartbeat is too old as failed."""
        limit = fields.Datetime.now() - timedelta(minutes=self._stale_minutes())
        stale = self.filtered(lambda r: r.state == "running" and (r.heartbeat_at or r.started_at) < limit)
        now = fields.Datetime.now()
        for run in stale:
            run.write({
                "state": "failed",
                "finished_at": now,
                "duration": (now - run.started_at).total_seconds() if run.started_at else 0.0,
                "error": _("No heartbeat since %(at)s (worker %(worker)s): marked failed as stale.",
                           at=fields.Datetime.to_string(run.heartbeat_at or run.started_at),
                           worker=run.worker or "?"),
            })
        return stale

    @api.model
    def _cron_fail_stale_runs(self):
        stale = self.sudo().search([("state", "=", "running")])._fail_stale()
        _logger.info("sync_bridge: %s stale reconciliation run(s) marked failed", len(stale))
        return True

    def _touch(self):
        self.write({"heartbeat_at": fields.Datetime.now()})

    def _recompute_counts(self, counts=None):
        """Counts from the lines; `counts` (sidecar totals) override per outcome.
        repaired = lines 'repaired' + records re-sent (unless given)."""
        self.ensure_one()
        self.env["sync.reconciliation.line"].flush_model()
        groups = self.env["sync.reconciliation.line"].sudo()._read_group(
            [("run_id", "=", self.id)], ["outcome"], ["__count"]
        )
        per = dict.fromkeys(OUTCOME_KEYS, 0)
        per.update(dict(groups))
        per["repaired"] += self.resent_count
        for outcome, value in (counts or {}).items():
            per[outcome] = value
        compared = sum(per[o] for o in COMPARED)
        vals = {"%s_count" % o: per[o] for o in OUTCOME_KEYS}
        vals["compared_count"] = compared
        vals["accuracy"] = (
            round(100.0 * sum(per[o] for o in ACCURATE) / compared, 2) if compared else 0.0
        )
        self.write(vals)
        return per

    def _counts(self):
        self.ensure_one()
        return {o: self["%s_count" % o] for o in OUTCOME_KEYS}

    # ------------------------------------------------------------------
    # Contract (called through sync.event.sync_recon_*)
    # ------------------------------------------------------------------
    @api.model
    def _recon_start(self, target, job, dry_run=False, worker_id=False):
        target = self._target(target)
        if job not in dict(JOBS):
            raise ValidationError(_("job must be one of %s.", ", ".join(dict(JOBS))))
        if job == "inventory" and target.kind != "wms":
            raise ValidationError(_("The inventory job needs a WMS target (%s is a CRM).",
                                    target.code))
        if worker_id and not isinstance(worker_id, str):
            raise ValidationError(_("worker_id must be a string."))
        self.flush_model()
        self.env.cr.execute(
            """SELECT id FROM sync_reconciliation
                WHERE target_id = %s AND job = %s AND state = 'running' FOR UPDATE""",
            (target.id, job),
        )
        running = self.sudo().browse([r[0] for r in self.env.cr.fetchall()])
        running._fail_stale()
        live = running.filtered(lambda r: r.state == "running")
        if live:
            raise ValidationError(_(
                "Reconciliation %(name)s (#%(id)s) of %(target)s / %(job)s is already running "
                "since %(since)s (worker %(worker)s, last heartbeat %(hb)s).",
                name=live[0].name, id=live[0].id, target=target.code, job=job,
                since=fields.Datetime.to_string(live[0].started_at), worker=live[0].worker or "?",
                hb=fields.Datetime.to_string(live[0].heartbeat_at)))
        now = fields.Datetime.now()
        try:
            with self.env.cr.savepoint():
                run = self.sudo().create({
                    "target_id": target.id,
                    "job": job,
                    "dry_run": bool(dry_run),
                    "worker": (worker_id or "")[:128] or False,
                    "started_at": now,
                    "heartbeat_at": now,
                })
                run.flush_recordset()
        except psycopg2.IntegrityError as e:
            raise ValidationError(_(
                "Another reconciliation of %(target)s / %(job)s was started at the same time.",
                target=target.code, job=job)) from e
        return {"run_id": run.id, "name": run.name,
                "stale_after_seconds": self._stale_minutes() * 60}

    def _recon_heartbeat(self):
        self.ensure_one()
        if self.state == "running":
            self._touch()
        return _json_safe({"run_id": self.id, "ok": self.state == "running",
                           "state": self.state, "error": self.error})

    def _recon_finish(self, state, counts=None, error=False):
        self.ensure_one()
        if state not in ("done", "failed"):
            raise ValidationError(_("state must be 'done' or 'failed'."))
        counts = counts or {}
        if not isinstance(counts, dict):
            raise ValidationError(_("counts must be a dict outcome -> integer."))
        for outcome, value in counts.items():
            if outcome not in OUTCOME_KEYS:
                raise ValidationError(_("counts: unknown outcome %(outcome)s (expected one of "
                                        "%(all)s).", outcome=outcome, all=", ".join(OUTCOME_KEYS)))
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValidationError(_("counts.%s must be a non-negative integer.", outcome))
        if self.state != "running":
            if self.state == state and self.finished_at:  # idempotent retry
                return self._finish_result(0)
            self._run(self.id)  # raises "not running"
        now = fields.Datetime.now()
        self._recompute_counts(counts)
        self.write({
            "state": state,
            "finished_at": now,
            "heartbeat_at": now,
            "duration": (now - self.started_at).total_seconds() if self.started_at else 0.0,
            "error": error or False if state == "done" else (error or _("Failed (no error given).")),
        })
        closed = 0
        if state == "done" and not self.dry_run:
            closed = self._close_clean_exceptions()
        return self._finish_result(closed)

    def _finish_result(self, closed):
        return _json_safe({
            "run_id": self.id,
            "state": self.state,
            "duration": self.duration,
            "counts": self._counts(),
            "accuracy": self.accuracy,
            "exceptions_open": len(self.exception_ids.filtered(lambda e: e.state == "open")),
            "exceptions_closed": closed,
        })

    def _close_clean_exceptions(self):
        """Open exceptions of this target + job whose key is not a discrepancy
        of this (complete, non-dry) run: the discrepancy is gone."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT e.id FROM sync_exception e
             WHERE e.state = 'open' AND e.target_id = %s AND e.recon_job = %s
               AND e.recon_key IS NOT NULL
               AND NOT EXISTS (
                    SELECT 1 FROM sync_reconciliation_line l
                     WHERE l.run_id = %s AND l.key = e.recon_key AND l.outcome IN %s)
            """,
            (self.target_id.id, self.job, self.id, DISCREPANCIES),
        )
        excs = self.env["sync.exception"].sudo().browse([r[0] for r in self.env.cr.fetchall()])
        now = fields.Datetime.now()
        for exc in excs:
            note = _("Resolved by reconciliation %(run)s (#%(id)s) on %(at)s: no discrepancy "
                     "for %(key)s any more.", run=self.name, id=self.id,
                     at=fields.Datetime.to_string(now), key=exc.recon_key)
            exc.write({
                "state": "resolved",
                "resolved_at": now,
                "resolved_by_id": self.env.uid,
                "recon_resolved_run_id": self.id,
                "message": "%s\n%s" % (exc.message or "", note),
            })
            exc.message_post(body=note, subtype_xmlid="mail.mt_note")
        return len(excs)

    # -- lines ----------------------------------------------------------
    def _recon_lines(self, lines):
        self.ensure_one()
        if not isinstance(lines, (list, tuple)):
            raise ValidationError(_("lines must be a list."))
        Line = self.env["sync.reconciliation.line"].sudo()
        result = {"created": 0, "updated": 0, "exceptions_opened": 0, "exceptions_updated": 0,
                  "refused": []}
        valid = []
        locations = Line._location_map(self.target_id) if self.job == "inventory" else None
        for index, item in enumerate(lines):
            vals, reason = Line._vals_from_item(self, item, locations)
            if reason:
                result["refused"].append({
                    "index": index,
                    "key": item.get("key", False) if isinstance(item, dict) else False,
                    "reason": reason,
                })
                continue
            valid.append(vals)
        by_key = {}
        for vals in valid:  # the last line of a key wins
            by_key[vals["key"]] = vals
        existing = {
            line.key: line
            for line in Line.search([("run_id", "=", self.id), ("key", "in", list(by_key))])
        }
        to_create = []
        touched = Line.browse()
        for key, vals in by_key.items():
            if key in existing:
                existing[key].write(dict(vals, exception_id=False))
                touched |= existing[key]
                result["updated"] += 1
            else:
                to_create.append(vals)
        if to_create:
            touched |= Line.create(to_create)
            result["created"] += len(to_create)
        if not self.dry_run:
            for line in touched.filtered(lambda l: l.outcome in DISCREPANCIES):
                opened = line._raise_exception()
                result["exceptions_opened" if opened else "exceptions_updated"] += 1
        self._recompute_counts()
        self._touch()
        return result

    # -- repair -------------------------------------------------------------
    def _recon_resend(self, model, ids):
        self.ensure_one()
        if model not in MASTER_MODELS:
            raise ValidationError(_("model must be one of %s.", ", ".join(MASTER_MODELS)))
        if isinstance(ids, int):
            ids = [ids]
        if not isinstance(ids, (list, tuple)):
            raise ValidationError(_("ids must be a list of integers."))
        result = {"ok": [], "refused": []}
        target = self.target_id
        Event = self.env["sync.event"].sudo()
        for res_id in ids:
            if not isinstance(res_id, int) or isinstance(res_id, bool):
                result["refused"].append({"id": res_id if isinstance(res_id, (int, str)) else False,
                                          "reason": "invalid_item"})
                continue
            if self.dry_run:
                result["refused"].append({"id": res_id, "reason": "dry_run"})
                continue
            record = self.env[model].sudo().with_context(active_test=False).browse(res_id).exists()
            if not record:
                result["refused"].append({"id": res_id, "reason": "unknown_record"})
                continue
            if target.company_id and record.company_id and record.company_id != target.company_id:
                result["refused"].append({"id": res_id, "reason": "other_company"})
                continue
            Event.with_context(sync_trace_id="recon:%s" % self.id)._enqueue(target, "upsert", record)
            result["ok"].append(res_id)
        if result["ok"]:
            self.write({"resent_count": self.resent_count + len(result["ok"])})
            self._recompute_counts()
        self._touch()
        return result

    # ------------------------------------------------------------------
    # Listings (what Odoo has)
    # ------------------------------------------------------------------
    @api.model
    def _recon_roots(self, target):
        """The locations the target's stock maps to: its Stock Count Location or
        the stock locations of its managed warehouses (all warehouses of its
        company when none), plus locations linked to the target (sync.link)."""
        roots = target.stock_location_id
        if not roots:
            warehouses = target.warehouse_ids
            if not warehouses:
                domain = [("company_id", "=", target.company_id.id)] if target.company_id else []
                warehouses = self.env["stock.warehouse"].sudo().search(domain)
            roots = warehouses.lot_stock_id
        links = self.env["sync.link"].sudo().search(
            [("target_id", "=", target.id), ("model", "=", "stock.location")])
        roots |= self.env["stock.location"].sudo().browse(links.mapped("res_id")).exists()
        return roots

    @api.model
    def _recon_location_names(self, target, roots):
        """root location -> the `location` string of the keys: its external id
        for the target (sync.link), else its full name."""
        links = self.env["sync.link"].sudo().search(
            [("target_id", "=", target.id), ("model", "=", "stock.location"),
             ("res_id", "in", roots.ids), ("external_id", "!=", False)])
        names = {link.res_id: link.external_id for link in links}
        return {root: names.get(root.id) or root.complete_name for root in roots}

    # Cursor of sync_recon_odoo_stock: the (product id, root id, lot name) of
    # the last item returned, "p:<product>:<root>:<lot>".
    _STOCK_CURSOR_START = (0, 0, "")

    @api.model
    def _recon_stock_cursor(self, after_key):
        if not after_key:
            return self._STOCK_CURSOR_START
        parts = after_key.split(":", 3) if isinstance(after_key, str) else []
        if len(parts) != 4 or parts[0] != "p" or not parts[1].isdigit() or not parts[2].isdigit():
            raise ValidationError(_("after_key must be the `next` of the previous page "
                                    "(\"p:<product>:<root>:<lot>\") or false."))
        return int(parts[1]), int(parts[2]), parts[3]

    @api.model
    def _recon_stock_window(self, target, from_product, size):
        """The next `size` product ids >= from_product that can have a row:
        products with a quant (the index on stock_quant.product_id, stopping
        after `size` distinct ids), plus the few with released moves or
        receipts in flight. Cost: O(size) index entries, not O(quants)."""
        self.env.cr.execute(
            """
            SELECT product_id FROM (
                (SELECT DISTINCT q.product_id FROM stock_quant q
                  WHERE q.product_id >= %(from)s ORDER BY q.product_id LIMIT %(size)s)
                 UNION
                (SELECT m.product_id FROM stock_move m
                   JOIN stock_picking p ON p.id = m.picking_id
                   JOIN stock_picking_type t ON t.id = p.picking_type_id
                  WHERE t.code = 'outgoing' AND m.state NOT IN ('draft', 'done', 'cancel')
                    AND m.product_id >= %(from)s)
                 UNION
                (SELECT pp.id FROM sync_inbound_message msg
             CROSS JOIN LATERAL jsonb_array_elements(
                        CASE WHEN jsonb_typeof(msg.payload::jsonb -> 'lines') = 'array'
                             THEN msg.payload::jsonb -> 'lines' ELSE '[]'::jsonb END) line
                   JOIN product_product pp ON pp.default_code = line ->> 'sku'
                  WHERE msg.target_id = %(target)s AND msg.kind = 'receipt'
                    AND msg.state IN ('received', 'exception') AND pp.id >= %(from)s)
            ) w ORDER BY product_id LIMIT %(size)s
            """,
            {"from": from_product, "size": size, "target": target.id},
        )
        return [r[0] for r in self.env.cr.fetchall()]

    @api.model
    def _recon_stock_rows(self, target, roots, window, after, limit):
        """The rows of the products of `window` after the cursor `after`, in
        cursor order (product id, root id, lot name), at most `limit`."""
        self.env.cr.execute(
            """
            WITH roots AS (
                SELECT r.id AS root_id, r.parent_path AS root_path,
                       COALESCE(NULLIF(l.external_id, ''), r.complete_name, r.name) AS loc_name
                  FROM stock_location r
             LEFT JOIN sync_link l ON l.target_id = %(target)s AND l.model = 'stock.location'
                                  AND l.res_id = r.id
                 WHERE r.id = ANY(%(roots)s)
            ),
            quants AS (
                -- lot names looked up per quant (index), not joined: a hash join
                -- would read every lot of the database on every page
                SELECT q.product_id, q.location_id,
                       COALESCE((SELECT lot.name FROM stock_lot lot WHERE lot.id = q.lot_id), '')
                           AS lot,
                       q.quantity, q.reserved_quantity AS reserved, 0.0 AS in_flight,
                       0.0 AS in_flight_in
                  FROM stock_quant q
                 WHERE q.product_id = ANY(%(window)s)
            ),
            moves AS (
                SELECT m.id, m.product_id, m.location_id, m.product_qty
                  FROM stock_move m
                  JOIN stock_picking p ON p.id = m.picking_id
                  JOIN stock_picking_type t ON t.id = p.picking_type_id
                 WHERE m.product_id = ANY(%(window)s)
                   AND t.code = 'outgoing'
                   AND m.state NOT IN ('draft', 'done', 'cancel')
                   AND EXISTS (
                        SELECT 1 FROM sync_event e
                         WHERE e.target_id = %(target)s AND e.event_type = 'release'
                           AND e.state IN ('in_progress', 'done')
                           AND ((e.model = 'stock.picking' AND e.res_id = p.id)
                                OR (e.model = 'sale.order' AND e.res_id = p.sale_id)))
            ),
            move_lines AS (
                SELECT ml.move_id, ml.product_id, ml.location_id, ml.lot_id,
                       ml.quantity_product_uom AS qty
                  FROM stock_move_line ml
                  JOIN moves ON moves.id = ml.move_id
            ),
            flight_out AS (
                SELECT ml.product_id, ml.location_id,
                       COALESCE((SELECT lot.name FROM stock_lot lot WHERE lot.id = ml.lot_id), '')
                           AS lot,
                       0.0 AS quantity, 0.0 AS reserved, ml.qty AS in_flight, 0.0 AS in_flight_in
                  FROM move_lines ml
                 UNION ALL
                SELECT mv.product_id, mv.location_id, '', 0.0, 0.0,
                       GREATEST(mv.product_qty - COALESCE(
                           (SELECT sum(qty) FROM move_lines WHERE move_lines.move_id = mv.id), 0), 0),
                       0.0
                  FROM moves mv
            ),
            receipt_lines AS (
                -- receipts the WMS reported that Odoo has not applied yet (being
                -- applied, or held by an exception): into the receipt's
                -- destination (its sync.link, else the incoming picking of that
                -- name), else the first mapped location.
                SELECT pp.id AS product_id, line,
                       COALESCE(lp.location_dest_id, np.location_dest_id,
                                (SELECT min(root_id) FROM roots)) AS location_id
                  FROM sync_inbound_message msg
            CROSS JOIN LATERAL jsonb_array_elements(
                       CASE WHEN jsonb_typeof(msg.payload::jsonb -> 'lines') = 'array'
                            THEN msg.payload::jsonb -> 'lines' ELSE '[]'::jsonb END) line
                  JOIN product_product pp ON pp.default_code = line ->> 'sku'
             LEFT JOIN sync_link sl ON sl.target_id = msg.target_id AND sl.model = 'stock.picking'
                                   AND sl.external_id = msg.payload::jsonb ->> 'receipt_ref'
             LEFT JOIN stock_picking lp ON lp.id = sl.res_id
             LEFT JOIN LATERAL (
                    SELECT p.location_dest_id FROM stock_picking p
                      JOIN stock_picking_type t ON t.id = p.picking_type_id
                     WHERE p.name = msg.payload::jsonb ->> 'receipt_ref' AND t.code = 'incoming'
                     ORDER BY p.id LIMIT 1) np ON TRUE
                 WHERE msg.target_id = %(target)s AND msg.kind = 'receipt'
                   AND msg.state IN ('received', 'exception')
                   AND pp.id = ANY(%(window)s)
                   AND jsonb_typeof(line -> 'quantity') = 'number'
            ),
            flight_in AS (
                SELECT product_id, location_id, '' AS lot, 0.0 AS quantity, 0.0 AS reserved,
                       0.0 AS in_flight, (line ->> 'quantity')::numeric AS in_flight_in
                  FROM receipt_lines
                 UNION ALL
                SELECT r.product_id, r.location_id, lots ->> 'lot', 0.0, 0.0, 0.0,
                       (lots ->> 'quantity')::numeric
                  FROM receipt_lines r
            CROSS JOIN LATERAL jsonb_array_elements(
                       CASE WHEN jsonb_typeof(r.line -> 'lots') = 'array'
                            THEN r.line -> 'lots' ELSE '[]'::jsonb END) lots
                 WHERE jsonb_typeof(lots -> 'quantity') = 'number'
                   AND COALESCE(lots ->> 'lot', '') != ''
            ),
            rooted AS (
                SELECT x.product_id, rr.root_id, x.lot, x.quantity, x.reserved,
                       x.in_flight, x.in_flight_in
                  FROM (SELECT * FROM quants UNION ALL SELECT * FROM flight_out
                        UNION ALL SELECT * FROM flight_in) x
                  JOIN stock_location sl ON sl.id = x.location_id
            CROSS JOIN LATERAL (
                    SELECT root_id FROM roots
                     WHERE sl.parent_path LIKE roots.root_path || '%%'
                  ORDER BY length(roots.root_path) DESC LIMIT 1) rr
            ),
            agg AS (
                SELECT product_id, root_id, lot, sum(quantity) AS quantity,
                       sum(reserved) AS reserved, sum(in_flight) AS in_flight,
                       sum(in_flight_in) AS in_flight_in
                  FROM rooted
              GROUP BY product_id, root_id, lot
                HAVING sum(quantity) != 0 OR sum(reserved) != 0 OR sum(in_flight) != 0
                       OR sum(in_flight_in) != 0
            )
            SELECT ('inventory:' || COALESCE(NULLIF(pp.default_code, ''), '#' || pp.id)
                    || ':' || roots.loc_name || ':' || agg.lot) AS key,
                   NULLIF(pp.default_code, '') AS sku, pp.id AS product_id,
                   roots.loc_name AS location, roots.root_id AS location_id,
                   NULLIF(agg.lot, '') AS lot, agg.quantity, agg.reserved, agg.in_flight,
                   agg.in_flight_in
              FROM agg
              JOIN product_product pp ON pp.id = agg.product_id
              JOIN roots ON roots.root_id = agg.root_id
             WHERE (agg.product_id, agg.root_id, agg.lot COLLATE "C")
                   > (%(a_product)s, %(a_root)s, %(a_lot)s COLLATE "C")
          ORDER BY agg.product_id, agg.root_id, agg.lot COLLATE "C"
             LIMIT %(limit)s
            """,
            {"target": target.id, "roots": roots.ids, "window": window,
             "a_product": after[0], "a_root": after[1], "a_lot": after[2], "limit": limit},
        )
        return self.env.cr.dictfetchall()

    @api.model
    def _recon_odoo_stock(self, target, after_key=False, limit=500):
        """Pages of what Odoo has in the target's locations (see the contract).
        Keyset pagination by (product id, root id, lot name): each page reads
        the quants of a window of `limit` products found through the index on
        stock_quant.product_id, so a page costs O(limit), not O(all quants),
        and a full walk is linear in the number of quants."""
        target = self._target(target)
        limit = _page_limit(limit)
        after = self._recon_stock_cursor(after_key)
        roots = self._recon_roots(target)
        if not roots:
            return {"items": [], "next": False}
        self.env.flush_all()
        rows = []
        cursor = after
        while len(rows) <= limit:
            window = self._recon_stock_window(target, cursor[0], limit)
            if not window:
                break
            rows += self._recon_stock_rows(target, roots, window, cursor, limit + 1 - len(rows))
            if len(window) < limit:
                break
            # the window's products are exhausted: go on after its last one
            cursor = (window[-1] + 1, 0, "")
        more = len(rows) > limit
        rows = rows[:limit]
        precision = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        items = []
        for row in rows:
            for fname in ("quantity", "reserved", "in_flight", "in_flight_in"):
                row[fname] = float_round(float(row[fname] or 0.0), precision_digits=precision)
            items.append(_json_safe(row))
        last = rows[-1] if rows else None
        nxt = "p:%d:%d:%s" % (last["product_id"], last["location_id"], last["lot"] or "") \
            if more else False
        return {"items": items, "next": nxt}

    @api.model
    def _recon_open_orders(self, target, after_id=0, limit=500):
        target = self._target(target)
        limit = _page_limit(limit)
        after_id = int(after_id or 0)
        self.env.flush_all()
        # released = a done release event, or (events are purged after the
        # retention) a link of the order / its delivery with the target that
        # has an external id or a 'synced' status.
        self.env.cr.execute(
            """
            WITH released AS (
                SELECT e.model, e.res_id, min(e.done_at) AS released_at
                  FROM sync_event e
                 WHERE e.target_id = %(target)s AND e.event_type = 'release'
                   AND e.state = 'done' AND e.model IN ('sale.order', 'stock.picking')
              GROUP BY e.model, e.res_id
                 UNION ALL
                SELECT l.model, l.res_id, l.last_synced_at
                  FROM sync_link l
                 WHERE l.target_id = %(target)s AND l.model IN ('sale.order', 'stock.picking')
                   AND (l.external_id IS NOT NULL OR l.sync_status = 'synced')
            ),
            per_order AS (
                SELECT COALESCE(p.sale_id, CASE WHEN r.model = 'sale.order' THEN r.res_id END)
                           AS order_id
                  FROM released r
             LEFT JOIN stock_picking p ON r.model = 'stock.picking' AND p.id = r.res_id
            )
            SELECT DISTINCT so.id
              FROM per_order po
              JOIN sale_order so ON so.id = po.order_id
             WHERE so.id > %(after)s
               AND (so.state = 'cancel' OR EXISTS (
                    SELECT 1 FROM stock_picking p
                      JOIN stock_picking_type t ON t.id = p.picking_type_id
                     WHERE p.sale_id = so.id AND t.code = 'outgoing'
                       AND p.state NOT IN ('done', 'cancel')))
          ORDER BY so.id
             LIMIT %(limit)s
            """,
            {"target": target.id, "after": after_id, "limit": limit + 1},
        )
        ids = [r[0] for r in self.env.cr.fetchall()]
        more = len(ids) > limit
        orders = self.env["sale.order"].sudo().browse(ids[:limit])
        pickings = orders.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
        Event = self.env["sync.event"].sudo()
        events = Event.search([
            ("target_id", "=", target.id), ("event_type", "in", ("release", "amend", "cancel")),
            "|", "&", ("model", "=", "sale.order"), ("res_id", "in", orders.ids),
            "&", ("model", "=", "stock.picking"), ("res_id", "in", pickings.ids),
        ], order="id")
        links = self.env["sync.link"].sudo().search([
            ("target_id", "=", target.id),
            "|", "&", ("model", "=", "sale.order"), ("res_id", "in", orders.ids),
            "&", ("model", "=", "stock.picking"), ("res_id", "in", pickings.ids),
        ])
        link_of = {(l.model, l.res_id): l for l in links}
        items = []
        for order in orders:
            deliveries = pickings.filtered(lambda p, o=order: p.sale_id == o).sorted("id")
            records = [("sale.order", order)] + [("stock.picking", p) for p in deliveries]
            releases = []
            for model, record in records:
                link = link_of.get((model, record.id))
                done = events.filtered(lambda e, m=model, r=record: e.model == m
                                       and e.res_id == r.id and e.event_type == "release"
                                       and e.state == "done")[:1]
                if not done and not (link and (link.external_id or link.sync_status == "synced")):
                    continue
                releases.append({
                    "model": model,
                    "res_id": record.id,
                    "ref_sent": record.sync_wms_ref if model == "sale.order" else record.name,
                    "external_id": link.external_id if link else False,
                    "released_at": done.done_at or (link.last_synced_at if link else False),
                })
            cancel = events.filtered(lambda e, o=order, d=deliveries: e.event_type == "cancel" and (
                (e.model == "sale.order" and e.res_id == o.id)
                or (e.model == "stock.picking" and e.res_id in d.ids)))
            mine = events.filtered(lambda e, o=order, d=deliveries: (
                (e.model == "sale.order" and e.res_id == o.id)
                or (e.model == "stock.picking" and e.res_id in d.ids)))
            first = releases[0] if releases else {}
            items.append(_json_safe({
                "order_id": order.id,
                "name": order.name,
                "ref_sent": first.get("ref_sent", False),
                "external_id": first.get("external_id", False),
                "released_at": first.get("released_at", False),
                "state": order.state,
                "delivery_states": deliveries.mapped("state"),
                "cancelled_in_odoo": order.state == "cancel",
                "releases": releases,
                "deliveries": [{"id": p.id, "name": p.name, "state": p.state,
                                "external_id": link_of.get(("stock.picking", p.id)).external_id
                                if link_of.get(("stock.picking", p.id)) else False}
                               for p in deliveries],
                "cancel_event_state": cancel[-1:].state or False,
                "cancel_requested_at": cancel[:1].create_date or False,
                "amend_pending_since": self._amend_pending_since(mine),
                "amend_state": mine.filtered(lambda e: e.event_type == "amend")[-1:].state or False,
            }))
        return {"items": items, "next": items[-1]["order_id"] if more else False}

    @api.model
    def _amend_pending_since(self, events):
        """When the oldest amendment the WMS has not acknowledged (delivered) was
        made: amend events not done since the last delivered one (a later amendment
        carries the whole order, so it supersedes a failed earlier one only once it
        is delivered). False when every amendment was delivered (or cancelled)."""
        amends = events.filtered(lambda e: e.event_type == "amend").sorted("id")
        done = amends.filtered(lambda e: e.state == "done")
        if done:
            amends = amends.filtered(lambda e, last=done[-1]: e.id > last.id)
        waiting = amends.filtered(lambda e: e.state in ("pending", "in_progress", "failed", "dead"))
        return waiting[:1].create_date or False

    @api.model
    def _recon_open_receipts(self, target, after_id=0, limit=500):
        """Receipts announced to the WMS (an 'asn' event delivered, or a link with an
        external id) that Odoo still shows open, by picking id, with their scheduled
        date and whether the WMS already reported a receipt for them (a receipt
        message waiting in Odoo: received or held by an exception)."""
        target = self._target(target)
        limit = _page_limit(limit)
        after_id = int(after_id or 0)
        self.env.flush_all()
        self.env.cr.execute(
            """
            WITH announced AS (
                SELECT e.res_id AS picking_id, min(e.done_at) AS sent_at
                  FROM sync_event e
                 WHERE e.target_id = %(target)s AND e.event_type = 'asn'
                   AND e.state = 'done' AND e.model = 'stock.picking'
              GROUP BY e.res_id
                 UNION ALL
                SELECT l.res_id, l.last_synced_at
                  FROM sync_link l
                 WHERE l.target_id = %(target)s AND l.model = 'stock.picking'
                   AND l.external_id IS NOT NULL
            )
            SELECT p.id AS picking_id, p.name, p.origin, p.state, p.scheduled_date,
                   min(a.sent_at) AS sent_at,
                   (SELECT l.external_id FROM sync_link l
                     WHERE l.target_id = %(target)s AND l.model = 'stock.picking'
                       AND l.res_id = p.id LIMIT 1) AS external_id,
                   EXISTS (
                        SELECT 1 FROM sync_inbound_message m
                         WHERE m.target_id = %(target)s AND m.kind = 'receipt'
                           AND m.state IN ('received', 'exception')
                           AND m.payload::jsonb ->> 'receipt_ref' IN (
                                p.name, p.origin,
                                (SELECT l.external_id FROM sync_link l
                                  WHERE l.target_id = %(target)s AND l.model = 'stock.picking'
                                    AND l.res_id = p.id LIMIT 1))) AS reported
              FROM announced a
              JOIN stock_picking p ON p.id = a.picking_id
              JOIN stock_picking_type t ON t.id = p.picking_type_id
             WHERE p.id > %(after)s AND t.code = 'incoming'
               AND p.state NOT IN ('done', 'cancel')
          GROUP BY p.id
          ORDER BY p.id
             LIMIT %(limit)s
            """,
            {"target": target.id, "after": after_id, "limit": limit + 1},
        )
        rows = self.env.cr.dictfetchall()
        more = len(rows) > limit
        items = [_json_safe(row) for row in rows[:limit]]
        return {"items": items, "next": items[-1]["picking_id"] if more else False}

    @api.model
    def _recon_master(self, target, model, after_id=0, limit=500, natural_key=False,
                      partner_kind=False):
        target = self._target(target)
        if model not in MASTER_MODELS:
            raise ValidationError(_("model must be one of %s.", ", ".join(MASTER_MODELS)))
        if partner_kind not in (False, "company", "person") or (
                partner_kind and model != "res.partner"):
            raise ValidationError(_("partner_kind must be 'company' or 'person', and only for "
                                    "res.partner."))
        keys = NATURAL_KEYS[model]
        natural_key = natural_key or next(iter(keys))
        if natural_key not in keys:
            raise ValidationError(_("natural_key of %(model)s must be one of %(keys)s.",
                                    model=model, keys=", ".join(keys)))
        limit = _page_limit(limit)
        after_id = int(after_id or 0)
        self.env.flush_all()
        table = "res_partner" if model == "res.partner" else "product_product"
        company_sql = ""
        params = {"target": target.id, "model": model, "after": after_id, "limit": limit + 1}
        if target.company_id:
            params["company"] = target.company_id.id
            company_sql = (
                "AND (r.company_id IS NULL OR r.company_id = %(company)s)"
                if model == "res.partner"
                else "AND (pt.company_id IS NULL OR pt.company_id = %(company)s)"
            )
        natural = keys[natural_key]
        if model == "res.partner":
            scope = "r.active AND (r.customer_rank > 0 OR l.id IS NOT NULL)"
            join = ""
            if partner_kind:  # the CRM keeps companies and persons apart (HubSpot)
                company_sql += " AND r.is_company" if partner_kind == "company" \
                    else " AND NOT r.is_company"
        else:
            # goods: 'consu' (17: also 'product', the storable ones)
            scope = ("r.active AND pt.active AND pt.type IN ('consu', 'product') "
                     "AND (NULLIF(r.default_code, '') IS NOT NULL OR l.id IS NOT NULL)")
            join = "JOIN product_template pt ON pt.id = r.product_tmpl_id"
        self.env.cr.execute(
            f"""
            SELECT r.id AS res_id, {natural} AS natural_key, l.external_id,
                   r.active AS active
              FROM {table} r
              {join}
         LEFT JOIN sync_link l ON l.target_id = %(target)s AND l.model = %(model)s
                              AND l.res_id = r.id
             WHERE r.id > %(after)s
               AND ({scope} OR l.external_id IS NOT NULL)
               {company_sql}
          ORDER BY r.id
             LIMIT %(limit)s
            """,
            params,
        )
        rows = self.env.cr.dictfetchall()
        more = len(rows) > limit
        items = [_json_safe(row) for row in rows[:limit]]
        return {"items": items, "next": items[-1]["res_id"] if more else False}
