# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .sync_exception import CATEGORIES

CONDITIONS = [
    ("none", "Category only"),
    ("margin_below", "Order margin below threshold"),
    ("substitution", "Substitution"),
    ("credit_hold", "Credit hold"),
    ("wms_status", "WMS exception status"),
]


class SyncExceptionRule(models.Model):
    """Routes new sync exceptions to a user or a team (group) with an activity.
    The first matching rule (by sequence) wins."""

    _name = "sync.exception.rule"
    _description = "Sync Exception Routing Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", help="Empty: every company.")
    category = fields.Selection(CATEGORIES, help="Empty: any category.")
    condition = fields.Selection(CONDITIONS, default="none", required=True)
    margin_threshold = fields.Float(
        "Margin Threshold (%)",
        help="Matches exceptions on a sale order (or its delivery) whose margin is below "
        "this percentage: the order's margin if Sale Margin is installed, else computed "
        "from the products' cost (standard price).",
    )
    wms_statuses = fields.Char(
        "WMS Statuses",
        help="Comma-separated WMS exception / hold reasons (milestone 'reason') this rule "
        "matches. Empty: any WMS fulfilment exception.",
    )
    user_id = fields.Many2one("res.users", string="Assign to User",
                              domain="[('share', '=', False)]")
    group_id = fields.Many2one(
        "res.groups", string="Assign to Team",
        help="The exception goes to the member of this group with the fewest open "
        "exceptions.",
    )
    exception_count = fields.Integer(compute="_compute_exception_count")

    @api.constrains("user_id", "group_id", "condition")
    def _check_assignee(self):
        for rule in self:
            if not rule.user_id and not rule.group_id:
                raise ValidationError(_("Rule %s: choose a user or a team.", rule.name))

    def _compute_exception_count(self):
        groups = self.env["sync.exception"]._read_group(
            [("rule_id", "in", self.ids)], ["rule_id"], ["__count"])
        counts = {rule.id: count for rule, count in groups}
        for rule in self:
            rule.exception_count = counts.get(rule.id, 0)

    # ------------------------------------------------------------------
    @api.model
    def _order_margin_percent(self, order):
        """Margin of the order in % of its untaxed amount, or None if unknown."""
        if not order.amount_untaxed:
            return None
        if "margin_percent" in order._fields:  # sale_margin
            return order.margin_percent * 100.0
        cost = 0.0
        for line in order.order_line.filtered(lambda l: l.product_id and not l.display_type):
            qty = line._sync_uom()._compute_quantity(line.product_uom_qty,
                                                     line.product_id.uom_id)
            cost += line.product_id.standard_price * qty
        return (order.amount_untaxed - cost) / order.amount_untaxed * 100.0

    def _matches(self, exc):
        self.ensure_one()
        if self.company_id and exc.company_id and exc.company_id != self.company_id:
            return False
        if self.category and exc.category != self.category:
            return False
        order = exc._sale_order()
        if self.condition == "margin_below":
            margin = self._order_margin_percent(order) if order else None
            return margin is not None and margin < self.margin_threshold
        if self.condition == "substitution":
            return exc.reason_code == "substitution"
        if self.condition == "credit_hold":
            return exc.category == "credit_hold" or bool(
                order and order.partner_id.commercial_partner_id.sync_credit_hold)
        if self.condition == "wms_status":
            if not exc.wms_status:
                return False
            statuses = {s.strip().lower() for s in (self.wms_statuses or "").split(",")
                        if s.strip()}
            return not statuses or exc.wms_status.lower() in statuses
        return True

    def _assignee(self):
        self.ensure_one()
        if self.user_id:
            return self.user_id
        return self._least_loaded(self.group_id)

    @api.model
    def _least_loaded(self, group):
        """The active internal member of `group` with the fewest open exceptions."""
        users = group["user_ids" if "user_ids" in group._fields else "users"].filtered(lambda u: u.active and not u.share)
        if not users:
            return self.env["res.users"]
        load = dict(self.env["sync.exception"].sudo()._read_group(
            [("state", "=", "open"), ("user_id", "in", users.ids)], ["user_id"], ["__count"]))
        return min(users, key=lambda u: (load.get(u, 0), u.id))

    @api.model
    def _route(self, exceptions):
        rules = self.search([])
        for exc in exceptions:
            for rule in rules:
                if not rule._matches(exc):
                    continue
                user = rule._assignee()
                if user:
                    exc.sudo().write({"rule_id": rule.id, "assigned_group_id": rule.group_id.id,
                               "user_id": user.id})
                break
