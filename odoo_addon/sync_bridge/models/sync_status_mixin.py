# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, fields, models

STATUS_RANK = {"none": 0, "synced": 1, "pending": 2, "failed": 3}


class SyncStatusMixin(models.AbstractModel):
    """Sync status, smart button and helpers for records that are synced."""

    _name = "sync.status.mixin"
    _description = "Sync Status Mixin"

    sync_status = fields.Selection(
        [("none", "Not synced"), ("pending", "Pending"), ("synced", "Synced"),
         ("failed", "Failed")],
        compute="_compute_sync_status",
        string="Sync Status",
    )
    sync_status_detail = fields.Char(
        compute="_compute_sync_status", string="Sync Status per Target"
    )
    sync_event_count = fields.Integer(compute="_compute_sync_status", string="Sync Events")
    sync_exception_count = fields.Integer(
        compute="_compute_sync_status", string="Open Sync Exceptions"
    )

    sync_inbound_count = fields.Integer(
        compute="_compute_sync_inbound_count", string="Inbound Messages"
    )
    sync_waiting_notice = fields.Char(
        compute="_compute_sync_waiting_notice", string="Sync Waiting",
        help="Set while this record has sync work for a target that no sidecar has polled "
             "lately (see the target's Sidecar Contact).",
    )

    def _compute_sync_waiting_notice(self):
        records = self.filtered("id")
        (self - records).sync_waiting_notice = False
        if not records:
            return
        self.env["sync.event"].sudo().flush_model()
        keys = {f"{rec._name},{rec.id}": rec.id for rec in records}
        self.env.cr.execute(
            """
            SELECT DISTINCT e.aggregate_key, e.model, e.res_id, e.target_id
              FROM sync_event e
             WHERE (e.aggregate_key = ANY(%s) OR (e.model = %s AND e.res_id = ANY(%s)))
               AND e.state IN ('pending', 'in_progress')
            """,
            (list(keys), self._name, records.ids),
        )
        waiting = {}  # record id -> target ids with work waiting
        for agg, model, res_id, target_id in self.env.cr.fetchall():
            for rec_id in {keys.get(agg), res_id if model == self._name else None} - {None}:
                waiting.setdefault(rec_id, set()).add(target_id)
        Target = self.env["sync.target"].sudo()
        late = Target.browse({t for ts in waiting.values() for t in ts}).filtered(
            lambda t: t.active and t.contact_state in ("late", "never"))
        for rec in records:
            parts = late.filtered(lambda t: t.id in waiting.get(rec.id, ()))._contact_notice()
            rec.sync_waiting_notice = _(
                "Waiting for the bridge: %(targets)s. Its sync is not sent until a sidecar "
                "polls again.", targets="; ".join(parts)) if parts else False

    def _compute_sync_inbound_count(self):
        groups = self.env["sync.inbound.record"].sudo()._read_group(
            [("model", "=", self._name), ("res_id", "in", self.ids)], ["res_id"], ["__count"]
        )
        counts = dict(groups)
        for rec in self:
            rec.sync_inbound_count = counts.get(rec.id, 0)

    def action_view_sync_inbound(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sync_bridge.sync_inbound_message_action"
        )
        messages = self.env["sync.inbound.record"].sudo().search(
            [("model", "=", self._name), ("res_id", "=", self.id)]
        ).message_id
        action["domain"] = [("id", "in", messages.ids)]
        action["context"] = {}
        return action

    def _sync_aggregate_key(self):
        self.ensure_one()
        return f"{self._name},{self.id}"

    def _sync_dependency_keys(self):
        """Aggregate keys ('model,id') of the records this record needs at a
        target before its release / amend / status can be used there (its
        customer, its products). Their pending upserts are promoted to the
        event's lane and the event waits for them (see sync.event._enqueue)."""
        return []

    @staticmethod
    def _sync_keys_of(*recordsets):
        """Sorted distinct 'model,id' keys of the (possibly empty) recordsets."""
        return sorted({f"{rec._name},{rec.id}" for records in recordsets for rec in records
                       if rec.id})

    def _sync_event_domain(self):
        self.ensure_one()
        return ["|", ("aggregate_key", "=", f"{self._name},{self.id}"),
                "&", ("model", "=", self._name), ("res_id", "=", self.id)]

    def _compute_sync_status(self):
        records = self.filtered("id")
        (self - records).update({"sync_status": "none", "sync_status_detail": False,
                                 "sync_event_count": 0, "sync_exception_count": 0})
        if not records:
            return
        Event = self.env["sync.event"].sudo()
        Event.flush_model()
        keys = {f"{rec._name},{rec.id}": rec.id for rec in records}
        self.env.cr.execute(
            """
            SELECT e.aggregate_key, e.model, e.res_id, e.target_id, e.state, count(*)
              FROM sync_event e
             WHERE e.aggregate_key = ANY(%s) OR (e.model = %s AND e.res_id = ANY(%s))
          GROUP BY 1, 2, 3, 4, 5
            """,
            (list(keys), self._name, records.ids),
        )
        per_target = {}  # (rec_id, target_id) -> status
        counts = {}
        for agg, model, res_id, target_id, state, count in self.env.cr.fetchall():
            rec_ids = set()
            if agg in keys:
                rec_ids.add(keys[agg])
            if model == self._name and res_id in records.ids:
                rec_ids.add(res_id)
            for rec_id in rec_ids:
                counts[rec_id] = counts.get(rec_id, 0) + count
                status = {"pending": "pending", "in_progress": "pending",
                          "failed": "failed", "dead": "failed"}.get(state)
                if status:
                    key = (rec_id, target_id)
                    if STATUS_RANK[status] > STATUS_RANK[per_target.get(key, "none")]:
                        per_target[key] = status
        links = self.env["sync.link"].sudo().search(
            [("model", "=", self._name), ("res_id", "in", records.ids),
             ("sync_status", "!=", False)]
        )
        synced_at = {}
        for link in links:
            key = (link.res_id, link.target_id.id)
            if key not in per_target:
                per_target[key] = link.sync_status
            if link.sync_status == "synced":
                synced_at[key] = link.last_synced_at
        exc_groups = self.env["sync.exception"].sudo()._read_group(
            [("model", "=", self._name), ("res_id", "in", records.ids), ("state", "=", "open")],
            ["res_id"], ["__count"],
        )
        exc_counts = dict(exc_groups)
        targets = self.env["sync.target"].sudo().with_context(active_test=False).browse(
            list({t for (_r, t) in per_target})
        )
        labels = dict(self._fields["sync_status"]._description_selection(self.env))
        for rec in records:
            overall, parts = "none", []
            for target in targets:
                status = per_target.get((rec.id, target.id))
                if not status:
                    continue
                if STATUS_RANK[status] > STATUS_RANK[overall]:
                    overall = status
                label = labels[status]
                if status == "synced" and synced_at.get((rec.id, target.id)):
                    label = _("%(status)s %(when)s", status=label,
                              when=fields.Datetime.to_string(synced_at[(rec.id, target.id)])[:16])
                parts.append(f"{target.name}: {label}")
            rec.sync_status = overall
            rec.sync_status_detail = "; ".join(parts) or False
            rec.sync_event_count = counts.get(rec.id, 0)
            rec.sync_exception_count = exc_counts.get(rec.id, 0)

    def action_view_sync_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sync_bridge.sync_event_action")
        action["domain"] = self._sync_event_domain()
        action["context"] = {}
        return action

    def action_view_sync_exceptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sync_bridge.sync_exception_action"
        )
        action["domain"] = [("model", "=", self._name), ("res_id", "=", self.id)]
        action["context"] = {}
        return action
