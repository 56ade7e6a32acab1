# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import hashlib
import json
import logging
from collections import defaultdict
from datetime import datetime, time

from psycopg2 import errorcodes
from psycopg2.extensions import TransactionRollbackError

from odoo import SUPERUSER_ID, Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, float_is_zero, float_round

from ..compat import create_return, is_storable, list_view_type

from . import inbound_schema

_logger = logging.getLogger(__name__)

KINDS = [
    ("shipment", "Shipment confirmed"),
    ("return", "Return received"),
    ("stock_snapshot", "Stock snapshot"),
    ("stock_adjustment", "Stock adjustment / cycle count"),
    ("sale_order", "Sale order (CRM quote)"),
    ("receipt", "Receipt (purchase) received"),
    ("milestone", "Fulfilment milestone"),
    ("partner_change", "Customer change (CRM)"),
    ("partner_new", "New customer (CRM)"),
]
# errors that must abort the whole call so that Odoo retries it
RETRY_PGCODES = (errorcodes.LOCK_NOT_AVAILABLE, errorcodes.SERIALIZATION_FAILURE,
                 errorcodes.DEADLOCK_DETECTED)
VALIDATE_CONTEXT = {
    "skip_backorder": True,
    "skip_sms": True,
    "skip_expired": True,
    "cancel_backorder": False,
}


class InboundProblems(Exception):
    """Business problems of a message: its business changes are rolled back."""


class _Apply:
    """State of one message being applied."""

    def __init__(self, message, env):
        self.message = message
        self.env = env
        self.target = message.target_id.with_env(env)
        self.records = []  # [(record, role)]
        self.problems = []  # [(category, text, record or None)]
        self.summary = []
        self.anchor = None  # business record exceptions are raised on
        self.reasons = {}  # (category, record or None) -> {reason_code, wms_status}
        # exceptions raised once the message is applied (its business changes stay):
        # [(category, text, record)]
        self.notices = []

    def touch(self, records, role):
        for record in records:
            if not any(r == record for r, _role in self.records):
                self.records.append((record, role))

    def problem(self, category, text, record=None, **reason):
        record = record if record is not None else self.anchor
        self.problems.append((category, text, record))
        if reason:
            self.reasons[(category, record._name, record.id) if record else (category,)] = reason

    def check(self):
        if self.problems:
            raise InboundProblems()


