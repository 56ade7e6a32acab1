# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

MILESTONES = [
    ("accepted", "Accepted"),
    ("allocated", "Allocated"),
    ("picked", "Picked"),
    ("packed", "Packed"),
    ("shipped", "Shipped"),
    ("delivered", "Delivered"),
    ("exception", "Exception"),
    ("on_hold", "On hold"),
    ("resumed", "Hold released"),
]

# Order of milestones that carry the same time (WMS timestamps have seconds): the higher comes
# later. A hold (exception, on hold) comes after the warehouse steps before shipping, since the
# warehouse stops working on a held shipment; its release (resumed) comes after the hold, and
# shipped and delivered come last, since a shipment that left the warehouse is no longer held.
STEPS = {
    "accepted": 0,
    "allocated": 1,
    "picked": 2,
    "packed": 3,
    "exception": 4,
    "on_hold": 5,
    "resumed": 6,
    "shipped": 7,
    "delivered": 8,
}


class SyncMilestone(models.Model):
    """A fulfilment milestone reported by the WMS / carrier (inbound kind
    'milestone'): the timeline of a sale order."""

    _name = "sync.milestone"
    _description = "Sync Fulfilment Milestone"
    _order = "occurred_at desc, step desc, id desc"
    _rec_name = "milestone"

    order_id = fields.Many2one("sale.order", required=True, ondelete="cascade", index=True,
                               readonly=True)
    picking_id = fields.Many2one("stock.picking", ondelete="set null", index=True,
                                 readonly=True)
    target_id = fields.Many2one("sync.target", required=True, ondelete="cascade", readonly=True)
    milestone = fields.Selection(MILESTONES, required=True, readonly=True)
    step = fields.Integer(
        compute="_compute_step", store=True,
        help="Position of the milestone in the fulfilment sequence: at the same time, "
        "the later step comes first in the timeline and sets the order's status. "
        "A hold comes after picking and packing, its release (Hold released) after the "
        "hold, and shipped and delivered last.")
    occurred_at = fields.Datetime(required=True, readonly=True)
    source = fields.Char(readonly=True, help="System that reported the milestone.")
    message_id = fields.Char("Message ID", required=True, readonly=True)
    inbound_message_id = fields.Many2one("sync.inbound.message", readonly=True,
                                         ondelete="set null")
    shipment_id = fields.Char("Shipment ID", readonly=True)
    carrier = fields.Char(readonly=True)
    tracking_number = fields.Char(readonly=True)
    reason = fields.Char(readonly=True, help="Reason / status code of the WMS (exception, "
                         "on hold).")
    details = fields.Text(readonly=True)
    delivered_at = fields.Datetime(readonly=True, help="Proof of delivery: delivery time.")
    carrier_event = fields.Char(readonly=True, help="Proof of delivery: the carrier's event.")
    signed_by = fields.Char(readonly=True)
    delivery_location = fields.Char(readonly=True)
    company_id = fields.Many2one(related="order_id.company_id", store=True)

    if hasattr(models, "Constraint"):  # Odoo 19+: _sql_constraints is ignored
        _target_message_uniq = models.Constraint("unique(target_id, message_id)", "A milestone message id can only be recorded once per target.")
    else:  # Odoo 18
        _sql_constraints = [
            ("target_message_uniq", "unique(target_id, message_id)",
             "A milestone message id can only be recorded once per target."),
        ]

    @api.depends("milestone")
    def _compute_step(self):
        for rec in self:
            rec.step = STEPS.get(rec.milestone, -1)

    @api.model
    def _sync_recompute_steps(self):
        """Recompute the stored ``step`` of every milestone from STEPS, then the fulfilment
        fields of their orders (status, status time, proof of delivery), which depend on the
        order of the milestones. For migrations that change STEPS (18.0.1.5.0, 18.0.1.6.0):
        a stored computed field is not recomputed on upgrade when only its code changed.
        Returns the orders recomputed."""
        milestones = self.sudo().search([])
        if not milestones:
            return self.env["sale.order"]
        env = milestones.env
        env.add_to_compute(milestones._fields["step"], milestones)
        milestones.flush_recordset(["step"])
        orders = milestones.order_id
        for name in ("sync_fulfilment_status", "sync_fulfilment_at", "sync_delivered_at",
                     "sync_delivery_proof"):
            env.add_to_compute(orders._fields[name], orders)
        orders.flush_recordset()
        return orders

    @api.depends("milestone", "occurred_at")
    def _compute_display_name(self):
        labels = dict(MILESTONES)
        for rec in self:
            rec.display_name = "%s %s" % (labels.get(rec.milestone, ""),
                                          fields.Datetime.to_string(rec.occurred_at) or "")
