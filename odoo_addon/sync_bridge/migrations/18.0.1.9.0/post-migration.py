# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.9.0: priority lanes. The new column sync_event.priority was filled with the
default (30, master data) when it was added: give every existing event the priority of its
type (10 order flow, 20 status, 30 master data), so the open backlog is claimed by lane at
once. The claim index sync_event_claim_lane_idx (target_id, priority, id) is created by
sync.event.init(), which also drops the old sync_event_claim_idx (target_id, id); both are
repeated here so the migration stands on its own. Events written before the upgrade have no
dependencies (depends_on): they are not held back for their customer or products."""
import logging

from odoo.addons.sync_bridge.models.sync_event import EVENT_PRIORITY

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cases = " ".join(f"WHEN '{event_type}' THEN {priority}"
                     for event_type, priority in sorted(EVENT_PRIORITY.items()))
    cr.execute(
        f"""
        UPDATE sync_event
           SET priority = CASE event_type {cases} ELSE 30 END
         WHERE priority IS DISTINCT FROM (CASE event_type {cases} ELSE 30 END)
        """
    )
    _logger.info("sync_bridge: priority set on %s existing events", cr.rowcount)
    cr.execute(
        """
        CREATE INDEX IF NOT EXISTS sync_event_claim_lane_idx
            ON sync_event (target_id, priority, id)
         WHERE state IN ('pending', 'in_progress')
        """
    )
    cr.execute("DROP INDEX IF EXISTS sync_event_claim_idx")
