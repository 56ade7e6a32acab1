# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.5.0: a hold (exception, on hold) reported in the same second as shipped or delivered
no longer outranks them. Recompute the stored step of every milestone and the fulfilment
status of the orders that have milestones."""
from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    milestones = env["sync.milestone"].search([])
    if not milestones:
        return
    env.add_to_compute(milestones._fields["step"], milestones)
    milestones.flush_recordset(["step"])
    orders = milestones.order_id
    for name in ("sync_fulfilment_status", "sync_fulfilment_at", "sync_delivered_at",
                 "sync_delivery_proof"):
        env.add_to_compute(orders._fields[name], orders)
    orders.flush_recordset()
