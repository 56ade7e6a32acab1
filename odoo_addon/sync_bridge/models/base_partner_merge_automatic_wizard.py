# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Odoo's contact merge (Contacts > Action > Merge) and the bridge's references by
(model, res_id): links, exceptions, events, inbound records, reconciliation lines.
See docs/odoo-contract.md#contact-merge."""
import json

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError

PARTNER = "res.partner"
# open events of a merged-away contact that are cancelled (in progress: the merge is refused)
CANCEL_STATES = ("pending", "failed", "dead")
# recon_key of the conflict left by a merge: one open exception per external id
MERGE_KEY = "partner_merge:%s"
MERGE_REASON = "partner_merge"


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        self._sync_check_in_flight(self.env[PARTNER].browse(partner_ids).exists())
        return super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)

    @api.model
    def _update_reference_fields(self, src_partners, dst_partner):
        res = super()._update_reference_fields(src_partners, dst_partner)
        self._sync_merge_references(src_partners, dst_partner)
        return res

    # ------------------------------------------------------------------
    @api.model
    def _sync_check_in_flight(self, partners):
        """Refuse the merge while the sidecar delivers one of the contacts: its ack
        would link the target's record to a deleted contact, or re-link the kept one."""
        if len(partners) < 2:
            return
        event = self.env["sync.event"].sudo().search(
            [("model", "=", PARTNER), ("res_id", "in", partners.ids),
             ("state", "=", "in_progress")], limit=1)
        if event:
            raise UserError(_(
                "%(partner)s is being sent to %(target)s right now (sync event %(event)s). "
                "Merge again in a few minutes, once the delivery is acknowledged.",
                partner=self.env[PARTNER].browse(event.res_id).display_name,
                target=event.target_id.name, event=event.id))

    @api.model
    def _sync_merge_references(self, src_partners, dst_partner):
        """Move the bridge's references of src_partners to dst_partner (same
        transaction as the merge) and post a summary on dst_partner."""
        if not src_partners:
            return
        names = {p.id: "%s (#%s)" % (p.display_name, p.id) for p in src_partners}
        notes = self._sync_merge_links(src_partners, dst_partner, names)
        notes += self._sync_merge_exceptions(src_partners, dst_partner)
        notes += self._sync_merge_events(src_partners, dst_partner)
        for model in ("sync.inbound.record", "sync.reconciliation.line"):
            self.env[model].sudo().search(
                [("model", "=", PARTNER), ("res_id", "in", src_partners.ids)]
            ).write({"res_id": dst_partner.id})
        # the targets get the merged contact (coalesced with the write of the merged values)
        dst_partner._sync_upsert()
        if notes:
            body = Markup("<p>%s</p><ul>%s</ul>") % (
                _("Contacts merged into this one: %s. Sync bridge:",
                  ", ".join(names[p.id] for p in src_partners)),
                Markup().join(Markup("<li>%s</li>") % note for note in notes))
            dst_partner.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")

    @api.model
    def _sync_merge_links(self, src_partners, dst_partner, names):
        """Per target: the kept contact's link (with an external id) stays; else the
        oldest link of a merged-away contact moves to it. Any other external id is a
        second record of the customer at the target: a conflict exception for the
        steward, and its link goes (links are unique per record and per external id)."""
        Link = self.env["sync.link"].sudo()
        links = Link.search([("model", "=", PARTNER),
                             ("res_id", "in", (src_partners | dst_partner).ids)], order="id")
        notes = []
        for target, of_target in links.grouped("target_id").items():
            own = of_target.filtered(lambda link: link.res_id == dst_partner.id)
            others = (of_target - own).filtered("external_id")
            kept = own if own.external_id else others[:1]
            seconds = [(link.res_id, link.external_id) for link in others - kept]
            moved_from = kept.res_id if kept and kept != own else False
            # no external id anywhere: the kept contact keeps its own (status only) link
            (of_target - kept if kept else of_target - own).unlink()
            if moved_from:
                kept.write({"res_id": dst_partner.id})
                notes.append(_("%(target)s: link %(ext)s moved from %(partner)s.",
                               target=target.name, ext=kept.external_id,
                               partner=names[moved_from]))
            for res_id, ext in seconds:
                exc = self._sync_merge_conflict(target, dst_partner, kept.external_id, ext,
                                                names[res_id])
                notes.append(_(
                    "%(target)s: %(ext)s of %(partner)s is a second record of this customer "
                    "(kept: %(kept)s); conflict exception %(exc)s opened: merge or delete it "
                    "in %(target)s.", target=target.name, ext=ext, partner=names[res_id],
                    kept=kept.external_id, exc=exc.id))
        return notes

    @api.model
    def _sync_merge_conflict(self, target, partner, kept_ext, second_ext, merged_name):
        Exc = self.env["sync.exception"].sudo()
        key = MERGE_KEY % second_ext
        message = _(
            "Merged in Odoo: %(target)s still has %(ext)s as a second record of %(partner)s "
            "(linked: %(kept)s); merge or delete it there, then resolve this exception.",
            target=target.name, ext=second_ext, partner=partner.display_name, kept=kept_ext)
        details = json.dumps({"merged_partner": merged_name, "kept_external_id": kept_ext,
                              "second_external_id": second_ext}, indent=2)
        exc = Exc.search([("state", "=", "open"), ("category", "=", "conflict"),
                                 ("model", "=", PARTNER), ("res_id", "=", partner.id),
                                 ("target_id", "=", target.id), ("recon_key", "=", key)],
                                limit=1)
        if exc:
            exc.write({"message": message, "details": details,
                       "occurrences": exc.occurrences + 1,
                       "last_seen_at": fields.Datetime.now()})
            return exc
        return Exc.create({
            "category": "conflict", "model": PARTNER, "res_id": partner.id,
            "target_id": target.id, "recon_key": key, "reason_code": MERGE_REASON,
            "message": message, "details": details,
            "company_id": (target.company_id or partner.company_id).id or False,
        })

    @api.model
    def _sync_merge_exceptions(self, src_partners, dst_partner):
        """Open exceptions follow the contact; one the kept contact already has (same
        category, target and key) absorbs the merged-away one, which is closed."""
        Exc = self.env["sync.exception"].sudo()
        excs = Exc.search([("model", "=", PARTNER), ("res_id", "in", src_partners.ids),
                                  ("state", "=", "open")], order="id")
        moved = Exc
        for exc in excs:
            twin = Exc.search([("state", "=", "open"), ("model", "=", PARTNER),
                                      ("res_id", "=", dst_partner.id),
                                      ("category", "=", exc.category),
                                      ("target_id", "=", exc.target_id.id),
                                      ("recon_key", "=", exc.recon_key)], limit=1)
            if twin:
                exc.write({"state": "resolved", "resolved_at": fields.Datetime.now(),
                           "resolved_by_id": self.env.uid})
                exc.message_post(body=_(
                    "Contact merged into %(partner)s, which has the same open exception "
                    "%(exc)s: followed up there.", partner=dst_partner.display_name,
                    exc=twin.id), subtype_xmlid="mail.mt_note")
                continue
            exc.write({"res_id": dst_partner.id})
            moved |= exc
        if not excs:
            return []
        return [_("%(moved)s open sync exception(s) moved to this contact, %(closed)s closed "
                  "as duplicates of its own.", moved=len(moved), closed=len(excs - moved))]

    @api.model
    def _sync_merge_events(self, src_partners, dst_partner):
        """Open events of the merged-away contacts are cancelled: their record is deleted;
        the kept contact's upsert carries the merged data."""
        events = self.env["sync.event"].sudo().search(
            [("model", "=", PARTNER), ("res_id", "in", src_partners.ids),
             ("state", "in", CANCEL_STATES)], order="id")
        now = fields.Datetime.now()
        for event in events:
            reason = _("Cancelled: contact merged into %(partner)s (#%(id)s).",
                       partner=dst_partner.display_name, id=dst_partner.id)
            event.write({
                "state": "cancelled", "done_at": now, "lease_expires_at": False,
                "last_error_message": "%s\n%s" % (reason, event.last_error_message)
                if event.last_error_message else reason,
            })
        if not events:
            return []
        return [_("%(count)s open sync event(s) of the merged contacts cancelled (%(ids)s).",
                  count=len(events), ids=", ".join(str(i) for i in events.ids))]