class SyncInboundMessage(models.Model):
    _name = "sync.inbound.message"
    _description = "Sync Inbound Message"
    _order = "id desc"

    target_id = fields.Many2one(
        "sync.target", required=True, ondelete="restrict", readonly=True, index=True
    )
    target_kind = fields.Selection(related="target_id.kind", string="Target Kind")
    message_id = fields.Char(required=True, readonly=True, index=True, string="Message ID")
    kind = fields.Selection(KINDS, readonly=True)
    source = fields.Char(readonly=True, help="External system that sent the message.")
    natural_key = fields.Char(
        readonly=True, index=True,
        help="Business reference of the message (e.g. shipment id): a second message "
        "with another id but the same reference is a duplicate.",
    )
    payload = fields.Text(readonly=True, help="Canonical payload (JSON).")
    state = fields.Selection(
        [
            ("received", "Received"),
            ("applied", "Applied"),
            ("duplicate", "Duplicate"),
            ("exception", "Exception"),
            ("rejected", "Rejected"),
        ],
        required=True,
        default="received",
        readonly=True,
        index=True,
    )
    result_summary = fields.Text(readonly=True)
    error = fields.Text(readonly=True)
    record_ids = fields.One2many("sync.inbound.record", "message_id", readonly=True,
                                 string="Records")
    record_count = fields.Integer(compute="_compute_counts")
    exception_ids = fields.One2many("sync.exception", "inbound_message_id", readonly=True)
    open_exception_count = fields.Integer(compute="_compute_counts")
    duplicate_of_id = fields.Many2one("sync.inbound.message", readonly=True,
                                      ondelete="set null")
    duplicate_count = fields.Integer(
        readonly=True, help="How many times the same message id was received again."
    )
    last_duplicate_at = fields.Datetime(readonly=True)
    attempt_count = fields.Integer(readonly=True, default=1)
    received_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    applied_at = fields.Datetime(readonly=True)
    trace_id = fields.Char(readonly=True)
    company_id = fields.Many2one(related="target_id.company_id", store=True)

    if hasattr(models, "Constraint"):  # Odoo 19+: _sql_constraints is ignored
        _target_message_uniq = models.Constraint("unique(target_id, message_id)", "A message id can only be received once per target.")
    else:  # Odoo 18
        _sql_constraints = [
            (
                "target_message_uniq",
                "unique(target_id, message_id)",
                "A message id can only be received once per target.",
            ),
        ]

    @api.depends("record_ids", "exception_ids.state")
    def _compute_counts(self):
        for msg in self:
            msg.record_count = len(msg.record_ids)
            msg.open_exception_count = len(msg.exception_ids.filtered(lambda e: e.state == "open"))

    @api.depends("target_id", "kind", "message_id")
    def _compute_display_name(self):
        for msg in self:
            msg.display_name = "%s/%s %s" % (msg.target_id.code or "", msg.kind or "",
                                              msg.message_id or "")

    # ------------------------------------------------------------------
    # Entry point (sync.event.sync_apply)
    # ------------------------------------------------------------------
    @api.model
    def _apply_items(self, items):
        if not isinstance(items, (list, tuple)):
            raise ValidationError(_("items must be a list."))
        return [self._apply_item(item, index) for index, item in enumerate(items)]

    @api.model
    def _apply_item(self, item, index):
        path = f"items[{index}]"
        if not isinstance(item, dict):
            return self._refusal(False, path, _("expected an object"))
        message_id = item.get("message_id")
        if not isinstance(message_id, str) or not message_id.strip():
            return self._refusal(False, path + ".message_id", _("required, a non-empty string"))
        code = item.get("target")
        target = self.env["sync.target"].sudo().search(
            [("code", "=", code if isinstance(code, str) else "")], limit=1
        )
        if not target:
            return self._refusal(message_id, path + ".target",
                                 _("unknown or archived target %r", code))
        with self.env.cr.savepoint():
            msg, created = self._claim_message(target, message_id, item)
        if not created:
            msg._register_duplicate()
            return msg._result(status="duplicate")
        if msg.state != "received":  # rejected before processing (unknown kind)
            return msg._result()
        msg._process_safely()
        return msg._result()

    def _process_safely(self):
        """_process in a savepoint: a crash becomes an 'internal' exception."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._process()
        except TransactionRollbackError:
            raise
        except Exception as e:  # noqa: BLE001 - the message must not break the batch
            if getattr(e, "pgcode", None) in RETRY_PGCODES:
                raise
            _logger.exception("sync_bridge: inbound message %s failed", self.message_id)
            self._set_exceptions([("internal", "%s: %s" % (type(e).__name__, e), None)], [])

    @api.model
    def _refusal(self, message_id, path, text):
        return {"message_id": message_id, "status": "rejected", "records": [],
                "exception_ids": [], "error": f"{path}: {text}"}

    @api.model
    def _claim_message(self, target, message_id, item):
        """Insert the message row, or find the one already received.

        INSERT ... ON CONFLICT DO NOTHING: a concurrent transaction applying
        the same message makes this one wait, then fail with a serialization
        error (REPEATABLE READ), which Odoo retries: the retry sees a duplicate.
        """
        kind = item.get("kind")
        payload = item.get("payload")
        try:
            payload_text = json.dumps(payload, indent=2, sort_keys=True, default=str)
        except (TypeError, ValueError):
            payload_text = repr(payload)
        self.flush_model()
        self.env.cr.execute(
            """
            INSERT INTO sync_inbound_message (
                target_id, message_id, kind, source, payload, state, trace_id,
                company_id, received_at, attempt_count, duplicate_count,
                create_uid, create_date, write_uid, write_date)
            VALUES (%s, %s, %s, %s, %s, 'received', %s, %s, now() at time zone 'utc', 1, 0,
                    %s, now() at time zone 'utc', %s, now() at time zone 'utc')
            ON CONFLICT (target_id, message_id) DO NOTHING
            RETURNING id
            """,
            (
                target.id,
                message_id,
                kind if kind in dict(KINDS) else None,
                payload.get("source") if isinstance(payload, dict)
                and isinstance(payload.get("source"), str) else None,
                payload_text,
                item.get("trace_id") if isinstance(item.get("trace_id"), str) else None,
                target.company_id.id or None,
                self.env.uid,
                self.env.uid,
            ),
        )
        row = self.env.cr.fetchone()
        if row:
            msg = self.sudo().browse(row[0])
            msg.invalidate_recordset()
            if kind not in dict(KINDS):
                msg._set_rejected(_("%(path)s: expected one of %(kinds)s", path="kind",
                                    kinds=", ".join(k for k, _l in KINDS)))
                msg = msg.browse(msg.id)
            return msg, True
        msg = self.sudo().search(
            [("target_id", "=", target.id), ("message_id", "=", message_id)], limit=1
        )
        return msg, False

    def _register_duplicate(self):
        self.ensure_one()
        self.write({"duplicate_count": self.duplicate_count + 1,
                    "last_duplicate_at": fields.Datetime.now()})

    def _result(self, status=None):
        self.ensure_one()
        first = self.state
        if first == "received" and not status:
            # rejected before processing (unknown kind) is set in _claim_message
            first = "rejected"
        res = {
            "message_id": self.message_id,
            "status": status or ("duplicate" if first == "duplicate" else first),
            "records": [
                {"model": r.model, "res_id": r.res_id, "display_name": r.name or ""}
                for r in self.record_ids
            ],
            "exception_ids": self.exception_ids.ids,
            "error": self.error or False,
        }
        if status == "duplicate":
            res["first_status"] = first
        return res

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------
    def _set_rejected(self, error):
        self.write({"state": "rejected", "error": error, "applied_at": fields.Datetime.now()})
        self.env["sync.exception"].sudo()._raise_exception(
            "validation", _("Inbound message %(msg)s rejected: %(error)s",
                            msg=self.message_id, error=error),
            model=self._name, res_id=self.id, target=self.target_id,
        ).inbound_message_id = self.id

    def _business_env(self):
        """Business changes are made as the superuser: the service user itself
        only has read access; the message row keeps who sent it."""
        self.ensure_one()
        env = self.env(user=SUPERUSER_ID, su=True, context=dict(
            self.env.context, sync_trace_id=self.trace_id or False,
        ))
        if self.target_id.company_id:
            env = env(context=dict(env.context,
                                   allowed_company_ids=[self.target_id.company_id.id]))
        return env

    def _process(self):
        """Apply the stored payload. Business problems roll back the business
        changes of the message and raise sync exceptions instead."""
        self.ensure_one()
        self.record_ids.unlink()
        self.write({"error": False, "result_summary": False, "duplicate_of_id": False})
        if self.kind not in inbound_schema.SCHEMAS:
            self._set_rejected(_("kind: expected one of %s", ", ".join(inbound_schema.SCHEMAS)))
            return
        try:
            payload = json.loads(self.payload or "null")
            data = inbound_schema.validate(self.kind, payload)
        except (ValueError, inbound_schema.SchemaError) as e:
            self._set_rejected(str(e))
            return
        self.source = data["source"]
        natural_key = self._natural_key(data)
        if natural_key:
            self.natural_key = natural_key
            first = self.search(
                [("target_id", "=", self.target_id.id), ("natural_key", "=", natural_key),
                 ("state", "=", "applied"), ("id", "!=", self.id)],
                order="id", limit=1,
            )
            if first:
                self.write({
                    "state": "duplicate",
                    "duplicate_of_id": first.id,
                    "applied_at": fields.Datetime.now(),
                    "result_summary": _("Same %(key)s as message %(msg)s: nothing applied.",
                                        key=natural_key, msg=first.message_id),
                    "record_ids": [Command.create({"model": r.model, "res_id": r.res_id,
                                                   "name": r.name, "role": r.role})
                                   for r in first.record_ids],
                })
                return
        env = self._business_env()
        apply = _Apply(self, env)
        handler = getattr(self.with_env(env), "_apply_" + self.kind)
        rollback = self.kind not in ("stock_snapshot", "stock_adjustment")
        try:
            with self.env.cr.savepoint():
                handler(data, apply)
                if rollback:
                    apply.check()
        except InboundProblems:
            pass
        except (UserError, ValidationError) as e:
            apply.problem("validation", str(e.args[0] if e.args else e))
        if apply.problems:
            if rollback:
                anchor = apply.anchor and apply.anchor.exists()
                apply.records = [(anchor, "blamed")] if anchor else []
            self._set_exceptions(apply.problems, apply.records, apply.summary, apply.reasons)
            return
        self._set_records(apply.records)
        self.write({
            "state": "applied",
            "applied_at": fields.Datetime.now(),
            "result_summary": "\n".join(apply.summary) or False,
        })
        self.env["sync.exception"].sudo().search(
            [("inbound_message_id", "=", self.id), ("state", "=", "open")]
        ).write({"state": "resolved", "resolved_at": fields.Datetime.now(),
                 "resolved_by_id": self.env.uid})
        self._raise_notices(apply.notices)

    def _raise_notices(self, notices):
        """Exceptions about an applied message (e.g. CRM prices that differ from the
        pricelist): the records stay as applied; someone must look at them."""
        Exception_ = self.env["sync.exception"].sudo()
        for category, text, record in notices:
            exc = Exception_._raise_exception(
                category,
                _("Inbound %(kind)s %(msg)s: %(problem)s", kind=self.kind or "",
                  msg=self.message_id, problem=text),
                model=record._name, res_id=record.id, target=self.target_id,
                details=json.dumps({"message_id": self.message_id, "problems": [text]},
                                   indent=2),
            )
            exc.inbound_message_id = self.id

    def _set_records(self, records):
        vals = []
        for record, role in records:
            if not record or not record.exists():
                continue
            vals.append(Command.create({"model": record._name, "res_id": record.id,
                                        "name": record.display_name, "role": role}))
        self.record_ids.unlink()
        if vals:
            self.write({"record_ids": vals})

    def _set_exceptions(self, problems, records, summary=None, reasons=None):
        """Raise one sync exception per (category, record) and mark the message."""
        self.ensure_one()
        grouped = defaultdict(list)
        for category, text, record in problems:
            key = (category, record._name, record.id) if record else (category, self._name, self.id)
            grouped[key].append(text)
        Exception_ = self.env["sync.exception"].sudo()
        reasons = reasons or {}
        for (category, model, res_id), texts in grouped.items():
            reason = reasons.get((category, model, res_id)) or reasons.get((category,)) or {}
            exc = Exception_._raise_exception(
                category,
                _("Inbound %(kind)s %(msg)s: %(problems)s", kind=self.kind or "",
                  msg=self.message_id, problems="\n".join(texts)),
                model=model, res_id=res_id, target=self.target_id,
                details=json.dumps({"message_id": self.message_id, "problems": texts}, indent=2),
                **reason,
            )
            exc.inbound_message_id = self.id
        self._set_records(records)
        self.write({
            "state": "exception",
            "applied_at": fields.Datetime.now(),
            "error": "\n".join(text for _c, text, _r in problems),
            "result_summary": "\n".join(summary or []) or False,
        })

    def _natural_key(self, data):
        if self.kind == "shipment":
            return f"shipment:{data['source']}:{data['shipment_id']}"
        if self.kind == "return":
            return f"return:{data['source']}:{data['return_id']}"
        if self.kind in ("stock_snapshot", "stock_adjustment"):
            return f"{self.kind}:{data['source']}:{data['location']}:{data['as_of']}"
        if self.kind == "receipt":
            return f"receipt:{data['source']}:{data['receipt_id']}"
        if self.kind == "milestone":
            return "milestone:%s:%s:%s:%s:%s" % (
                data["source"], data["order_ref"], data["milestone"],
                data.get("shipment_id") or "", data["occurred_at"])
        if self.kind == "partner_change":
            return "partner_change:%s:%s:%s:%s" % (
                data["source"], data["external_id"], data["changed_at"],
                hashlib.sha256(json.dumps(data["changes"], sort_keys=True).encode()).hexdigest())
        if self.kind == "partner_new":
            return f"partner_new:{data['source']}:{data['external_id']}"
        return False

    def action_reprocess(self):
        """Apply an exception/rejected message again (e.g. after creating the
        missing product)."""
        self.env["sync.event"]._check_manager()
        for msg in self.sudo().filtered(lambda m: m.state in ("exception", "rejected")):
            msg.attempt_count += 1
            msg._process_safely()
        return True

    def action_view_records(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Records"),
            "res_model": "sync.inbound.record",
            "view_mode": list_view_type(self.env),
            "domain": [("message_id", "=", self.id)],
        }

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _company(self, apply):
        return apply.target.company_id or self.env.company

    def _product(self, sku):
        company = self.env.company
        return self.env["product.product"].search(
            [("default_code", "=", sku), ("company_id", "in", [False, company.id])], limit=1
        )

    def _line_product(self, line, path, apply):
        """The product of a payload line's SKU; an empty recordset, with a
        validation problem recorded at `path`, when Odoo does not know it."""
        product = self._product(line["sku"])
        if not product:
            apply.problem("validation", _("%(path)s.sku: unknown SKU %(sku)s.",
                                          path=path, sku=line["sku"]))
        return product

    def _order_ref_record(self, data, apply):
        """The delivery or sale order of the payload's order_ref (see
        _resolve_order_ref); the apply fails (validation) without one."""
        record = self._resolve_order_ref(data["order_ref"], apply)
        if not record:
            apply.problem("validation", _("order_ref: no delivery or sale order %s.",
                                          data["order_ref"]))
            apply.check()
        return record

    @api.model
    def _with_backorders(self, pickings):
        """`pickings` and their backorders, down to the end of each chain."""
        chain = pickings
        while chain.backorder_ids:
            chain = chain.backorder_ids
            pickings |= chain
        return pickings

    def _resolve_order_ref(self, ref, apply):
        """The record released under `ref`: a sync.link of the target (the
        WMS's own id), else a delivery or sale order of that name (the name
        sent at release: picking for picking_ready targets, order for
        order_confirm targets)."""
        target = apply.target
        link = self.env["sync.link"].search(
            [("target_id", "=", target.id), ("model", "in", ("stock.picking", "sale.order")),
             ("external_id", "=", ref)], limit=1,
        )
        if link:
            record = self.env[link.model].browse(link.res_id).exists()
            if record:
                return record
        company_domain = [("company_id", "=", target.company_id.id)] if target.company_id else []
        picking = self.env["stock.picking"].search(
            [("name", "=", ref), ("picking_type_code", "=", "outgoing")] + company_domain, limit=1
        )
        order = self.env["sale.order"].search([("name", "=", ref)] + company_domain, limit=1)
        if target.release_on == "order_confirm":
            return order or picking
        return picking or order

    def _get_lot(self, product, name, expiration_date=None):
        Lot = self.env["stock.lot"]
        company = self.env.company
        lot = Lot.search([("product_id", "=", product.id), ("name", "=", name),
                          ("company_id", "in", [company.id, False])], limit=1)
        if not lot:
            lot = Lot.create({"name": name, "product_id": product.id, "company_id": company.id})
        if expiration_date and "expiration_date" in Lot._fields and not lot.expiration_date:
            lot.expiration_date = datetime.combine(
                fields.Date.to_date(expiration_date), time(12, 0))
        return lot

    def _check_tracking(self, product, line, path, apply):
        """Pieces [(qty, lot_name, expiration)] of a shipment line, or None."""
        lots, serials, qty = line["lots"], line["serials"], line["quantity"]
        sku = product.default_code
        if product.tracking == "none":
            if lots or serials:
                apply.problem("validation", _("%(path)s: %(sku)s is not tracked by lots or "
                                              "serial numbers, but some were sent.",
                                              path=path, sku=sku))
                return None
            return [(qty, None, None)]
        if product.tracking == "lot":
            if serials:
                apply.problem("validation", _("%(path)s.serials: %(sku)s is tracked by lots, "
                                              "not serial numbers.", path=path, sku=sku))
                return None
            if not lots:
                apply.problem("validation", _("%(path)s.lots: %(sku)s is tracked by lots: "
                                              "lots are required.", path=path, sku=sku))
                return None
            total = sum(lot["quantity"] for lot in lots)
            if float_compare(total, qty, precision_rounding=product.uom_id.rounding):
                apply.problem("validation", _("%(path)s.lots: lot quantities (%(total)s) do not "
                                              "add up to the line quantity (%(qty)s).",
                                              path=path, total=total, qty=qty))
                return None
            return [(lot["quantity"], lot["lot"], lot.get("expiration_date")) for lot in lots]
        # serial
        units = list(serials)
        for lot in lots:
            if lot["quantity"] != 1:
                apply.problem("validation", _("%(path)s.lots: %(sku)s is tracked by serial "
                                              "number: one unit per serial.", path=path, sku=sku))
                return None
            units.append(lot["lot"])
        if len(units) != qty or len(set(units)) != len(units):
            apply.problem("validation", _("%(path)s.serials: %(sku)s is tracked by serial number: "
                                          "%(qty)s distinct serial numbers expected, got "
                                          "%(count)s.", path=path, sku=sku, qty=qty,
                                          count=len(set(units))))
            return None
        return [(1.0, serial, None) for serial in units]

    @api.model
    def _open_moves(self, pickings):
        """The moves of `pickings` still to do, in picking then move order, and the quantity
        each still expects (move id -> quantity, in the product's unit)."""
        moves = pickings.move_ids.filtered(lambda m: m.state not in ("done", "cancel")).sorted(
            lambda m: (pickings.ids.index(m.picking_id.id), m.id))
        return moves, {move.id: move.product_qty for move in moves}

    @api.model
    def _spread(self, pieces, moves, remaining, rounding):
        """Spread reported (quantity, lot, expiration) pieces over `moves` in order, each
        taking at most what it still expects (`remaining`, updated). Yields (move, quantity,
        lot, expiration). Shipments and receipts alike."""
        for qty, lot_name, expiration in pieces:
            left = qty
            for move in moves:
                if float_is_zero(left, precision_rounding=rounding):
                    break
                take = min(left, remaining[move.id])
                if float_is_zero(take, precision_rounding=rounding):
                    continue
                remaining[move.id] -= take
                left -= take
                yield move, take, lot_name, expiration

    def _add_move_lines(self, move, pieces, location_dest=None):
        product = move.product_id
        vals = []
        for qty, lot_name, expiration in pieces:
            line = {
                "move_id": move.id,
                "picking_id": move.picking_id.id,
                "product_id": product.id,
                "product_uom_id": product.uom_id.id,
                "location_id": move.location_id.id,
                "location_dest_id": (location_dest or move.location_dest_id).id,
                "quantity": qty,
                "picked": True,
                "company_id": move.company_id.id,
            }
            if lot_name:
                line["lot_id"] = self._get_lot(product, lot_name, expiration).id
            vals.append(line)
        self.env["stock.move.line"].create(vals)
        move.picked = True

    def _validate_pickings(self, pickings, apply, cancel_rest=False):
        ctx = dict(VALIDATE_CONTEXT)
        if cancel_rest:
            ctx["picking_ids_not_to_backorder"] = pickings.ids
        res = pickings.with_context(**ctx).button_validate()
        if isinstance(res, dict) and res.get("res_model"):
            apply.problem("internal", _("Validating %(pickings)s needs a wizard (%(wizard)s).",
                                        pickings=", ".join(pickings.mapped("name")),
                                        wizard=res.get("res_model")))
            apply.check()
        not_done = pickings.filtered(lambda p: p.state != "done")
        if not_done:
            apply.problem("internal", _("%s could not be validated.",
                                        ", ".join(not_done.mapped("name"))))
            apply.check()

    # ------------------------------------------------------------------
    # Shipment
    # ------------------------------------------------------------------
    def _apply_shipment(self, data, apply):
        record = self._order_ref_record(data, apply)
        if record._name == "sale.order":
            order, pickings = record, record.picking_ids
        else:
            order, pickings = record.sale_id, record.sale_id.picking_ids or record
            if not record.sale_id:
                pickings = self._with_backorders(record)
        apply.anchor = order or record
        pickings = pickings.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state not in ("done", "cancel", "draft")
        ).sorted(lambda p: (p != record, p.id))
        if not pickings:
            apply.problem("conflict", _("order_ref: %s has no open delivery to ship.",
                                        record.display_name))
            apply.check()
        moves, remaining = self._open_moves(pickings)
        allocations = defaultdict(list)  # move id -> pieces
        substitutions = []  # (ordered move, qty, product, pieces)
        target = apply.target
        for i, line in enumerate(data["lines"]):
            path = f"lines[{i}]"
            product = self._line_product(line, path, apply)
            if not product:
                continue
            ordered = product
            if line.get("substituted_for_sku"):
                ordered = self._product(line["substituted_for_sku"])
                if not ordered:
                    apply.problem("validation", _("%(path)s.substituted_for_sku: unknown SKU "
                                                  "%(sku)s.", path=path,
                                                  sku=line["substituted_for_sku"]))
                    continue
                if not target.allow_substitution:
                    apply.problem("conflict", _("%(path)s: %(sub)s was shipped instead of "
                                                "%(sku)s, but the target does not allow "
                                                "substitutions.", path=path, sub=line["sku"],
                                                sku=line["substituted_for_sku"]),
                                  reason_code="substitution")
                    continue
            pieces = self._check_tracking(product, line, path, apply)
            if pieces is None:
                continue
            candidates = moves.filtered(lambda m: m.product_id == ordered)
            if not candidates:
                apply.problem("validation", _("%(path)s.sku: %(sku)s is not on %(refs)s.",
                                              path=path, sku=ordered.default_code,
                                              refs=", ".join(pickings.mapped("name"))))
                continue
            rounding = ordered.uom_id.rounding
            open_qty = sum(remaining[m.id] for m in candidates)
            if float_compare(line["quantity"], open_qty, precision_rounding=rounding) > 0:
                apply.problem("stock_discrepancy", _(
                    "%(path)s.quantity: %(qty)s %(sku)s shipped, only %(open)s still to ship.",
                    path=path, qty=line["quantity"], sku=ordered.default_code, open=open_qty))
                continue
            for move, take, lot_name, expiration in self._spread(pieces, candidates, remaining,
                                                                 rounding):
                if product == ordered:
                    allocations[move.id].append((take, lot_name, expiration))
                else:
                    substitutions.append((move, take, product, [(take, lot_name, expiration)]))
        apply.check()
        # apply: what the warehouse shipped replaces the reservations
        moves.move_line_ids.unlink()
        touched = self.env["stock.picking"]
        for move in moves.filtered(lambda m: m.id in allocations):
            self._add_move_lines(move, allocations[move.id])
            touched |= move.picking_id
        substitute_moves = []
        for move, qty, product, pieces in substitutions:
            new_move = self.env["stock.move"].create({
                # stock.move.name is gone in Odoo 19
                **({"name": product.display_name} if "name" in move._fields else {}),
                "product_id": product.id,
                "product_uom_qty": qty,
                "product_uom": product.uom_id.id,
                "picking_id": move.picking_id.id,
                "location_id": move.location_id.id,
                "location_dest_id": move.location_dest_id.id,
                "picking_type_id": move.picking_type_id.id,
                "partner_id": move.partner_id.id,
                "company_id": move.company_id.id,
                "origin": move.origin,
                "warehouse_id": move.warehouse_id.id,
                # Odoo 19 replaced procurement.group (group_id) by stock.reference
                **({"reference_ids": [Command.set(move.reference_ids.ids)]}
                   if "reference_ids" in move._fields else {"group_id": move.group_id.id}),
            })
            new_move._action_confirm(merge=False)
            new_move.move_line_ids.unlink()  # reserved at confirmation
            self._add_move_lines(new_move, pieces)
            ordered_qty = move.product_id.uom_id._compute_quantity(qty, move.product_uom)
            move.product_uom_qty = max(move.product_uom_qty - ordered_qty, 0.0)
            if float_is_zero(move.product_uom_qty, precision_rounding=move.product_uom.rounding):
                move._action_cancel()
            substitute_moves.append((new_move, move))
            touched |= move.picking_id
            apply.summary.append(_("%(sub)s shipped instead of %(sku)s (%(qty)s).",
                                   sub=product.default_code, sku=move.product_id.default_code,
                                   qty=qty))
        cancel_rest = target.backorder_policy == "cancel"
        self._validate_pickings(touched, apply, cancel_rest=cancel_rest)
        for new_move, move in substitute_moves:
            if new_move.sale_line_id and move.sale_line_id.product_id.invoice_policy == "delivery":
                new_move.sale_line_id.write({
                    "price_unit": move.sale_line_id.price_unit,
                    "discount": move.sale_line_id.discount,
                })
        shipped_at = fields.Datetime.to_datetime(data["shipped_at"])
        touched.write({
            "sync_carrier": data["carrier"],
            "sync_carrier_service": data.get("carrier_service") or False,
            "sync_tracking_ref": data["tracking_number"],
            "sync_tracking_url": data.get("tracking_url") or False,
            "sync_shipment_id": data["shipment_id"],
            "date_done": shipped_at,
        })
        backorders = touched.backorder_ids
        for picking in touched:
            picking.message_post(body=_(
                "Shipped by %(system)s (shipment %(shipment)s, message %(msg)s): "
                "%(carrier)s %(tracking)s.", system=data["source"],
                shipment=data["shipment_id"], msg=self.message_id, carrier=data["carrier"],
                tracking=data["tracking_number"]), subtype_xmlid="mail.mt_note")
        apply.touch(touched, "validated")
        apply.touch(backorders, "backorder")
        apply.summary.insert(0, _("%(pickings)s validated%(bo)s.",
                                  pickings=", ".join(touched.mapped("name")),
                                  bo=_(", backorder %s", ", ".join(backorders.mapped("name")))
                                  if backorders else (_(", rest cancelled") if cancel_rest
                                                      else "")))
        if order:
            apply.touch(order, "shipped")
            self._after_delivery(order, apply, invoice=target.auto_invoice)

    def _after_delivery(self, order, apply, invoice=False, credit=None):
        """Invoice / credit note (non-blocking) and the CRM status event."""
        order.invalidate_recordset()
        order.order_line.invalidate_recordset()
        if invoice and order.invoice_status == "to invoice":
            try:
                with self.env.cr.savepoint():
                    moves = order._create_invoices()
                    apply.touch(moves, "draft invoice")
                    apply.summary.append(_("Draft invoice created."))
            except UserError as e:
                apply.summary.append(_("No invoice created: %s", e.args[0]))
        if credit:
            try:
                with self.env.cr.savepoint():
                    refund = self._create_credit_note(order, credit)
                    apply.touch(refund, "draft credit note")
                    apply.summary.append(_("Draft credit note created."))
            except UserError as e:
                apply.summary.append(_("No credit note created: %s", e.args[0]))
        order._sync_status_event()

    # ------------------------------------------------------------------
    # Return
    # ------------------------------------------------------------------
    def _quarantine_location(self, warehouse, apply):
        if apply.target.quarantine_location_id:
            return apply.target.quarantine_location_id
        Location = self.env["stock.location"]
        location = Location.search([("location_id", "=", warehouse.view_location_id.id),
                                    ("name", "=", "Quarantine"), ("usage", "=", "internal")],
                                   limit=1)
        if not location:
            location = Location.create({"name": "Quarantine", "usage": "internal",
                                        "location_id": warehouse.view_location_id.id,
                                        "company_id": warehouse.company_id.id})
        return location

    def _scrap_location(self, company):
        Location = self.env["stock.location"]
        # Odoo 19 dropped stock.location.scrap_location: scrap locations are the
        # company's 'inventory' locations (see stock.scrap._compute_scrap_location_id)
        if "scrap_location" in Location._fields:
            domain = [("scrap_location", "=", True)]
        else:
            domain = [("usage", "=", "inventory")]
        return Location.search(domain + [("company_id", "in", [company.id, False])],
                               order="company_id, id", limit=1)

    def _apply_return(self, data, apply):
        record = self._order_ref_record(data, apply)
        order = record if record._name == "sale.order" else record.sale_id
        apply.anchor = order or record
        deliveries = (order.picking_ids if order else record | record.backorder_ids).filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state == "done").sorted("id")
        if not deliveries:
            apply.problem("conflict", _("order_ref: %s has no done delivery to return.",
                                        record.display_name))
            apply.check()
        moves = deliveries.move_ids.filtered(lambda m: m.state == "done")
        returnable = {}
        for move in moves:
            returned = move.returned_move_ids.filtered(lambda m: m.state != "cancel")
            returnable[move.id] = move.product_qty - sum(returned.mapped("product_qty"))
        allocations = defaultdict(list)  # move id -> [(qty, lot, disposition)]
        for i, line in enumerate(data["lines"]):
            path = f"lines[{i}]"
            product = self._line_product(line, path, apply)
            if not product:
                continue
            lot = line.get("lot")
            if product.tracking == "none" and lot:
                apply.problem("validation", _("%(path)s.lot: %(sku)s is not tracked by lots.",
                                              path=path, sku=product.default_code))
                continue
            if product.tracking != "none" and not lot:
                apply.problem("validation", _("%(path)s.lot: %(sku)s is tracked: the lot or "
                                              "serial number is required.", path=path,
                                              sku=product.default_code))
                continue
            if product.tracking == "serial" and line["quantity"] != 1:
                apply.problem("validation", _("%(path)s.quantity: one line per serial number.",
                                              path=path))
                continue
            candidates = moves.filtered(lambda m: m.product_id == product)
            rounding = product.uom_id.rounding
            open_qty = sum(returnable[m.id] for m in candidates)
            if float_compare(line["quantity"], open_qty, precision_rounding=rounding) > 0:
                apply.problem("stock_discrepancy", _(
                    "%(path)s.quantity: %(qty)s %(sku)s returned, only %(open)s delivered and "
                    "not returned yet.", path=path, qty=line["quantity"],
                    sku=product.default_code, open=open_qty))
                continue
            left = line["quantity"]
            for move in candidates:
                take = min(left, returnable[move.id])
                if float_is_zero(take, precision_rounding=rounding):
                    continue
                returnable[move.id] -= take
                left -= take
                allocations[move.id].append((take, lot, line["disposition"]))
                if float_is_zero(left, precision_rounding=rounding):
                    break
        apply.check()
        returns = self.env["stock.picking"]
        credit = defaultdict(float)  # sale line -> qty
        for delivery in deliveries:
            delivery_moves = delivery.move_ids.filtered(lambda m: m.id in allocations)
            if not delivery_moves:
                continue
            wizard = self.env["stock.return.picking"].with_context(
                active_id=delivery.id, active_ids=delivery.ids, active_model="stock.picking",
            ).create({"picking_id": delivery.id})
            for wline in wizard.product_return_moves:
                wline.quantity = sum(q for q, _l, _d in allocations.get(wline.move_id.id, []))
            wizard.product_return_moves.filtered(lambda l: not l.quantity).unlink()
            new_picking = create_return(wizard)
            new_picking.move_ids.move_line_ids.unlink()
            warehouse = new_picking.picking_type_id.warehouse_id or delivery.picking_type_id.warehouse_id
            for move in new_picking.move_ids:
                origin = move.origin_returned_move_id
                for qty, lot, disposition in allocations.get(origin.id, []):
                    if disposition == "quarantine":
                        dest = self._quarantine_location(warehouse, apply)
                    elif disposition == "scrap":
                        dest = self._scrap_location(move.company_id)
                    else:
                        dest = move.location_dest_id
                    self._add_move_lines(move, [(qty, lot, None)], location_dest=dest)
                    if origin.sale_line_id:
                        credit[origin.sale_line_id] += qty
            returns |= new_picking
        self._validate_pickings(returns, apply)
        returns.write({"date_done": fields.Datetime.to_datetime(data["received_at"]),
                       "sync_shipment_id": data["return_id"]})
        for picking in returns:
            picking.message_post(body=_(
                "Return received by %(system)s (return %(ret)s, message %(msg)s).",
                system=data["source"], ret=data["return_id"], msg=self.message_id),
                subtype_xmlid="mail.mt_note")
        apply.touch(returns, "return validated")
        apply.touch(deliveries.filtered(lambda p: p.return_ids & returns), "returned")
        apply.summary.insert(0, _("Return %(names)s validated.",
                                  names=", ".join(returns.mapped("name"))))
        if order:
            apply.touch(order, "returned")
            self._after_delivery(order, apply,
                                 credit=credit if apply.target.auto_credit_note else None)

    def _create_credit_note(self, order, credit):
        lines = []
        for sale_line, qty in credit.items():
            qty = sale_line.product_id.uom_id._compute_quantity(qty, sale_line._sync_uom())
            lines.append(Command.create(sale_line._prepare_invoice_line(quantity=qty)))
        vals = order._prepare_invoice()
        vals.update(move_type="out_refund", invoice_line_ids=lines)
        return self.env["account.move"].with_context(default_move_type="out_refund").create(vals)

    # ------------------------------------------------------------------
    # Stock snapshot / adjustment
    # ------------------------------------------------------------------
    def _stock_location(self, ref, apply):
        target = apply.target
        link = self.env["sync.link"].search(
            [("target_id", "=", target.id), ("model", "=", "stock.location"),
             ("external_id", "=", ref)], limit=1)
        location = self.env["stock.location"].browse(link.res_id).exists() if link else None
        if not location:
            location = target.stock_location_id
        if not location and target.warehouse_ids:
            location = target.warehouse_ids[:1].lot_stock_id
        if not location:
            location = self.env["stock.warehouse"].search(
                [("company_id", "=", self.env.company.id)], limit=1).lot_stock_id
        return location

    def _apply_stock_snapshot(self, data, apply):
        self._apply_stock(data, apply, _("WMS stock snapshot"))

    def _apply_stock_adjustment(self, data, apply):
        self._apply_stock(data, apply, _("WMS cycle count"))

    def _apply_stock(self, data, apply, label):
        """Each line is an absolute count: differences within the target's
        tolerance are applied as inventory adjustments, larger ones raise a
        stock_discrepancy exception on the product and are not applied."""
        location = self._stock_location(data["location"], apply)
        apply.anchor = None
        if not location:
            apply.problem("validation", _("location: no stock location for %s.",
                                          data["location"]))
            return
        target = apply.target
        Quant = self.env["stock.quant"].with_context(inventory_mode=True)
        reason = _("%(label)s %(msg)s (%(loc)s, %(as_of)s)", label=label, msg=self.message_id,
                   loc=data["location"], as_of=data["as_of"])
        quants = Quant.browse()
        applied = unchanged = 0
        for i, line in enumerate(data["lines"]):
            path = f"lines[{i}]"
            product = self._line_product(line, path, apply)
            if not product:
                continue
            if not is_storable(product):
                apply.problem("validation", _("%(path)s.sku: %(sku)s is not a storable product.",
                                              path=path, sku=line["sku"]), product)
                continue
            lot = self.env["stock.lot"]
            if line.get("lot"):
                if product.tracking == "none":
                    apply.problem("validation", _("%(path)s.lot: %(sku)s is not tracked by lots.",
                                                  path=path, sku=line["sku"]), product)
                    continue
                lot = self._get_lot(product, line["lot"])
            elif product.tracking != "none":
                apply.problem("validation", _("%(path)s.lot: %(sku)s is tracked: the lot is "
                                              "required.", path=path, sku=line["sku"]), product)
                continue
            domain = [("product_id", "=", product.id), ("location_id", "child_of", location.id)]
            if lot:
                domain.append(("lot_id", "=", lot.id))
            current = sum(Quant.search(domain).mapped("quantity"))
            rounding = product.uom_id.rounding
            diff = float_round(line["on_hand"] - current, precision_rounding=rounding)
            if float_is_zero(diff, precision_rounding=rounding):
                unchanged += 1
                continue
            percent = abs(diff) / abs(current) * 100 if current else float("inf")
            too_big = (target.stock_tolerance_qty and abs(diff) > target.stock_tolerance_qty) or (
                target.stock_tolerance_percent and percent > target.stock_tolerance_percent)
            if too_big:
                apply.problem("stock_discrepancy", _(
                    "%(path)s: %(sku)s%(lot)s at %(loc)s: the WMS counts %(wms)s, Odoo has "
                    "%(odoo)s (difference %(diff)s) - above the tolerance, not applied.",
                    path=path, sku=line["sku"], lot=" / %s" % lot.name if lot else "",
                    loc=location.display_name, wms=line["on_hand"], odoo=current, diff=diff),
                    product)
                apply.touch(product, "discrepancy")
                continue
            quant = Quant.search([("product_id", "=", product.id),
                                  ("location_id", "=", location.id),
                                  ("lot_id", "=", lot.id or False),
                                  ("package_id", "=", False), ("owner_id", "=", False)], limit=1)
            if quant:
                quant.inventory_quantity = quant.quantity + diff
            else:
                quant = Quant.create({"product_id": product.id, "location_id": location.id,
                                      "lot_id": lot.id or False, "inventory_quantity": diff})
            quants |= quant
            applied += 1
            apply.touch(product, "adjusted")
        if quants:
            quants.with_context(inventory_name=reason)._apply_inventory()
        apply.summary.append(_("%(applied)s line(s) adjusted, %(same)s unchanged, "
                               "%(bad)s not applied.", applied=applied, same=unchanged,
                               bad=len(apply.problems)))

    # ------------------------------------------------------------------
    # CRM quote -> sale order
    # ------------------------------------------------------------------
    @api.model
    def _quote_fingerprint(self, data):
        content = {k: v for k, v in data.items() if k not in ("message_id", "source")}
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    def _find_customer(self, customer, apply):
        Partner = self.env["res.partner"]
        Link = self.env["sync.link"]
        target = apply.target
        link = Link.search([("target_id", "=", target.id), ("model", "=", "res.partner"),
                            ("external_id", "=", customer["external_id"])], limit=1)
        partner = Partner.browse(link.res_id).exists() if link else Partner
        if not partner:
            partner = Partner.search([("email", "=ilike", customer["email"])],
                                     order="parent_id desc, id", limit=1)
            if not partner and customer.get("vat"):
                partner = Partner.search([("vat", "=", customer["vat"])], limit=1)
        if not partner:
            if target.customer_policy != "create":
                apply.problem("validation", _("customer: no customer with external id %(ext)s, "
                                              "email %(email)s or VAT %(vat)s, and the target "
                                              "does not create customers.",
                                              ext=customer["external_id"],
                                              email=customer["email"],
                                              vat=customer.get("vat") or "-"))
                return Partner
            address = customer["address"]
            country = self.env["res.country"].search(
                [("code", "=", address["country_code"])], limit=1)
            state = self.env["res.country.state"]
            if address.get("state") and country:
                state = state.search([("country_id", "=", country.id), "|",
                                      ("code", "=", address["state"]),
                                      ("name", "=ilike", address["state"])], limit=1)
            partner = Partner.create({
                "name": customer["name"],
                "email": customer["email"],
                "vat": customer.get("vat") or False,
                "is_company": True,
                "street": address["street"],
                "street2": address.get("street2") or False,
                "city": address["city"],
                "zip": address.get("zip") or False,
                "state_id": state.id or False,
                "country_id": country.id or False,
            })
            apply.touch(partner, "created")
        if not link:
            other = Link.search([("target_id", "=", target.id), ("model", "=", "res.partner"),
                                 ("res_id", "=", partner.id)], limit=1)
            if not other:
                Link.create({"target_id": target.id, "model": "res.partner",
                             "res_id": partner.id, "external_id": customer["external_id"]})
        return partner

    def _order_line_commands(self, data, apply):
        commands = []
        for i, line in enumerate(data["lines"]):
            product = self._product(line["sku"])
            if not product:
                apply.problem("validation", _("lines[%(i)s].sku: unknown SKU %(sku)s.",
                                              i=i, sku=line["sku"]))
                continue
            if not product.sale_ok:
                apply.problem("validation", _("lines[%(i)s].sku: %(sku)s cannot be sold.",
                                              i=i, sku=line["sku"]))
                continue
            vals = {"product_id": product.id, "product_uom_qty": line["quantity"]}
            if apply.target.crm_price_policy == "crm":
                vals.update(price_unit=line["unit_price"],
                            discount=line.get("discount_percent") or 0.0)
            # else: Odoo computes the line's price from the order's pricelist
            # (_crm_price_differences compares it and, when checking, writes the CRM's)
            commands.append(Command.create(vals))
        return commands

    def _crm_price_differences(self, order, data, apply):
        """Compare each line's CRM net unit price (after discount) with the price
        Odoo's pricelist gave the line (price_unit and discount computed by
        sale.order.line for the order's customer, pricelist, currency, unit and
        quantity). Policy 'check': the CRM's price and discount are then written on
        the line and only differences above the tolerance are reported; policy
        'pricelist': Odoo's price stays and every difference is reported.
        Returns the differences as texts, one per line."""
        policy = apply.target.crm_price_policy
        if policy == "crm":
            return []
        currency = order.currency_id
        tolerance = apply.target.crm_price_tolerance
        lines = order.order_line.filtered(lambda l: not l.display_type).sorted("id")
        differences = []
        for i, (line, quote) in enumerate(zip(lines, data["lines"])):
            odoo_net = line.price_unit * (1.0 - (line.discount or 0.0) / 100.0)
            crm_discount = quote.get("discount_percent") or 0.0
            crm_net = quote["unit_price"] * (1.0 - crm_discount / 100.0)
            if policy == "check":
                line.write({"price_unit": quote["unit_price"], "discount": crm_discount})
            if not currency.compare_amounts(crm_net, odoo_net):
                continue
            percent = (crm_net - odoo_net) / odoo_net * 100.0 if odoo_net else None
            if policy == "check" and percent is not None and float_compare(
                    abs(percent), tolerance, precision_digits=6) <= 0:
                continue
            differences.append(_(
                "lines[%(i)s] %(sku)s: CRM %(crm)s, pricelist %(odoo)s (%(percent)s)",
                i=i, sku=quote["sku"],
                crm="%.*f" % (currency.decimal_places, crm_net),
                odoo="%.*f" % (currency.decimal_places, odoo_net),
                percent="%+.1f%%" % percent if percent is not None else _("no pricelist price"),
            ))
        return differences

    def _crm_pricelist_missing(self, order, data, apply):
        """The price policies 'check' and 'pricelist' need the order's pricelist: without
        one Odoo prices the lines at the products' sales price, which is no customer price
        to check against or to apply. Odoo 19 gives a customer no pricelist unless the
        Pricelists setting (product.group_product_pricelist) is on; on 18 an order has none
        when no active pricelist applies. Returns the problem's text, or False. Policy
        'check' keeps the CRM's prices on the lines; the caller holds the order."""
        policy = apply.target.crm_price_policy
        if policy == "crm" or order.pricelist_id:
            return False
        if policy == "check":
            for line, quote in zip(order.order_line.filtered(lambda l: not l.display_type)
                                   .sorted("id"), data["lines"]):
                line.write({"price_unit": quote["unit_price"],
                            "discount": quote.get("discount_percent") or 0.0})
        return _(
            "price policy '%(policy)s' needs a pricelist and Odoo has none for this order "
            "(customer %(partner)s): the prices were not checked and the order was not "
            "confirmed. Turn on the Pricelists setting (Sales > Configuration > Settings > "
            "Pricelists, group product.group_product_pricelist) and give the customer a "
            "pricelist, then check the prices and confirm the order.",
            policy=policy, partner=order.partner_id.display_name)

    def _resolve_pricing(self, order, apply):
        """The order's prices no longer differ (or are no longer checked): its open
        pricing exception of this target is resolved."""
        self.env["sync.exception"].sudo().search([
            ("state", "=", "open"), ("category", "=", "pricing"),
            ("target_id", "=", apply.target.id), ("model", "=", "sale.order"),
            ("res_id", "=", order.id),
        ]).write({"state": "resolved", "resolved_at": fields.Datetime.now(),
                  "resolved_by_id": self.env.uid})

    def _apply_sale_order(self, data, apply):
        target = apply.target
        if target.kind != "crm":
            apply.problem("validation", _("target: sale orders are only accepted from CRM "
                                          "targets."))
            apply.check()
        Link = self.env["sync.link"]
        fingerprint = self._quote_fingerprint(data)
        link = Link.search([("target_id", "=", target.id), ("model", "=", "sale.order"),
                            ("external_id", "=", data["quote_id"])], limit=1)
        order = self.env["sale.order"].browse(link.res_id).exists() if link else None
        if order:
            apply.anchor = order
            if order.sync_crm_fingerprint == fingerprint:
                apply.touch(order, "unchanged")
                apply.summary.append(_("%s is already up to date.", order.name))
                return
            if order.state not in ("draft", "sent"):
                apply.problem("conflict", _(
                    "quote %(quote)s changed in the CRM after %(order)s was confirmed "
                    "(%(state)s): the order was not changed.", quote=data["quote_id"],
                    order=order.name, state=order.state))
                apply.check()
        partner = self._find_customer(data["customer"], apply)
        lines = self._order_line_commands(data, apply)
        pricelist = self.env["product.pricelist"]
        if data.get("currency"):
            currency = self.env["res.currency"].search([("name", "=", data["currency"])], limit=1)
            if partner and partner.property_product_pricelist.currency_id == currency:
                pricelist = partner.property_product_pricelist
            elif currency:
                pricelist = pricelist.search([("currency_id", "=", currency.id),
                                              ("company_id", "in", [False, self.env.company.id])],
                                             limit=1)
            if not pricelist:
                apply.problem("validation", _("currency: no pricelist in %s.", data["currency"]))
        apply.check()
        vals = {
            "partner_id": partner.id,
            "origin": "%s:%s" % (data["source"], data["quote_id"]),
            "commitment_date": datetime.combine(fields.Date.to_date(data["expected_date"]),
                                                time(12, 0)) if data.get("expected_date") else False,
            "sync_crm_fingerprint": fingerprint,
        }
        if pricelist:
            vals["pricelist_id"] = pricelist.id
        if order:
            if order.partner_id != partner:
                order.partner_id = partner
            order.order_line.unlink()
            order.write(vals)
            if pricelist:
                order.pricelist_id = pricelist
            order.write({"order_line": lines})
            apply.touch(order, "updated")
            apply.summary.append(_("%s updated from the CRM quote.", order.name))
        else:
            vals.update(order_line=lines, user_id=partner.user_id.id or False)
            if target.company_id:
                vals["company_id"] = target.company_id.id
            order = self.env["sale.order"].create(vals)
            Link.create({"target_id": target.id, "model": "sale.order", "res_id": order.id,
                         "external_id": data["quote_id"]})
            apply.anchor = order
            apply.touch(order, "created")
            apply.summary.append(_("%s created from the CRM quote.", order.name))
        order.message_post(body=_("From %(system)s quote %(quote)s (message %(msg)s).",
                                  system=data["source"], quote=data["quote_id"],
                                  msg=self.message_id), subtype_xmlid="mail.mt_note")
        no_pricelist = self._crm_pricelist_missing(order, data, apply)
        differences = [] if no_pricelist else self._crm_price_differences(order, data, apply)
        held = no_pricelist or (bool(differences) and target.crm_price_policy == "check")
        if no_pricelist:
            apply.notices.append(("pricing", no_pricelist, order))
            apply.summary.append(_("%(order)s: %(problem)s (pricing exception)",
                                   order=order.name, problem=no_pricelist))
            order.message_post(body=no_pricelist, subtype_xmlid="mail.mt_note")
        elif held:
            text = _("prices differ from the pricelist by more than %(tol)s%%:\n%(lines)s",
                     tol=target.crm_price_tolerance, lines="\n".join(differences))
            apply.notices.append(("pricing", text, order))
            apply.summary.append(_("%(order)s: the CRM prices differ from the pricelist "
                                   "(pricing exception): %(lines)s", order=order.name,
                                   lines="; ".join(differences)))
            order.message_post(body=_("The CRM prices differ from the pricelist: %s",
                                      "; ".join(differences)), subtype_xmlid="mail.mt_note")
        else:
            self._resolve_pricing(order, apply)
            if differences:  # policy 'pricelist'
                apply.summary.append(_("%(order)s: pricelist prices applied instead of the "
                                       "CRM's: %(lines)s", order=order.name,
                                       lines="; ".join(differences)))
                order.message_post(body=_("Pricelist prices applied; the CRM quote had: %s",
                                          "; ".join(differences)),
                                   subtype_xmlid="mail.mt_note")
        if target.confirm_crm_orders and order.state in ("draft", "sent"):
            if held:
                apply.summary.append(_("%s not confirmed: its prices must be checked.",
                                       order.name))
            else:
                order.action_confirm()
                apply.summary.append(_("%s confirmed.", order.name))
