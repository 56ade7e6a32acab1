# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_is_zero, float_round

from ..compat import is_storable

from .sync_event import NOW_SQL
from .sync_reconciliation import OUTCOMES

_logger = logging.getLogger(__name__)

LINE_MODELS = ("product.product", "sale.order", "stock.picking", "res.partner")
CHAR_KEYS = ("sku", "ref", "location", "lot", "value_odoo", "value_target", "details")
EXCEPTION_CATEGORY = {
    "inventory": "stock_discrepancy",
    "open_orders": "conflict",
    "master_data": "conflict",
}


class SyncReconciliationLine(models.Model):
    """One compared item of a reconciliation run (one discrepancy key)."""

    _name = "sync.reconciliation.line"
    _description = "Sync Reconciliation Line"
    _order = "run_id desc, id"
    _rec_name = "key"

    run_id = fields.Many2one(
        "sync.reconciliation", required=True, ondelete="cascade", index=True, readonly=True
    )
    target_id = fields.Many2one(related="run_id.target_id", store=True)
    job = fields.Selection(related="run_id.job", store=True)
    key = fields.Char(
        required=True, readonly=True,
        help="Stable discrepancy key, e.g. inventory:<sku>:<location>:<lot>.",
    )
    outcome = fields.Selection(OUTCOMES, required=True, readonly=True, index=True)
    model = fields.Char(readonly=True)
    res_id = fields.Integer(readonly=True)
    record_ref = fields.Reference(
        selection="_selection_record_ref", compute="_compute_record_ref", string="Record"
    )
    sku = fields.Char("SKU", readonly=True)
    ref = fields.Char("Reference", readonly=True)
    location = fields.Char(readonly=True)
    location_id = fields.Many2one(
        "stock.location", string="Odoo Location", readonly=True, ondelete="set null"
    )
    lot = fields.Char(readonly=True)
    lot_id = fields.Many2one("stock.lot", string="Odoo Lot", readonly=True, ondelete="set null")
    qty_odoo = fields.Float("Odoo Quantity", digits="Product Unit of Measure", readonly=True)
    qty_target = fields.Float("Target Quantity", digits="Product Unit of Measure", readonly=True)
    difference = fields.Float(
        digits="Product Unit of Measure", readonly=True, help="Target quantity - Odoo quantity."
    )
    value_odoo = fields.Char("Odoo Value", readonly=True)
    value_target = fields.Char("Target Value", readonly=True)
    details = fields.Text(readonly=True)
    exception_id = fields.Many2one("sync.exception", readonly=True, ondelete="set null")
    exception_state = fields.Selection(related="exception_id.state", string="Exception State")
    company_id = fields.Many2one(related="run_id.company_id", store=True)

    if hasattr(models, "Constraint"):  # Odoo 19+: _sql_constraints is ignored
        _run_key_uniq = models.Constraint("unique(run_id, key)", "A key appears once per reconciliation run.")
    else:  # Odoo 18
        _sql_constraints = [
            ("run_key_uniq", "unique(run_id, key)", "A key appears once per reconciliation run."),
        ]

    @api.model
    @api.model
    def _cron_purge_old_lines(self):
        """Delete the lines of finished runs older than the retention
        (``sync_bridge.recon_line_retention_days``, default 90; 0 keeps every line).

        Kept whatever their age: the lines of the latest done run of each target
        and job (what the dashboard and the last run show), and the last line of
        each open exception (its figures stay readable from the exception; the
        earlier lines of a discrepancy that persists go). The runs themselves stay
        with their counts, which the KPIs read.
        Returns the number of lines deleted.
        """
        days = int(
            self.env["ir.config_parameter"].sudo().get_param(
                "sync_bridge.recon_line_retention_days", "90"
            )
            or 0
        )
        if days <= 0:
            return 0
        for model in ("sync.reconciliation.line", "sync.reconciliation", "sync.exception"):
            self.env[model].flush_model()
        self.env.cr.execute(
            f"""
            DELETE FROM sync_reconciliation_line l
             USING sync_reconciliation r
             WHERE l.run_id = r.id
               AND r.state IN ('done', 'failed')
               AND COALESCE(r.finished_at, r.started_at) < {NOW_SQL} - make_interval(days => %s)
               AND r.id NOT IN (
                     SELECT DISTINCT ON (target_id, job) id
                       FROM sync_reconciliation
                      WHERE state = 'done'
                      ORDER BY target_id, job, id DESC)
               AND NOT EXISTS (
                     SELECT 1 FROM sync_exception e
                      WHERE e.state = 'open' AND e.recon_line_id = l.id)
            """,
            (days,),
        )
        count = self.env.cr.rowcount
        # Raw SQL: what the cache holds of the deleted lines, and the references the
        # database set to NULL (ondelete), are stale.
        self.invalidate_model()
        self.env["sync.reconciliation"].invalidate_model(["line_ids"])
        self.env["sync.exception"].invalidate_model(["recon_line_id"])
        _logger.info("sync_bridge: purged %s reconciliation lines older than %s days", count, days)
        return count

    def _selection_record_ref(self):
        return self.env["sync.event"]._selection_record_ref()

    @api.depends("model", "res_id")
    def _compute_record_ref(self):
        Event = self.env["sync.event"]
        for line in self:
            line.record_ref = Event._record_ref_value(line.model, line.res_id)

    # ------------------------------------------------------------------
    # From the sidecar
    # ------------------------------------------------------------------
    @api.model
    def _vals_from_item(self, run, item, locations=None):
        """(vals, False) or (False, refusal reason) for one line of the contract.
        `locations`: {location string: stock.location} of the target (inventory)."""
        if not isinstance(item, dict):
            return False, "invalid_line"
        key = item.get("key")
        if not key or not isinstance(key, str):
            return False, "invalid_key"
        if item.get("outcome") not in dict(OUTCOMES):
            return False, "invalid_outcome"
        model = item.get("model") or False
        if model and model not in LINE_MODELS:
            return False, "invalid_model"
        res_id = item.get("res_id") or 0
        if not isinstance(res_id, int) or isinstance(res_id, bool):
            return False, "invalid_res_id"
        vals = {"run_id": run.id, "key": key[:512], "outcome": item["outcome"]}
        for fname in CHAR_KEYS:
            value = item.get(fname)
            if value in (None, False, ""):
                vals[fname] = False
            elif isinstance(value, (dict, list)):
                return False, "invalid_%s" % fname
            else:
                vals[fname] = str(value)
        has_qty = False
        for fname in ("qty_odoo", "qty_target"):
            value = item.get(fname)
            if value in (None, False):
                vals[fname] = 0.0
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return False, "invalid_%s" % fname
            vals[fname] = float(value)
            has_qty = True
        vals["difference"] = vals["qty_target"] - vals["qty_odoo"] if has_qty else 0.0
        record = self._resolve_record(run, model, res_id, vals)
        vals["model"] = record._name if record else model
        vals["res_id"] = record.id if record else res_id
        if run.job == "inventory":
            vals["location_id"] = self._resolve_location(run, item, vals, locations).id or False
            product = record if record and record._name == "product.product" else None
            if product and vals["lot"]:
                vals["lot_id"] = self.env["stock.lot"].sudo().search(
                    [("product_id", "=", product.id), ("name", "=", vals["lot"])], limit=1).id or False
        return vals, False

    @api.model
    def _resolve_record(self, run, model, res_id, vals):
        """The business record of a line: given (model, res_id), else by SKU /
        reference. Returns a record or None."""
        env = self.env(su=True)
        if model and res_id:
            record = env[model].with_context(active_test=False).browse(res_id).exists()
            if record:
                return record
        if run.job == "inventory" and vals.get("sku"):
            return env["product.product"].with_context(active_test=False).search(
                [("default_code", "=", vals["sku"])], limit=1) or None
        if run.job == "open_orders" and vals.get("ref"):
            if model in (False, "sale.order"):
                order = env["sale.order"].search([("name", "=", vals["ref"])], limit=1)
                if order:
                    return order
            picking = env["stock.picking"].search([("name", "=", vals["ref"])], limit=1)
            return picking or None
        if run.job == "master_data" and vals.get("ref"):
            if model == "res.partner":
                return env["res.partner"].with_context(active_test=False).search(
                    [("email", "=ilike", vals["ref"])], limit=1) or None
            if model == "product.product":
                return env["product.product"].with_context(active_test=False).search(
                    [("default_code", "=", vals["ref"])], limit=1) or None
        return None

    @api.model
    def _location_map(self, target):
        """{location string of the keys: root location} for a target."""
        Recon = self.env["sync.reconciliation"]
        roots = Recon._recon_roots(target)
        return {name: root for root, name in Recon._recon_location_names(target, roots).items()}

    @api.model
    def _resolve_location(self, run, item, vals, locations=None):
        Location = self.env["stock.location"].sudo()
        if isinstance(item.get("location_id"), int) and not isinstance(item["location_id"], bool):
            location = Location.browse(item["location_id"]).exists()
            if location:
                return location
        if not vals.get("location"):
            return Location
        if locations is None:
            locations = self._location_map(run.target_id)
        return locations.get(vals["location"]) or Location

    # ------------------------------------------------------------------
    # Exceptions
    # ------------------------------------------------------------------
    def _exception_record(self):
        """(model, res_id) the exception is raised on: product / order / partner."""
        self.ensure_one()
        if self.model == "stock.picking" and self.res_id:
            picking = self.env["stock.picking"].sudo().browse(self.res_id).exists()
            if picking.sale_id:
                return "sale.order", picking.sale_id.id
        if self.model and self.res_id:
            return self.model, self.res_id
        return False, 0

    def _exception_message(self):
        self.ensure_one()
        run = self.run_id
        target = run.target_id.name
        if self.qty_odoo or self.qty_target or self.difference:
            figures = _("Odoo %(odoo)s, %(target)s %(theirs)s (difference %(diff)s)",
                        odoo=self.qty_odoo, target=target, theirs=self.qty_target,
                        diff=self.difference)
        else:
            figures = _("Odoo %(odoo)s, %(target)s %(theirs)s",
                        odoo=self.value_odoo or _("(none)"), target=target,
                        theirs=self.value_target or _("(none)"))
        where = " / ".join(x for x in (self.sku or self.ref, self.location, self.lot) if x)
        message = _("Reconciliation %(run)s: %(outcome)s for %(key)s%(where)s: %(figures)s.",
                    run=run.name, outcome=dict(OUTCOMES)[self.outcome], key=self.key,
                    where=" (%s)" % where if where else "", figures=figures)
        if self.details:
            message += "\n" + self.details
        return message

    def _raise_exception(self):
        """Open the exception of this discrepancy key, or update the open one
        (no duplicates across runs). Returns True if a new one was opened."""
        self.ensure_one()
        run = self.run_id
        Exception_ = self.env["sync.exception"].sudo()
        category = EXCEPTION_CATEGORY[run.job]
        model, res_id = self._exception_record()
        message = self._exception_message()
        existing = Exception_.search([
            ("state", "=", "open"), ("target_id", "=", run.target_id.id),
            ("recon_job", "=", run.job), ("recon_key", "=", self.key),
        ], limit=1)
        now = fields.Datetime.now()
        if existing:
            vals = {"message": message, "details": self.details or False, "last_seen_at": now,
                    "recon_run_id": run.id, "recon_line_id": self.id}
            if existing.recon_run_id != run:  # once per run, also when a batch is re-sent
                vals["occurrences"] = existing.occurrences + 1
            existing.write(vals)
            self.exception_id = existing
            return False
        company = run.target_id.company_id
        if not company and model in self.env and res_id:
            record = self.env[model].sudo().browse(res_id).exists()
            if record and "company_id" in record._fields:
                company = record.company_id
        exc = Exception_.create({
            "category": category,
            "message": message,
            "details": self.details or False,
            "model": model,
            "res_id": res_id,
            "target_id": run.target_id.id,
            "company_id": company.id or False,
            "error_class": "Reconciliation",
            "recon_key": self.key,
            "recon_job": run.job,
            "recon_run_id": run.id,
            "recon_line_id": self.id,
            "last_seen_at": now,
        })
        self.exception_id = exc
        return True

    # ------------------------------------------------------------------
    # Manager approval: apply the WMS quantity
    # ------------------------------------------------------------------
    def _apply_wms_quantity(self, reason):
        """Set Odoo's on-hand quantity of the line's product (and lot) in its
        mapped location (children included) to the WMS figure, as an inventory
        adjustment named `reason`. Returns (Odoo quantity before, difference)."""
        self.ensure_one()
        env = self.env(user=SUPERUSER_ID, su=True)
        product = env["product.product"].browse(self.res_id).exists() \
            if self.model == "product.product" else env["product.product"]
        location = env["stock.location"].browse(self.location_id.id)
        if not product or not location:
            raise UserError(_("The reconciliation line %s has no product or no location: "
                              "the WMS quantity cannot be applied.", self.key))
        if not is_storable(product):
            raise UserError(_("%s is not a storable product.", product.display_name))
        lot = env["stock.lot"].browse(self.lot_id.id)
        if self.lot and not lot:
            if product.tracking == "none":
                raise UserError(_("%s is not tracked by lots.", product.display_name))
            lot = env["stock.lot"].create({"product_id": product.id, "name": self.lot,
                                           "company_id": location.company_id.id or False})
        Quant = env["stock.quant"].with_context(inventory_mode=True)
        domain = [("product_id", "=", product.id), ("location_id", "child_of", location.id),
                  ("lot_id", "=", lot.id or False)]
        current = sum(Quant.search(domain).mapped("quantity"))
        rounding = product.uom_id.rounding
        diff = float_round(self.qty_target - current, precision_rounding=rounding)
        if float_is_zero(diff, precision_rounding=rounding):
            return current, 0.0
        quant = Quant.search([("product_id", "=", product.id), ("location_id", "=", location.id),
                              ("lot_id", "=", lot.id or False), ("package_id", "=", False),
                              ("owner_id", "=", False)], limit=1)
        if quant:
            quant.inventory_quantity = quant.quantity + diff
        else:
            quant = Quant.create({"product_id": product.id, "location_id": location.id,
                                  "lot_id": lot.id or False, "inventory_quantity": diff})
        quant.with_context(inventory_name=reason)._apply_inventory()
        return current, diff
