# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.5.0: a hold (exception, on hold) reported in the same second as shipped or delivered
no longer outranks them. Recompute the stored step of every milestone and the fulfilment
status of the orders that have milestones (sync.milestone._sync_recompute_steps)."""
from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["sync.milestone"]._sync_recompute_steps()
