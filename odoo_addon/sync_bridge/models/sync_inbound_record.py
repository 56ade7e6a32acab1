# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class SyncInboundRecord(models.Model):
    """A business record touched (created, changed or blamed) by an inbound message."""

    _name = "sync.inbound.record"
    _description = "Sync Inbound Message Record"
    _order = "id"

    message_id = fields.Many2one(
        "sync.inbound.message", required=True, ondelete="cascade", index=True
    )
    model = fields.Char(required=True, index=True)
    res_id = fields.Integer(required=True, index=True)
    name = fields.Char(string="Record Name")
    role = fields.Char(help="What the message did to the record, e.g. validated, created.")
    record_ref = fields.Reference(
        selection="_selection_record_ref", compute="_compute_record_ref", string="Record"
    )
    company_id = fields.Many2one(related="message_id.company_id", store=True)

    @api.model
    def _selection_record_ref(self):
        return self.env["sync.event"]._selection_record_ref()

    @api.depends("model", "res_id")
    def _compute_record_ref(self):
        Event = self.env["sync.event"]
        for rec in self:
            rec.record_ref = Event._record_ref_value(rec.model, rec.res_id)
