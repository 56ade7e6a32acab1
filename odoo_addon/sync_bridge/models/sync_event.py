# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
import logging
import re
import uuid
from datetime import date, datetime, timedelta

from markupsafe import Markup
from psycopg2 import errorcodes
from psycopg2.errors import SerializationFailure, UniqueViolation

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..compat import check_access, list_view_type

_logger = logging.getLogger(__name__)

CONTRACT_VERSION = "1"
# A sidecar release as sync_contact takes it: 1.13.0, 1.14.0-rc.1, 1.13.0+build.7.
SIDECAR_VERSION_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+-]{0,39}")
OPEN_STATES = ("pending", "in_progress", "failed", "dead")
# Events a manager may resend once delivered: each carries the whole record as it
# is now, and every connector sends it idempotently (looked up by reference or
# upserted by Odoo id). Amendments and cancellations are not resent on their own.
RESENDABLE_TYPES = ("release", "asn", "upsert", "status", "atp")
# release type -> the cancel type that withdraws it
CANCEL_OF = {"release": "cancel", "asn": "asn_cancel"}
DT_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_CLAIM = 500
NOW_SQL = "(now() at time zone 'utc')"

# Priority lanes (docs/odoo-contract.md#priority-lanes): the claim hands out due events
# by (priority, id), lower first, so order flow never waits behind a master-data backlog.
PRIORITY_ORDER = 10  # release, amend, cancel and the ASN types
PRIORITY_STATUS = 20  # order status to the CRM
PRIORITY_BULK = 30  # master data: upsert, atp
EVENT_PRIORITY = {
    "release": PRIORITY_ORDER,
    "amend": PRIORITY_ORDER,
    "cancel": PRIORITY_ORDER,
    "asn": PRIORITY_ORDER,
    "asn_amend": PRIORITY_ORDER,
    "asn_cancel": PRIORITY_ORDER,
    "status": PRIORITY_STATUS,
    "upsert": PRIORITY_BULK,
    "atp": PRIORITY_BULK,
}
LANES = [("order", "Order flow"), ("status", "Status"), ("bulk", "Master data (bulk)")]
LANE_PRIORITY = {"order": PRIORITY_ORDER, "status": PRIORITY_STATUS, "bulk": PRIORITY_BULK}
# Event types whose record needs other records at the target first (the order's customer and
# products): they wait for the older pending upserts of those records, which are promoted to
# their lane when they are written (sync.status.mixin._sync_dependency_keys).
DEPENDENT_TYPES = ("release", "amend", "asn", "asn_amend", "status")

# The due events of one target, in claim order (sync.event._claim_target; the
# benchmark tools/bench_claim.py explains it). Parameters: target, limit.
CLAIM_CANDIDATES_SQL = f"""
                SELECT e.id
                  FROM sync_event e
                 WHERE e.target_id = %(target)s
                   AND e.state IN ('pending', 'in_progress')
                   AND ((e.state = 'pending' AND e.next_attempt_at <= {NOW_SQL})
                        OR (e.state = 'in_progress' AND e.lease_expires_at <= {NOW_SQL}))
                   AND NOT EXISTS (
                        SELECT 1 FROM sync_event o
                         WHERE o.target_id = e.target_id
                           AND o.aggregate_key = e.aggregate_key
                           AND o.id < e.id
                           AND o.state IN ('pending', 'in_progress', 'failed', 'dead'))
                   AND (e.depends_on IS NULL OR NOT EXISTS (
                        SELECT 1 FROM sync_event d
                         WHERE d.target_id = e.target_id
                           AND d.aggregate_key = ANY(string_to_array(e.depends_on, ' '))
                           AND d.event_type = 'upsert'
                           AND (d.id < e.id OR d.priority <= e.priority)
                           AND d.state IN ('pending', 'in_progress')
                           AND NOT EXISTS (
                                SELECT 1 FROM sync_event f
                                 WHERE f.target_id = d.target_id
                                   AND f.aggregate_key = d.aggregate_key
                                   AND f.id < d.id
                                   AND f.state IN ('failed', 'dead'))))
              ORDER BY e.priority, e.id
                 LIMIT %(limit)s
"""


def _lane_of(priority):
    if priority is None or priority is False:
        return False
    if priority <= PRIORITY_ORDER:
        return "order"
    if priority <= PRIORITY_STATUS:
        return "status"
    return "bulk"


def _json_safe(value):
    """Make a value XML-RPC and JSON friendly: no None, datetimes as strings."""
    if value is None:
        return False
    if isinstance(value, datetime):
        return value.strftime(DT_FORMAT)
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, Markup):
        return str(value)
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(v) for v in value]
    return value


class PendingSlotTaken(SerializationFailure):
    """The pending slot of a record was taken by an event committed after this
    transaction's snapshot. A serialization failure (SQLSTATE 40001): Odoo's
    RPC layer retries the call with a fresh snapshot, which sees the twin."""

    pgcode = errorcodes.SERIALIZATION_FAILURE


def _parse_dt(value):
    if not value:
        return False
    try:
        return fields.Datetime.to_datetime(value)
    except ValueError as e:
        raise ValidationError(_("Invalid datetime %s, expected 'YYYY-MM-DD HH:MM:SS' UTC.", value)) from e


