# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models


class SyncLink(models.Model):
    """A record's counterpart in a target: its external id and sync status."""

    _name = "sync.link"
    _description = "Sync Link (external id of a record in a target)"
    _order = "id desc"
    _rec_name = "external_id"

    target_id = fields.Many2one("sync.target", required=True, ondelete="cascade", index=True)
    model = fields.Char(required=True, index=True)
    res_id = fields.Integer(required=True)
    record_ref = fields.Reference(
        selection="_selection_record_ref", compute="_compute_record_ref", string="Record"
    )
    external_id = fields.Char(index=True)
    sync_status = fields.Selection(
        [("synced", "Synced"), ("failed", "Failed")], readonly=True
    )
    last_synced_at = fields.Datetime(readonly=True)
    last_event_id = fields.Many2one("sync.event", readonly=True, ondelete="set null")
    last_message = fields.Text(readonly=True)
    company_id = fields.Many2one(related="target_id.company_id", store=True)

    if hasattr(models, "Constraint"):  # Odoo 19+: _sql_constraints is ignored
        _record_target_uniq = models.Constraint("unique(target_id, model, res_id)", "A record can only have one link per target.")
        _external_id_uniq = models.Constraint("unique(target_id, model, external_id)", "This external id is already linked to another record of this target.")
    else:  # Odoo 18
        _sql_constraints = [
            (
                "record_target_uniq",
                "unique(target_id, model, res_id)",
                "A record can only have one link per target.",
            ),
            (
                "external_id_uniq",
                "unique(target_id, model, external_id)",
                "This external id is already linked to another record of this target.",
            ),
        ]

    @api.model
    def _selection_record_ref(self):
        return self.env["sync.event"]._selection_record_ref()

    @api.depends("model", "res_id")
    def _compute_record_ref(self):
        Event = self.env["sync.event"]
        for link in self:
            link.record_ref = Event._record_ref_value(link.model, link.res_id)

    @api.model
    def _get(self, target, model, res_id):
        return self.sudo().search(
            [("target_id", "=", target.id), ("model", "=", model), ("res_id", "=", res_id)],
            limit=1,
        )

    @api.model
    def _check_links(self, target, links):
        """Return a refusal reason if links are malformed or conflict, else False."""
        for link in links:
            if not (
                isinstance(link, dict)
                and isinstance(link.get("model"), str)
                and isinstance(link.get("res_id"), int)
                and link.get("external_id")
            ):
                return "invalid_link"
            other = self.sudo().search(
                [
                    ("target_id", "=", target.id),
                    ("model", "=", link["model"]),
                    ("external_id", "=", str(link["external_id"])),
                    ("res_id", "!=", link["res_id"]),
                ],
                limit=1,
            )
            if other:
                return "link_conflict"
        return False

    @api.model
    def _apply_links(self, target, links):
        for link in links:
            current = self._get(target, link["model"], link["res_id"])
            if current:
                current.external_id = str(link["external_id"])
            else:
                self.sudo().create(
                    {
                        "target_id": target.id,
                        "model": link["model"],
                        "res_id": link["res_id"],
                        "external_id": str(link["external_id"]),
                    }
                )

    @api.model
    def _set_status(self, event, status, message=False):
        """Record the settled sync status of the event's record for its target and
        post ONE chatter message when it changes (retries do not flood)."""
        link = self._get(event.target_id, event.model, event.res_id)
        previous = link.sync_status
        vals = {"sync_status": status, "last_event_id": event.id, "last_message": message}
        if status == "synced":
            vals["last_synced_at"] = fields.Datetime.now()
        if link:
            link.write(vals)
        else:
            vals.update(target_id=event.target_id.id, model=event.model, res_id=event.res_id)
            link = self.sudo().create(vals)
        if previous != status:
            link._post_status_message(event, status, message)
        return link

    def _post_status_message(self, event, status, message):
        if self.model not in self.env:
            return
        record = self.env[self.model].sudo().browse(self.res_id).exists()
        if not record or not hasattr(record, "message_post"):
            return
        if status == "synced":
            body = _("Synced to %(target)s (%(type)s).", target=self.target_id.name,
                     type=event.event_type)
        else:
            body = _("Sync to %(target)s failed (%(type)s): %(message)s",
                     target=self.target_id.name, type=event.event_type,
                     message=message or "")
        record.message_post(body=body, subtype_xmlid="mail.mt_note")