class SyncEvent(models.Model):
    _name = "sync.event"
    _description = "Sync Outbox Event"
    _order = "id desc"

    target_id = fields.Many2one(
        "sync.target", required=True, ondelete="restrict", readonly=True, index=True
    )
    target_kind = fields.Selection(related="target_id.kind")
    event_type = fields.Selection(
        [
            ("release", "Release"),
            ("amend", "Amend"),
            ("cancel", "Cancel"),
            ("status", "Status"),
            ("upsert", "Upsert (master data)"),
            ("asn", "ASN (receipt announcement)"),
            ("asn_amend", "ASN amendment"),
            ("asn_cancel", "ASN cancellation"),
            ("atp", "Available to promise"),
        ],
        required=True,
        readonly=True,
    )
    model = fields.Char(required=True, readonly=True)
    res_id = fields.Integer(required=True, readonly=True)
    record_ref = fields.Reference(
        selection="_selection_record_ref", compute="_compute_record_ref", string="Record"
    )
    aggregate_key = fields.Char(
        required=True,
        readonly=True,
        help="Events of one aggregate (e.g. 'sale.order,42': the order and its "
        "deliveries) are handed out strictly in order, per target.",
    )
    idempotency_key = fields.Char(required=True, readonly=True, copy=False)
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("in_progress", "In progress"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("dead", "Dead"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="pending",
        readonly=True,
    )
    attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    lease_owner = fields.Char(readonly=True)
    lease_token = fields.Char(readonly=True, copy=False, groups="base.group_system")
    lease_expires_at = fields.Datetime(readonly=True)
    mapping_version = fields.Char(readonly=True)
    replay_mapping_version = fields.Char(
        readonly=True,
        copy=False,
        help="Set by a replay with the mapping version the event was sent with: "
        "the sidecar maps the event with this version instead of the current "
        "mapping. Cleared when the event is done.",
    )
    external_ref = fields.Char(readonly=True)
    last_error_class = fields.Char(readonly=True)
    last_error_message = fields.Text(readonly=True)
    last_error_details = fields.Text(readonly=True, help="JSON")
    trace_id = fields.Char(readonly=True)
    change_count = fields.Integer(
        default=1, readonly=True, help="Number of changes coalesced in this event."
    )
    priority = fields.Integer(
        required=True,
        readonly=True,
        default=PRIORITY_BULK,
        help="Claim order: due events are handed out by (priority, id), lower first. Set "
        "from the type when the event is written: 10 order flow (release, amend, cancel, "
        "ASN), 20 order status, 30 master data (upsert, atp). A pending upsert of a record "
        "an order needs is promoted to the order's priority.",
    )
    lane = fields.Selection(
        LANES, compute="_compute_lane", search="_search_lane",
        help="Claim lane of the event, from its priority: order flow, status or master data "
        "(bulk). Order flow never waits behind a master-data backlog.",
    )
    depends_on = fields.Char(
        string="Waits For",
        readonly=True,
        help="Records this event needs at the target first (space-separated 'model,id'): "
        "it is not handed out while an older upsert of one of them is pending or in "
        "progress for the same target (unless that upsert is stuck behind a failed or "
        "dead event of its record).",
    )
    first_tried_at = fields.Datetime(readonly=True)
    in_doubt = fields.Boolean(
        "In Doubt", readonly=True, copy=False,
        help="A request of an earlier attempt may have reached the target without its answer "
             "(a timeout, a 5xx, a worker that stopped or died mid-delivery): every later attempt "
             "looks the record up at the target before creating it, also after a Retry or a "
             "Replay that resets the attempts. Cancelling the record then always sends a cancel.",
    )
    done_at = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    exception_ids = fields.One2many("sync.exception", "event_id")
    resend_of_id = fields.Many2one(
        "sync.event", string="Resend Of", readonly=True, copy=False, ondelete="set null",
        help="Set on an event a Sync manager wrote with Resend: the delivered event it "
        "sends again.",
    )

    if hasattr(models, "Constraint"):  # Odoo 19+: _sql_constraints is ignored
        _idempotency_key_uniq = models.Constraint("unique(idempotency_key)", "The idempotency key of a sync event must be unique.")
    else:  # Odoo 18
        _sql_constraints = [
            (
                "idempotency_key_uniq",
                "unique(idempotency_key)",
                "The idempotency key of a sync event must be unique.",
            ),
        ]

    def init(self):
        cr = self.env.cr
        # Coalescing: at most one pending event per target, record and type.
        cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS sync_event_pending_uniq
                ON sync_event (target_id, model, res_id, event_type)
             WHERE state = 'pending'
            """
        )
        # Claim: only open rows are indexed, done rows cost nothing; walked in
        # (priority, id) order, so a master-data backlog is never scanned before
        # the order-flow events. Replaces sync_event_claim_idx (target_id, id).
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sync_event_claim_lane_idx
                ON sync_event (target_id, priority, id)
             WHERE state IN ('pending', 'in_progress')
            """
        )
        cr.execute("DROP INDEX IF EXISTS sync_event_claim_idx")
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sync_event_aggregate_open_idx
                ON sync_event (target_id, aggregate_key, id)
             WHERE state IN ('pending', 'in_progress', 'failed', 'dead')
            """
        )
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sync_event_record_idx
                ON sync_event (model, res_id)
            """
        )
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sync_event_aggregate_idx
                ON sync_event (aggregate_key)
            """
        )
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sync_event_done_idx
                ON sync_event (done_at)
             WHERE state IN ('done', 'cancelled')
            """
        )

    @api.model
    def _selection_record_ref(self):
        return [(m.model, m.name) for m in self.env["ir.model"].sudo().search([])]

    @api.depends("model", "res_id")
    def _compute_record_ref(self):
        for event in self:
            event.record_ref = self._record_ref_value(event.model, event.res_id)

    @api.model
    def _record_ref_value(self, model, res_id):
        """Value of a Reference field to the record (model, res_id), or False
        when the model is not installed or the record no longer exists. Shared
        by the sync models that point at a business record this way."""
        if model in self.env and res_id and self.env[model].browse(res_id).exists():
            return f"{model},{res_id}"
        return False

    @api.depends("priority")
    def _compute_lane(self):
        for event in self:
            event.lane = _lane_of(event.priority)

    def _search_lane(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(_("Unsupported search on the lane: %s", operator))
        values = [value] if isinstance(value, str) or not value else list(value)
        ranges = {"order": (None, PRIORITY_ORDER), "status": (PRIORITY_ORDER, PRIORITY_STATUS),
                  "bulk": (PRIORITY_STATUS, None)}
        domain = []
        for lane in values:
            low, high = ranges.get(lane, (None, None))
            if lane not in ranges:
                part = [("id", "=", False)]
            else:
                part = ([("priority", ">", low)] if low is not None else []) + (
                    [("priority", "<=", high)] if high is not None else [])
                part = ["&"] * (len(part) - 1) + part
            domain = ["|"] + domain + part if domain else part
        if operator in ("!=", "not in"):
            domain = ["!"] + domain
        return domain

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "priority" not in vals and vals.get("event_type") in EVENT_PRIORITY:
                vals["priority"] = EVENT_PRIORITY[vals["event_type"]]
        return super().create(vals_list)

    @api.depends("target_id", "event_type", "model", "res_id")
    def _compute_display_name(self):
        for event in self:
            event.display_name = "%s/%s %s,%s" % (
                event.target_id.code or "",
                event.event_type or "",
                event.model or "",
                event.res_id or "",
            )

    # ------------------------------------------------------------------
    # Outbox API (used by the business models, same transaction)
    # ------------------------------------------------------------------
    @api.model
    def _enqueue(self, target, event_type, record, aggregate_key=None):
        """Write (or coalesce into) the pending event for target/record/type.

        Runs in the caller's transaction: if the business change is rolled
        back, so is the event. Coalescing is enforced by the partial unique
        index sync_event_pending_uniq with INSERT ... ON CONFLICT, so it holds
        under concurrent transactions too.

        The event's priority (claim lane) comes from its type (EVENT_PRIORITY).
        An event of DEPENDENT_TYPES records the records it needs at the target
        (`depends_on`, from the record's _sync_dependency_keys) and promotes the
        pending upserts of those records for this target to its own priority:
        they go out first, and the claim holds it back until they are done.
        """
        if self.env.context.get("sync_bridge_skip"):
            return self.browse()
        record.ensure_one()
        target.ensure_one()
        self.flush_model()
        company = target.company_id or (
            "company_id" in record._fields and record.company_id
        ) or self.env["res.company"]
        priority = EVENT_PRIORITY.get(event_type, PRIORITY_BULK)
        keys = []
        if event_type in DEPENDENT_TYPES and hasattr(record, "_sync_dependency_keys"):
            keys = record._sync_dependency_keys()
        self.env.cr.execute(
            f"""
            INSERT INTO sync_event (
                target_id, event_type, model, res_id, aggregate_key,
                idempotency_key, state, attempts, change_count, next_attempt_at,
                trace_id, mapping_version, company_id, priority, depends_on,
                create_uid, create_date, write_uid, write_date)
            VALUES (%s, %s, %s, %s, %s, %s, 'pending', 0, 1, {NOW_SQL},
                    %s, %s, %s, %s, %s, %s, {NOW_SQL}, %s, {NOW_SQL})
            ON CONFLICT (target_id, model, res_id, event_type)
                WHERE state = 'pending'
            DO UPDATE SET change_count = sync_event.change_count + 1,
                          aggregate_key = EXCLUDED.aggregate_key,
                          priority = LEAST(sync_event.priority, EXCLUDED.priority),
                          depends_on = EXCLUDED.depends_on,
                          write_uid = EXCLUDED.write_uid,
                          write_date = EXCLUDED.write_date
            RETURNING id, priority
            """,
            (
                target.id,
                event_type,
                record._name,
                record.id,
                aggregate_key or f"{record._name},{record.id}",
                f"{target.code}:{record._name}:{record.id}:{event_type}:{uuid.uuid4().hex}",
                self.env.context.get("sync_trace_id") or uuid.uuid4().hex,
                target.mapping_version or None,
                company.id or None,
                priority,
                " ".join(keys) or None,
                self.env.uid,
                self.env.uid,
            ),
        )
        event_id, priority = self.env.cr.fetchone()
        if keys:
            self._promote_dependencies(target, keys, priority)
        event = self.browse(event_id)
        event.invalidate_recordset()
        return event

    @api.model
    def _promote_dependencies(self, target, keys, priority):
        """Move the pending upserts of the records `keys` ('model,id') for
        `target` up to `priority`, so that an order never waits behind the
        master-data backlog for the customer or product it needs. Returns the
        number of events promoted."""
        # SKIP LOCKED: a row a worker is claiming right now is about to be in
        # progress (which holds the order anyway); do not wait for its lock.
        self.env.cr.execute(
            """
            UPDATE sync_event
               SET priority = %s
             WHERE id IN (
                    SELECT id FROM sync_event
                     WHERE target_id = %s
                       AND aggregate_key = ANY(%s)
                       AND event_type = 'upsert'
                       AND state = 'pending'
                       AND priority > %s
                       FOR UPDATE SKIP LOCKED)
            """,
            (priority, target.id, list(keys), priority),
        )
        promoted = self.env.cr.rowcount
        if promoted:
            self.invalidate_model(["priority"])
        return promoted

    @api.model
    def _release_state(self, target, record, release_type="release"):
        """State of the latest non-cancelled release (or `release_type`, e.g.
        'asn') of record for target, or False."""
        self.flush_model()
        self.env.cr.execute(
            """
            SELECT state FROM sync_event
             WHERE target_id = %s AND model = %s AND res_id = %s
               AND event_type = %s AND state != 'cancelled'
          ORDER BY id DESC
             LIMIT 1
            """,
            (target.id, record._name, record.id, release_type),
        )
        row = self.env.cr.fetchone()
        return row[0] if row else False

    def _cancelled_since_release(self, target, record, release_type="release",
                                 cancel_type="cancel"):
        """Whether record's latest release to target was followed by a cancel
        (one that was or will be sent: not a dropped one)."""
        self.flush_model()
        self.env.cr.execute(
            """
            SELECT max(id) FILTER (WHERE event_type = %s),
                   max(id) FILTER (WHERE event_type = %s)
              FROM sync_event
             WHERE target_id = %s AND model = %s AND res_id = %s
               AND event_type IN (%s, %s) AND state != 'cancelled'
            """,
            (release_type, cancel_type, target.id, record._name, record.id,
             release_type, cancel_type),
        )
        release_id, cancel_id = self.env.cr.fetchone()
        return bool(release_id and cancel_id and cancel_id > release_id)

    @api.model
    def _enqueue_amend(self, target, record, aggregate_key=None, release_type="release",
                       amend_type="amend"):
        """Amend a released record (an announced receipt: release_type 'asn',
        amend_type 'asn_amend'). While the release is still pending it will
        carry the latest data anyway: no amend is needed — unless that pending
        release is a resend, which the target may answer with the record it already
        has (found by reference): then the amendment goes out after it."""
        if self._release_state(target, record, release_type) in (
                "in_progress", "done", "failed", "dead") or self._pending_resend(
                    target, record, release_type):
            return self._enqueue(target, amend_type, record, aggregate_key)
        return self.browse()

    @api.model
    def _pending_resend(self, target, record, event_type):
        """The pending, never tried resend of record's `event_type` for target."""
        return self.sudo().search(
            [
                ("target_id", "=", target.id),
                ("model", "=", record._name),
                ("res_id", "=", record.id),
                ("event_type", "=", event_type),
                ("state", "=", "pending"),
                ("attempts", "=", 0),
                ("resend_of_id", "!=", False),
            ]
        )

    @api.model
    def _enqueue_cancel(self, target, record, aggregate_key=None, release_type="release",
                        amend_type="amend", cancel_type="cancel"):
        """Cancel a released record: if the release was never handed out,
        just drop the pending events; otherwise write a cancel event. Only the
        events since the last cancel count (a record released again after a
        cancel: the earlier release is already withdrawn)."""
        domain = [
            ("target_id", "=", target.id),
            ("model", "=", record._name),
            ("res_id", "=", record.id),
            ("state", "!=", "cancelled"),
        ]
        last_cancel = self.sudo().search(domain + [("event_type", "=", cancel_type)],
                                         order="id desc", limit=1)
        events = self.sudo().search(
            domain + [("event_type", "in", (release_type, amend_type)),
                      ("id", ">", last_cancel.id or 0)]
        )
        if not events:
            return self.browse()
        if all(e.state == "pending" and not e.attempts and not e.in_doubt for e in events):
            events.write({"state": "cancelled", "done_at": fields.Datetime.now()})
            return self.browse()
        # pending amendments, and a resend not tried yet, would only go out to be cancelled
        pending_amends = events.filtered(
            lambda e: e.state == "pending" and (
                e.event_type == amend_type or (e.resend_of_id and not e.attempts and not e.in_doubt))
        )
        pending_amends.write({"state": "cancelled", "done_at": fields.Datetime.now()})
        return self._enqueue(target, cancel_type, record, aggregate_key)

    def _requeue(self, next_attempt_at=None, uncount_attempt=False, reset_attempts=False):
        """Put events back to pending, merging into a newer pending twin if one
        appeared meanwhile (the partial unique index allows only one)."""
        now = self.env.cr.now()
        for event in self:
            when = next_attempt_at or now
            twin = self.search(
                [
                    ("id", "!=", event.id),
                    ("target_id", "=", event.target_id.id),
                    ("model", "=", event.model),
                    ("res_id", "=", event.res_id),
                    ("event_type", "=", event.event_type),
                    ("state", "=", "pending"),
                ],
                limit=1,
            )
            if twin:
                twin.write(
                    {
                        "next_attempt_at": max(twin.next_attempt_at or now, when),
                        "change_count": twin.change_count + event.change_count,
                        "priority": min(twin.priority, event.priority),
                    }
                )
                if event.replay_mapping_version:
                    # the replay asked for a mapping version: the twin carries it on
                    twin.write({"replay_mapping_version": event.replay_mapping_version})
                if event.in_doubt or (reset_attempts and event.state == "dead"):
                    twin.write({"in_doubt": True})
                event.write(
                    {
                        "state": "cancelled",
                        "done_at": now,
                        "lease_expires_at": False,
                        "last_error_message": _("Superseded by event %s.", twin.id),
                    }
                )
                continue
            vals = {
                "state": "pending",
                "next_attempt_at": when,
                "lease_owner": False,
                "lease_expires_at": False,
            }
            if uncount_attempt:
                vals["attempts"] = max(event.attempts - 1, 0)
                if not vals["attempts"]:
                    vals["first_tried_at"] = False
            if reset_attempts:
                vals["attempts"] = 0
                if event.state == "dead":
                    # dead of transient failures (timeouts, 5xx): any of them may have reached
                    # the target, so the retried event looks the record up first
                    vals["in_doubt"] = True
            event._write_pending(vals)

    def _write_pending(self, vals):
        """Put one event back to pending. Under REPEATABLE READ a twin committed
        after our snapshot is invisible to the search in _requeue, but the
        partial unique index sync_event_pending_uniq still sees it: that is a
        concurrency conflict, not bad data, so it is raised as a serialization
        failure (retried by Odoo with a fresh snapshot, which merges into the
        twin) instead of an IntegrityError (answered as a ValidationError)."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=True):
                self.write(vals)
        except UniqueViolation as e:
            if e.diag.constraint_name != "sync_event_pending_uniq":
                raise
            # The text names PostgreSQL's own wording so that a caller seeing it
            # after Odoo's retries ran out also knows it is worth retrying.
            raise PendingSlotTaken(
                "could not serialize access: sync.event %s, a newer pending event of "
                "%s,%s (%s) was committed meanwhile; retry to merge into it"
                % (self.id, self.model, self.res_id, self.event_type)
            ) from e

    # ------------------------------------------------------------------
    # UI actions
    # ------------------------------------------------------------------
    def _check_manager(self):
        if not (self.env.su or self.env.user.has_group("sync_bridge.group_sync_manager")):
            raise AccessError(_("Only Sync managers can do this."))

    def action_retry(self):
        self._check_manager()
        events = self.sudo().filtered(lambda e: e.state in ("failed", "dead", "cancelled"))
        events._requeue(reset_attempts=True)
        return True

    def action_replay(self, mapping_version="current"):
        """Re-queue failed, dead or cancelled events (attempts reset) with the
        current mapping ('current': any pin is cleared) or pinned to the
        mapping version each event was sent with ('sent')."""
        self._check_manager()
        if mapping_version not in ("current", "sent"):
            raise UserError(
                _("Unknown mapping version choice %s: use 'current' or 'sent'.", mapping_version)
            )
        events = self.sudo().filtered(lambda e: e.state in ("failed", "dead", "cancelled"))
        if mapping_version == "sent":
            unknown = events.filtered(lambda e: not e.mapping_version)
            if unknown:
                raise UserError(
                    _(
                        "These events have no recorded mapping version, replay them with "
                        "the current mapping: %s",
                        ", ".join(str(i) for i in unknown.ids),
                    )
                )
            for event in events:
                event.replay_mapping_version = event.mapping_version
        else:
            events.write({"replay_mapping_version": False})
        events._requeue(reset_attempts=True)
        return True

    def action_replay_sent(self):
        return self.action_replay(mapping_version="sent")

    def action_cancel(self):
        self._check_manager()
        if any(e.state in ("in_progress", "done") for e in self):
            raise UserError(_("Events in progress or done cannot be cancelled."))
        self.sudo().write(
            {"state": "cancelled", "done_at": fields.Datetime.now(), "lease_expires_at": False}
        )
        return True

    def action_resend(self):
        """Send delivered (done) events again: one NEW pending event per event
        (same target, record and type, a new idempotency key), addressed with the
        record's current external id so the sidecar looks the record up at the
        target before creating it. Refused (UserError, nothing written) when an
        event is not done, is not a resendable type, its record is gone, finished
        or cancelled, its target is archived, or a newer event of the same kind
        exists. The new event is queued after every open event of its aggregate
        (it never overtakes them). See docs/odoo-contract.md#resend."""
        self._check_manager()
        check_access(self, "read")
        resent = self.browse()
        for event in self.sudo():
            refusal = event._resend_refusal()
            if refusal:
                raise UserError(refusal)
            resent |= self._resend_write(
                event.target_id, event._resend_record(), event.event_type,
                event.aggregate_key, event)
        return resent._action_view()

    def _resend_record(self):
        self.ensure_one()
        if self.model not in self.env or not self.res_id:
            return None
        return self.env[self.model].sudo().with_context(active_test=False).browse(
            self.res_id).exists() or None

    def _resend_refusal(self):
        """Why this event cannot be resent (a translated sentence), or False."""
        self.ensure_one()
        if self.state != "done":
            return _(
                "Event %(event)s is %(state)s: only delivered (done) events can be resent. "
                "Use Retry for a failed, dead or cancelled event.",
                event=self.id, state=dict(self._fields["state"].selection)[self.state])
        if self.event_type not in RESENDABLE_TYPES:
            return _(
                "Event %(event)s is a %(type)s: amendments and cancellations are not resent "
                "on their own; resend the record's release, which carries the record as it "
                "is now.",
                event=self.id, type=dict(self._fields["event_type"].selection)[self.event_type])
        newer = self.sudo().search(
            [
                ("id", "!=", self.id),
                ("target_id", "=", self.target_id.id),
                ("model", "=", self.model),
                ("res_id", "=", self.res_id),
                ("event_type", "=", self.event_type),
                "|", ("state", "in", OPEN_STATES),
                "&", ("state", "=", "done"), ("id", ">", self.id),
            ],
            order="id desc",
            limit=1,
        )
        if newer:
            return _(
                "A newer %(type)s event of %(record)s for %(target)s already exists (event "
                "%(newer)s, %(state)s): resend or retry that one instead of event %(event)s.",
                type=self.event_type, record="%s,%s" % (self.model, self.res_id),
                target=self.target_id.code, newer=newer.id, state=newer.state, event=self.id)
        record = self._resend_record()
        if not record:
            return _("The record of event %(event)s (%(model)s,%(res_id)s) no longer exists: "
                     "there is nothing to resend.",
                     event=self.id, model=self.model, res_id=self.res_id)
        return self._resend_target_refusal(self.target_id, record, self.event_type, self)

    @api.model
    def _resend_target_refusal(self, target, record, event_type, after=None):
        """Refusals that depend on the target and the (existing) record: archived
        target, record finished or cancelled, a cancel written after the event
        `after`."""
        if not target.active:
            return _("Target %s is archived: nothing can be sent to it.", target.code)
        if event_type in CANCEL_OF:
            cancel = self.sudo().search(
                [
                    ("target_id", "=", target.id),
                    ("model", "=", record._name),
                    ("res_id", "=", record.id),
                    ("event_type", "=", CANCEL_OF[event_type]),
                    ("state", "!=", "cancelled"),
                    ("id", ">", after.id if after else 0),
                ],
                limit=1,
            )
            if cancel:
                return _(
                    "%(record)s was cancelled at %(target)s after it was sent (event "
                    "%(cancel)s, %(state)s): a resend would create it again.",
                    record=record.display_name, target=target.code, cancel=cancel.id,
                    state=cancel.state)
            return self._resend_record_state_refusal(record)
        return False

    @api.model
    def _resend_record_state_refusal(self, record):
        """A release / ASN is only resent while there is still something to ship
        or receive, and nothing of it was shipped yet (the target would get the
        whole record again)."""
        if record._name == "stock.picking" and record.state in ("done", "cancel"):
            return _("%(record)s is %(state)s in Odoo: a resend would ship or receive it again.",
                     record=record.display_name,
                     state=dict(record._fields["state"].selection)[record.state])
        if record._name == "sale.order":
            if record.state == "cancel":
                return _("%s is cancelled in Odoo: there is nothing to resend.",
                         record.display_name)
            outgoing = record.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
            shipped = outgoing.filtered(lambda p: p.state == "done")
            if shipped:
                return _(
                    "Part of %(order)s was already delivered (%(pickings)s): a resend would "
                    "send the whole order again. Create the rest in the WMS by hand.",
                    order=record.display_name, pickings=", ".join(shipped.mapped("name")))
            if not outgoing.filtered(lambda p: p.state != "cancel"):
                return _("%s has no open delivery: there is nothing left to ship.",
                         record.display_name)
        return False

    @api.model
    def _resend_write(self, target, record, event_type, aggregate_key, resend_of=None):
        """Write the resend event (a new pending event, new idempotency key),
        addressed with the record's current external id, and note it on the
        record's chatter."""
        link = self.env["sync.link"]._get(target, record._name, record.id)
        external_ref = link.external_id or (resend_of.external_ref if resend_of else False)
        event = self.sudo().with_context(sync_bridge_skip=False)._enqueue(
            target, event_type, record, aggregate_key)
        event.write({
            "external_ref": external_ref or False,
            "resend_of_id": resend_of.id if resend_of else False,
        })
        if hasattr(record, "message_post"):
            record.message_post(
                body=_("Resent to %(target)s by %(user)s (%(type)s, event %(event)s%(of)s).",
                       target=target.name, user=self.env.user.name, type=event_type,
                       event=event.id,
                       of=_(", resend of event %s", resend_of.id) if resend_of else ""),
                subtype_xmlid="mail.mt_note",
            )
        return event

    @api.model
    def _resend_order_releases(self, target, order):
        """Resend the release of `order` for `target`: the last done release of
        the order (released on confirmation) or of each of its open deliveries
        (released when ready). A record whose release events were purged (done
        retention) but that the link shows as released gets a new release.
        All or nothing: UserError naming the first refusal."""
        Link = self.env["sync.link"]
        records = [order] + list(order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state not in ("done", "cancel")
        ).sorted("id"))
        todo = []
        for record in records:
            last = self.sudo().search(
                [
                    ("target_id", "=", target.id),
                    ("model", "=", record._name),
                    ("res_id", "=", record.id),
                    ("event_type", "=", "release"),
                    ("state", "!=", "cancelled"),
                ],
                order="id desc",
                limit=1,
            )
            link = Link._get(target, record._name, record.id)
            if last and last.state != "done":
                raise UserError(_(
                    "A newer release event of %(record)s for %(target)s already exists (event "
                    "%(event)s, %(state)s): it is on its way, or retry it if it failed.",
                    record=record.display_name, target=target.code, event=last.id,
                    state=last.state))
            if last:
                refusal = last._resend_refusal()
                if refusal:
                    raise UserError(refusal)
                todo.append((record, last))
            elif link.external_id or link.sync_status == "synced":
                refusal = self._resend_target_refusal(target, record, "release")
                if refusal:
                    raise UserError(refusal)
                todo.append((record, None))
        if not todo:
            raise UserError(_(
                "%(order)s has no delivered release for %(target)s (neither the order nor an "
                "open delivery of it): there is nothing to resend.",
                order=order.display_name, target=target.code))
        resent = self.browse()
        for record, done in todo:
            aggregate_key = done.aggregate_key if done else record._sync_aggregate_key()
            resent |= self._resend_write(target, record, "release", aggregate_key, done)
        return resent

    def _action_view(self):
        """Window action showing these events (the form when there is one)."""
        action = {
            "type": "ir.actions.act_window",
            "name": _("Resent Events"),
            "res_model": "sync.event",
            "target": "current",
        }
        if len(self) == 1:
            action.update(view_mode="form", res_id=self.id)
        else:
            action.update(view_mode=list_view_type(self.env) + ",form", domain=[("id", "in", self.ids)])
        return action

    def action_open_record(self):
        self.ensure_one()
        if not self.record_ref:
            raise UserError(_("The record of this event no longer exists."))
        return {
            "type": "ir.actions.act_window",
            "res_model": self.model,
            "res_id": self.res_id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------------
    @api.model
    def _cron_release_expired_leases(self):
        expired = self.sudo().search(
            [("state", "=", "in_progress"), ("lease_expires_at", "<", self.env.cr.now())]
        )
        # the worker holding them stopped or died, maybe while its request was on the way
        expired.write({"in_doubt": True})
        expired._requeue()
        _logger.info("sync_bridge: released %s expired leases", len(expired))
        return True

    @api.model
    def _cron_purge_done(self):
        days = int(
            self.env["ir.config_parameter"].sudo().get_param(
                "sync_bridge.done_retention_days", "30"
            )
            or 30
        )
        self.flush_model()
        self.env.cr.execute(
            f"""
            DELETE FROM sync_event
             WHERE state IN ('done', 'cancelled')
               AND done_at < {NOW_SQL} - make_interval(days => %s)
            """,
            (days,),
        )
        _logger.info("sync_bridge: purged %s done events", self.env.cr.rowcount)
        self.invalidate_model()
        return True

    # ------------------------------------------------------------------
    # Contract (called by the sidecar over XML-RPC / JSON-RPC)
    # ------------------------------------------------------------------
    @api.model
    def _check_service_access(self):
        if self.env.su or self.env.user.has_group("sync_bridge.group_sync_service"):
            return
        raise AccessError(_("Only members of the 'Sync service' group may call the sync contract."))

    @api.model
    def _targets_by_codes(self, target_codes):
        if isinstance(target_codes, str):
            target_codes = [target_codes]
        if not isinstance(target_codes, (list, tuple)) or not target_codes:
            raise ValidationError(_("target_codes must be a non-empty list of target codes."))
        targets = self.env["sync.target"].sudo().search([("code", "in", list(target_codes))])
        unknown = set(target_codes) - set(targets.mapped("code"))
        if unknown:
            raise ValidationError(_("Unknown or archived sync targets: %s", ", ".join(sorted(unknown))))
        return targets

    @api.model
    def sync_contract_info(self):
        self._check_service_access()
        module = self.env["ir.module.module"].sudo().search([("name", "=", "sync_bridge")], limit=1)
        targets = self.env["sync.target"].sudo().with_context(active_test=False).search([])
        return {
            "contract_version": CONTRACT_VERSION,
            "module_version": module.latest_version or False,
            "targets": [
                {"code": t.code, "kind": t.kind, "name": t.name, "active": t.active}
                for t in targets
            ],
        }

    @api.model
    def sync_claim(self, worker_id, target_codes, limit=50, lease_seconds=300, specs=None):
        self._check_service_access()
        if not worker_id or not isinstance(worker_id, str):
            raise ValidationError(_("worker_id must be a non-empty string."))
        specs = specs or {}
        if not isinstance(specs, dict):
            raise ValidationError(_("specs must be a dict model -> web_read specification."))
        for model_name, spec in specs.items():
            if model_name in self.env:
                self._check_spec(model_name, spec, "")
        targets = self._targets_by_codes(target_codes)
        targets._sync_touch_contact()
        limit = max(1, min(int(limit or 1), MAX_CLAIM))
        lease_seconds = max(5, min(int(lease_seconds or 300), 86400))
        self.flush_model()
        ids = []
        # One statement per target (targets are few) so that PostgreSQL walks
        # the small partial index sync_event_claim_lane_idx (target_id, priority, id)
        # in lane order and stops after `limit` rows, whatever the number of done rows.
        # The limit is shared fairly between the requested targets.
        share = -(-limit // len(targets))
        full = self.env["sync.target"]
        for target in targets:
            if len(ids) >= limit:
                break
            got = self._claim_target(target, worker_id, min(share, limit - len(ids)), lease_seconds)
            ids += got
            if len(got) == share:
                full |= target
        for target in full:  # top up from the busy targets
            if len(ids) >= limit:
                break
            ids += self._claim_target(target, worker_id, limit - len(ids), lease_seconds)
        ids.sort()
        self.invalidate_model()
        events = self.sudo().browse(ids)
        records = self._claim_read_records(events, specs)
        links = self._claim_links(events)
        result = []
        for event in events:
            record, error = records.get((event.model, event.res_id), (False, False))
            item = {
                "id": event.id,
                "target": event.target_id.code,
                "event_type": event.event_type,
                "model": event.model,
                "res_id": event.res_id,
                "aggregate_key": event.aggregate_key,
                "idempotency_key": event.idempotency_key,
                "attempts": event.attempts,
                "in_doubt": event.in_doubt,
                "change_count": event.change_count,
                "lease_token": event.lease_token,
                "lease_expires_at": event.lease_expires_at,
                "trace_id": event.trace_id,
                "created_at": event.create_date,
                "mapping_version": event.mapping_version,
                "replay_mapping_version": event.replay_mapping_version,
                "external_ref": event.external_ref
                or links.get((event.target_id.id, event.model, event.res_id)),
                "record": record,
            }
            if error:
                item["record_error"] = error
            result.append(_json_safe(item))
        return result

    @api.model
    def _check_spec(self, model_name, spec, path):
        """Reject unknown fields before anything is claimed (clear error)."""
        if not isinstance(spec, dict):
            raise ValidationError(_("The web_read specification of %s must be a dict.", model_name))
        model = self.env[model_name]
        for fname, sub in spec.items():
            field = model._fields.get(fname)
            if not field:
                raise ValidationError(
                    _("Unknown field %(field)s on %(model)s in specs.", field=path + fname,
                      model=model_name)
                )
            if isinstance(sub, dict) and sub.get("fields") and field.relational:
                self._check_spec(field.comodel_name, sub["fields"], path + fname + ".")

    def _claim_target(self, target, worker_id, limit, lease_seconds):
        """Lease up to `limit` due events of one target; returns their ids.

        Odoo cursors run REPEATABLE READ: a row claimed and committed by
        another worker after our snapshot raises a serialization failure here,
        which Odoo's RPC layer retries with a fresh snapshot. SKIP LOCKED lets
        concurrent claimers take disjoint rows without waiting. An event is
        only due if no older event of its aggregate (same target) is still
        pending, in progress, failed or dead, and no upsert of a record it
        depends on (`depends_on`) that is older or was promoted to its lane is
        pending or in progress (an upsert itself stuck behind a failed or dead
        event of its record does not hold it).
        Due events go out by (priority, id): the order-flow lane first, a
        master-data backlog last (index sync_event_claim_lane_idx).
        """
        self.env.cr.execute(
            f"""
            WITH candidates AS (
                {CLAIM_CANDIDATES_SQL}
                   FOR UPDATE OF e SKIP LOCKED
            )
            UPDATE sync_event e
               SET state = 'in_progress',
                   lease_owner = %(worker)s,
                   lease_token = md5(random()::text || clock_timestamp()::text || e.id::text),
                   lease_expires_at = {NOW_SQL} + make_interval(secs => %(lease)s),
                   attempts = e.attempts + 1,
                   first_tried_at = COALESCE(e.first_tried_at, {NOW_SQL}),
                   in_doubt = COALESCE(e.in_doubt, false) OR e.state = 'in_progress',
                   write_uid = %(uid)s,
                   write_date = {NOW_SQL}
              FROM candidates c
             WHERE e.id = c.id
         RETURNING e.id
            """,
            {
                "target": target.id,
                "limit": limit,
                "worker": worker_id[:128],
                "lease": lease_seconds,
                "uid": self.env.uid,
            },
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _claim_read_records(self, events, specs):
        """web_read the business records, as the caller (its access rights)."""
        by_model = {}
        for event in events:
            by_model.setdefault(event.model, set()).add(event.res_id)
        result = {}
        for model, res_ids in by_model.items():
            if model not in self.env:
                continue
            records = self.env[model].browse(sorted(res_ids)).exists()
            if not records:
                continue
            spec = specs.get(model) or {"display_name": {}}
            try:
                values = records.web_read(spec)
            except AccessError:
                # isolate the records the service user may not read
                values = []
                for record in records:
                    try:
                        values += record.web_read(spec)
                    except AccessError as e:
                        result[(model, record.id)] = (False, "AccessError: %s" % e)
            for vals in values:
                result[(model, vals["id"])] = (vals, False)
        return result

    def _claim_links(self, events):
        if not events:
            return {}
        links = self.env["sync.link"].sudo().search(
            [
                ("target_id", "in", events.target_id.ids),
                ("model", "in", list(set(events.mapped("model")))),
                ("res_id", "in", list(set(events.mapped("res_id")))),
                ("external_id", "!=", False),
            ]
        )
        return {(l.target_id.id, l.model, l.res_id): l.external_id for l in links}

    @api.model
    def _lock_items(self, items, result):
        """Validate items and lock their events. Returns [(item, event)] for the
        items whose lease token is current; refusals go into result."""
        if not isinstance(items, (list, tuple)):
            raise ValidationError(_("items must be a list."))
        valid = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("id"), int):
                result["refused"].append(
                    {"id": item.get("id", False) if isinstance(item, dict) else False,
                     "reason": "invalid_item"}
                )
                continue
            valid.append(item)
        if not valid:
            return []
        self.flush_model()
        self.env.cr.execute(
            "SELECT id FROM sync_event WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
            ([item["id"] for item in valid],),
        )
        existing = {row[0] for row in self.env.cr.fetchall()}
        self.invalidate_model()
        checked = []
        for item in valid:
            if item["id"] not in existing:
                result["refused"].append({"id": item["id"], "reason": "unknown_event"})
                continue
            event = self.sudo().browse(item["id"])
            if not item.get("lease_token") or item["lease_token"] != event.lease_token:
                result["refused"].append({"id": event.id, "reason": "lease_lost"})
                continue
            checked.append((item, event))
        return checked

    @api.model
    def sync_ack(self, items):
        self._check_service_access()
        result = {"ok": [], "refused": []}
        now = fields.Datetime.now()
        for item, event in self._lock_items(items, result):
            if event.state == "done":
                result["ok"].append(event.id)  # idempotent re-ack
                continue
            if event.state != "in_progress":
                result["refused"].append({"id": event.id, "reason": "not_in_progress"})
                continue
            links = list(item.get("links") or [])
            if item.get("external_ref") and not any(
                l.get("model") == event.model and l.get("res_id") == event.res_id
                for l in links
                if isinstance(l, dict)
            ):
                links.append(
                    {"model": event.model, "res_id": event.res_id, "external_id": item["external_ref"]}
                )
            conflict = self.env["sync.link"]._check_links(event.target_id, links)
            if conflict:
                result["refused"].append({"id": event.id, "reason": conflict})
                continue
            event.write(
                {
                    "state": "done",
                    "done_at": now,
                    "lease_expires_at": False,
                    "replay_mapping_version": False,
                    "external_ref": item.get("external_ref") or event.external_ref,
                    "mapping_version": item.get("mapping_version") or event.mapping_version,
                    "trace_id": event.trace_id or item.get("trace_id") or False,
                }
            )
            self.env["sync.link"]._apply_links(event.target_id, links)
            self.env["sync.link"]._set_status(event, "synced")
            self.env["sync.exception"].sudo()._auto_resolve(event)
            result["ok"].append(event.id)
        return result

    @api.model
    def sync_nack(self, items):
        self._check_service_access()
        result = {"ok": [], "refused": []}
        now = self.env.cr.now()
        for item, event in self._lock_items(items, result):
            if event.state != "in_progress":
                result["refused"].append({"id": event.id, "reason": "not_in_progress"})
                continue
            details = item.get("error_details")
            if details not in (None, False) and not isinstance(details, str):
                details = json.dumps(details, default=str, indent=2)
            message = item.get("error_message") or _("No error message given.")
            if item.get("in_doubt"):
                # a request of this attempt may have reached the target (18.0.1.13.0)
                event.write({"in_doubt": True})
            event.write(
                {
                    "mapping_version": item.get("mapping_version") or event.mapping_version,
                    "trace_id": event.trace_id or item.get("trace_id") or False,
                    "last_error_class": item.get("error_class") or False,
                    "last_error_message": message,
                    "last_error_details": details or False,
                }
            )
            if item.get("dead"):
                event.write({"state": "dead", "lease_expires_at": False, "done_at": now})
                category = item.get("category") or "unavailable"
            elif item.get("retryable"):
                # uncount_attempt: the failure says nothing about the event (the target's rate
                # limit, an open circuit, a failed probe): the claim is given back, as in
                # sync_release, so Attempts and max_attempts count only real failures.
                event._requeue(next_attempt_at=_parse_dt(item.get("next_attempt_at")) or (
                    now + timedelta(seconds=min(30 * 2 ** max(event.attempts - 1, 0), 3600))
                ), uncount_attempt=bool(item.get("uncount_attempt")))
                result["ok"].append(event.id)
                continue
            else:
                event.write({"state": "failed", "lease_expires_at": False})
                category = item.get("category") or "rejected"
            self.env["sync.exception"].sudo()._raise_exception(
                category,
                message,
                model=event.model,
                res_id=event.res_id,
                target=event.target_id,
                event=event,
                details=details,
                error_class=item.get("error_class"),
            )
            self.env["sync.link"]._set_status(event, "failed", message)
            result["ok"].append(event.id)
        return result

    @api.model
    def sync_heartbeat(self, worker_id, items, lease_seconds=300):
        self._check_service_access()
        result = {"ok": [], "refused": []}
        lease_seconds = max(5, min(int(lease_seconds or 300), 86400))
        expires = self.env.cr.now() + timedelta(seconds=lease_seconds)
        for _item, event in self._lock_items(items, result):
            if event.state != "in_progress":
                result["refused"].append({"id": event.id, "reason": "not_in_progress"})
                continue
            event.write({"lease_expires_at": expires, "lease_owner": worker_id or event.lease_owner})
            result["ok"].append(event.id)
        return result

    @api.model
    def sync_contact(self, worker_id, targets, sidecar_version=None):
        """The sidecar's view of its targets, about once a minute (18.0.1.13.0): records the
        contact on each active target named, with what the sidecar sees of it (a target whose
        circuit is open is not claimed from, so its polls alone would not show the sidecar
        alive), and the sidecar's release. See docs/odoo-contract.md#sync_contact."""
        self._check_service_access()
        if not worker_id or not isinstance(worker_id, str):
            raise ValidationError(_("worker_id must be a non-empty string."))
        if sidecar_version is not None and not (
                isinstance(sidecar_version, str) and SIDECAR_VERSION_RE.fullmatch(sidecar_version)):
            raise ValidationError(_(
                "sidecar_version: a release such as 1.13.0 (at most 40 letters, digits and . + -),"
                " not %r.", sidecar_version))
        if not isinstance(targets, (list, tuple)):
            raise ValidationError(_("targets must be a list of {code, state, detail}."))
        labels = dict(self.env["sync.target"]._fields["contact_sidecar_state"].selection)
        result = {"ok": [], "refused": []}
        for index, item in enumerate(targets):
            if not isinstance(item, dict) or not isinstance(item.get("code"), str):
                raise ValidationError(_("targets[%(i)s].code: a target code is required.", i=index))
            if item.get("state") not in labels:
                raise ValidationError(_("targets[%(i)s].state: one of %(states)s, not %(got)r.",
                                        i=index, states=", ".join(labels), got=item.get("state")))
            detail = item.get("detail")
            if detail is not None and not isinstance(detail, str):
                raise ValidationError(_("targets[%(i)s].detail: a text.", i=index))
            target = self.env["sync.target"].sudo().search([("code", "=", item["code"])], limit=1)
            if not target:
                result["refused"].append({"code": item["code"], "reason": "unknown_target"})
                continue
            target._sync_record_contact(worker_id, item["state"], detail, sidecar_version)
            result["ok"].append(item["code"])
        return result

    @api.model
    def sync_release(self, worker_id, items):
        self._check_service_access()
        result = {"ok": [], "refused": []}
        for item, event in self._lock_items(items, result):
            if event.state != "in_progress":
                result["refused"].append({"id": event.id, "reason": "not_in_progress"})
                continue
            # in_doubt: a request may have reached the target; the attempt stays
            # counted so the next claim looks the record up before re-creating it.
            if item.get("in_doubt"):
                event.write({"in_doubt": True})
            event._requeue(uncount_attempt=not item.get("in_doubt"))
            result["ok"].append(event.id)
        return result

    @api.model
    def sync_apply(self, items):
        """Apply inbound messages (shipments, returns, stock counts, CRM orders),
        each exactly once. See docs/odoo-contract.md#sync_apply-inbound."""
        self._check_service_access()
        return _json_safe(self.env["sync.inbound.message"].sudo()._apply_items(items))

    @api.model
    def sync_atp(self, target, product_ids):
        """Available to promise per product and warehouse of the target's ATP
        scope. See docs/odoo-contract.md#sync_atp."""
        self._check_service_access()
        return _json_safe(self.env["product.product"].sudo()._sync_atp(target, product_ids))

    @api.model
    def sync_status_summary(self):
        self._check_service_access()
        self.flush_model()
        self.env.cr.execute(
            f"""
            SELECT target_id, state, count(*),
                   EXTRACT(EPOCH FROM {NOW_SQL} - min(create_date)),
                   count(*) FILTER (WHERE priority <= %s),
                   count(*) FILTER (WHERE priority > %s AND priority <= %s)
              FROM sync_event
             WHERE state IN ('pending', 'in_progress', 'failed', 'dead')
          GROUP BY target_id, state
            """,
            (PRIORITY_ORDER, PRIORITY_ORDER, PRIORITY_STATUS),
        )
        stats, lanes = {}, {}
        for target_id, state, count, age, order, status in self.env.cr.fetchall():
            stats[(target_id, state)] = (count, age)
            if state == "pending":
                lanes[target_id] = {"order": order, "status": status,
                                    "bulk": count - order - status}
        exc = self.env["sync.exception"].sudo()._read_group(
            [("state", "=", "open")], ["target_id"], ["__count"]
        )
        exc_counts = {t.id: c for t, c in exc}
        res = []
        targets = self.env["sync.target"].sudo().with_context(active_test=False).search([])
        for target in targets:
            row = {"target": target.code, "kind": target.kind, "active": target.active}
            for state in OPEN_STATES:
                row[state] = stats.get((target.id, state), (0, 0))[0]
            pending = stats.get((target.id, "pending"))
            row["oldest_pending_age_seconds"] = int(max(pending[1] or 0, 0)) if pending else False
            row["open_exceptions"] = exc_counts.get(target.id, 0)
            row["pending_by_lane"] = lanes.get(target.id, {"order": 0, "status": 0, "bulk": 0})
            res.append(row)
        return res

    # ------------------------------------------------------------------
    # Reconciliation (docs/odoo-contract.md#reconciliation)
    # ------------------------------------------------------------------
    @api.model
    def sync_recon_start(self, target, job, dry_run=False, worker_id=False):
        self._check_service_access()
        return _json_safe(self.env["sync.reconciliation"].sudo()._recon_start(
            target, job, dry_run, worker_id))

    @api.model
    def sync_recon_heartbeat(self, run_id):
        self._check_service_access()
        return self.env["sync.reconciliation"].sudo()._run(run_id, running=False)._recon_heartbeat()

    @api.model
    def sync_recon_odoo_stock(self, target, after_key=False, limit=500):
        self._check_service_access()
        return self.env["sync.reconciliation"].sudo()._recon_odoo_stock(target, after_key, limit)

    @api.model
    def sync_recon_open_orders(self, target, after_id=0, limit=500):
        self._check_service_access()
        return self.env["sync.reconciliation"].sudo()._recon_open_orders(target, after_id, limit)

    @api.model
    def sync_recon_open_receipts(self, target, after_id=0, limit=500):
        self._check_service_access()
        return self.env["sync.reconciliation"].sudo()._recon_open_receipts(target, after_id, limit)

    @api.model
    def sync_recon_master(self, target, model, after_id=0, limit=500, natural_key=False,
                          partner_kind=False):
        self._check_service_access()
        return self.env["sync.reconciliation"].sudo()._recon_master(
            target, model, after_id, limit, natural_key, partner_kind)

    @api.model
    def sync_recon_lines(self, run_id, lines):
        self._check_service_access()
        return _json_safe(self.env["sync.reconciliation"].sudo()._run(run_id)._recon_lines(lines))

    @api.model
    def sync_recon_resend(self, run_id, model, res_ids=None, ids=None):
        """Re-sends records of `model` (the master-data repair). The records are `res_ids`:
        Odoo 19's JSON-2 endpoint keeps an argument named `ids` for the records a method runs
        on and refuses it here; `ids` is still accepted over XML-RPC from sidecars before
        18.0.1.11.0."""
        self._check_service_access()
        if res_ids is None:
            res_ids = ids
        if res_ids is None:
            raise ValidationError(_("sync_recon_resend needs res_ids (the ids of the records to send)."))
        return _json_safe(
            self.env["sync.reconciliation"].sudo()._run(run_id)._recon_resend(model, res_ids))

    @api.model
    def sync_recon_finish(self, run_id, state, counts=None, error=False):
        self._check_service_access()
        return self.env["sync.reconciliation"].sudo()._run(run_id, running=False)._recon_finish(
            state, counts, error)
