# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Inbound kinds of the order-to-cash completion (docs/odoo-contract.md#order-to-cash-completion):
receipt, milestone, partner_change, partner_new."""
import json
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero

from .sync_change_proposal import name_words, normalize_name, normalize_vat

HOLD_MILESTONES = ("exception", "on_hold")
# The WMS released a hold: resolves the order's fulfilment exceptions like any later milestone.
RESUMED = "resumed"
# partner_new fields a whole-record partner_change can carry (see _change_as_new).
NEW_PARTNER_KEYS = ("name", "email", "phone", "website", "vat", "street", "street2", "city",
                    "zip", "state", "country_code")


class SyncInboundMessage(models.Model):
    _inherit = "sync.inbound.message"

    # ------------------------------------------------------------------
    # Receipt (WMS received a purchase receipt announced by an ASN)
    # ------------------------------------------------------------------
    def _resolve_receipt_ref(self, ref, apply):
        """Receipts released under `ref`: a sync.link of the target on
        stock.picking (the WMS's id), else an incoming receipt of that name,
        else the receipts of a purchase order of that name."""
        target = apply.target
        Picking = self.env["stock.picking"]
        link = self.env["sync.link"].search(
            [("target_id", "=", target.id), ("model", "=", "stock.picking"),
             ("external_id", "=", ref)], limit=1)
        picking = Picking.browse(link.res_id).exists() if link else Picking
        company_domain = [("company_id", "=", target.company_id.id)] if target.company_id else []
        if not picking:
            picking = Picking.search([("name", "=", ref), ("picking_type_code", "=", "incoming")]
                                     + company_domain, limit=1)
        if not picking:
            order = self.env["purchase.order"].search([("name", "=", ref)] + company_domain,
                                                      limit=1)
            picking = order.picking_ids.filtered(lambda p: p.picking_type_code == "incoming")
        return picking

    def _apply_receipt(self, data, apply):
        target = apply.target
        if target.kind != "wms":
            apply.problem("validation", _("target: receipts are only accepted from WMS targets."))
            apply.check()
        found = self._resolve_receipt_ref(data["receipt_ref"], apply)
        if not found:
            apply.problem("validation", _("receipt_ref: no receipt or purchase order %s.",
                                          data["receipt_ref"]))
            apply.check()
        apply.anchor = found[:1] if len(found) == 1 else found.purchase_id[:1] or found[:1]
        pickings = self._with_backorders(found).filtered(
            lambda p: p.picking_type_code == "incoming" and p.state not in ("done", "cancel", "draft")
        ).sorted(lambda p: (p not in found, p.id))
        if not pickings:
            apply.problem("conflict", _("receipt_ref: %s has no open receipt.",
                                        ", ".join(found.mapped("name"))))
            apply.check()
        moves, remaining = self._open_moves(pickings)
        allocations = defaultdict(list)
        for i, line in enumerate(data["lines"]):
            path = f"lines[{i}]"
            product = self._line_product(line, path, apply)
            if not product:
                continue
            rounding = product.uom_id.rounding
            if float_is_zero(line["quantity"], precision_rounding=rounding):
                if line["lots"] or line["serials"]:
                    apply.problem("validation", _("%(path)s: nothing received but lots or "
                                                  "serial numbers were sent.", path=path))
                continue
            pieces = self._check_tracking(product, line, path, apply)
            if pieces is None:
                continue
            candidates = moves.filtered(lambda m: m.product_id == product)
            if not candidates:
                apply.problem("validation", _("%(path)s.sku: %(sku)s is not on %(refs)s.",
                                              path=path, sku=line["sku"],
                                              refs=", ".join(pickings.mapped("name"))))
                continue
            open_qty = sum(remaining[m.id] for m in candidates)
            if float_compare(line["quantity"], open_qty, precision_rounding=rounding) > 0:
                apply.problem("stock_discrepancy", _(
                    "%(path)s.quantity: over-receipt: %(qty)s %(sku)s received, only %(open)s "
                    "expected.", path=path, qty=line["quantity"], sku=line["sku"],
                    open=open_qty), reason_code="over_receipt")
                continue
            for move, take, lot_name, expiration in self._spread(pieces, candidates, remaining,
                                                                 rounding):
                allocations[move.id].append((take, lot_name, expiration))
        apply.check()
        close = target.receipt_backorder_policy == "cancel"
        moves.move_line_ids.unlink()
        touched = self.env["stock.picking"]
        for move in moves.filtered(lambda m: m.id in allocations):
            self._add_move_lines(move, allocations[move.id])
            touched |= move.picking_id
        before = pickings.backorder_ids
        if touched:
            self._validate_pickings(touched, apply, cancel_rest=close)
            touched.write({"date_done": fields.Datetime.to_datetime(data["received_at"]),
                           "sync_shipment_id": data["receipt_id"]})
        untouched = pickings - touched
        if close and untouched:
            untouched.action_cancel()
        elif untouched:
            untouched.action_assign()  # give the reservations back
        backorders = touched.backorder_ids - before
        for picking in touched:
            picking.message_post(body=_(
                "Received by %(system)s (receipt %(rec)s, message %(msg)s).",
                system=data["source"], rec=data["receipt_id"], msg=self.message_id),
                subtype_xmlid="mail.mt_note")
        apply.touch(touched, "received")
        apply.touch(backorders, "backorder")
        if close:
            apply.touch(untouched, "cancelled")
        apply.touch(pickings.purchase_id, "received")
        if touched:
            apply.summary.append(_("%(names)s received.", names=", ".join(touched.mapped("name"))))
        else:
            apply.summary.append(_("Nothing received."))
        if backorders:
            apply.summary.append(_("Backorder %s keeps the rest.",
                                   ", ".join(backorders.mapped("name"))))
        elif close and (touched or untouched):
            apply.summary.append(_("The rest was cancelled (receipt closed)."))

    # ------------------------------------------------------------------
    # Fulfilment milestone
    # ------------------------------------------------------------------
    def _apply_milestone(self, data, apply):
        record = self._resolve_order_ref(data["order_ref"], apply)
        if record and record._name == "stock.picking":
            order, picking = record.sale_id, record
        else:
            order, picking = record, self.env["stock.picking"]
        if not order:
            apply.problem("validation", _("order_ref: no sale order or delivery %s.",
                                          data["order_ref"]))
            apply.check()
        apply.anchor = order
        if not picking and data.get("shipment_id"):
            picking = order.picking_ids.filtered(
                lambda p: p.sync_shipment_id == data["shipment_id"])[:1]
        pod = data.get("proof_of_delivery") or {}
        if pod and data["milestone"] != "delivered":
            apply.problem("validation", _("proof_of_delivery: only for milestone delivered."))
            apply.check()
        previous = order.sync_fulfilment_status
        milestone = self.env["sync.milestone"].create({
            "order_id": order.id,
            "picking_id": picking.id or False,
            "target_id": apply.target.id,
            "milestone": data["milestone"],
            "occurred_at": fields.Datetime.to_datetime(data["occurred_at"]),
            "source": data["source"],
            "message_id": self.message_id,
            "inbound_message_id": self.id,
            "shipment_id": data.get("shipment_id") or False,
            "carrier": data.get("carrier") or False,
            "tracking_number": data.get("tracking_number") or False,
            "reason": data.get("reason") or False,
            "delivered_at": fields.Datetime.to_datetime(
                pod.get("delivered_at") or data["occurred_at"])
            if data["milestone"] == "delivered" else False,
            "carrier_event": pod.get("carrier_event") or False,
            "signed_by": pod.get("signed_by") or False,
            "delivery_location": pod.get("location") or False,
        })
        order.invalidate_recordset(["sync_milestone_ids"])
        current = order.sync_fulfilment_status
        apply.touch(order, "milestone")
        apply.touch(picking, "milestone")
        label = dict(milestone._fields["milestone"].selection)[data["milestone"]]
        apply.summary.append(_("%(order)s: %(milestone)s at %(at)s (now %(status)s).",
                               order=order.name, milestone=label, at=data["occurred_at"],
                               status=current or "-"))
        Exception_ = self.env["sync.exception"].sudo()
        latest = order.sync_milestone_ids[:1] == milestone
        if data["milestone"] in HOLD_MILESTONES and not latest:
            # A hold older than the order's status (a late poll, or the same second as shipped
            # or delivered): history only, the order is no longer held.
            apply.summary.append(_("The hold is older than the order's status: not an exception."))
        elif data["milestone"] == RESUMED and not latest:
            # A hold release older than the order's status (a late poll, or older than a later
            # milestone): history only, the later milestone decided about the hold.
            apply.summary.append(_("The hold release is older than the order's status: "
                                   "timeline only."))
        elif data["milestone"] in HOLD_MILESTONES:
            status = data.get("reason") or data["milestone"]
            exc = Exception_._raise_exception(
                "fulfilment",
                _("%(system)s reports %(milestone)s for %(order)s at %(at)s: %(reason)s",
                  system=data["source"], milestone=label, order=order.name,
                  at=data["occurred_at"], reason=data.get("reason") or "-"),
                model=order._name, res_id=order.id, target=apply.target,
                details=json.dumps(data, indent=2, sort_keys=True),
                reason_code=data["milestone"], wms_status=status,
            )
            apply.touch(exc, "exception opened")
        elif current not in HOLD_MILESTONES:
            resolved = Exception_.search([
                ("state", "=", "open"), ("category", "=", "fulfilment"),
                ("model", "=", order._name), ("res_id", "=", order.id),
                ("target_id", "=", apply.target.id)])
            resolved.write({"state": "resolved", "resolved_at": fields.Datetime.now(),
                            "resolved_by_id": self.env.uid})
            for exc in resolved:
                apply.touch(exc, "exception resolved")
            if data["milestone"] == RESUMED and (resolved or previous in HOLD_MILESTONES):
                apply.summary.append(_("Hold released: %s exception(s) resolved.",
                                       len(resolved)))
            elif data["milestone"] == RESUMED:
                # The WMS may report a release without a hold Odoo knows of (a hold set and
                # released between two polls): recorded, nothing to resolve.
                apply.summary.append(_("%s was not on hold: the hold release is recorded in "
                                       "the timeline only.", order.name))
        body = _("Fulfilment: %(milestone)s at %(at)s (%(system)s, message %(msg)s).",
                 milestone=label, at=data["occurred_at"], system=data["source"],
                 msg=self.message_id)
        if data["milestone"] == "delivered" and pod:
            body = "%s %s" % (body, _("Proof of delivery: %s.", order.sync_delivery_proof
                                      or milestone.delivered_at))
        order.message_post(body=body, subtype_xmlid="mail.mt_note")
        if current != previous:
            order._sync_status_event()

    # ------------------------------------------------------------------
    # CRM customer data: partner_change / partner_new
    # ------------------------------------------------------------------
    def _crm_only(self, apply, what):
        if apply.target.kind != "crm":
            apply.problem("validation", _("target: %s are only accepted from CRM targets.", what))
            apply.check()

    def _linked_partner(self, target, external_id):
        link = self.env["sync.link"].search(
            [("target_id", "=", target.id), ("model", "=", "res.partner"),
             ("external_id", "=", external_id)], limit=1)
        return self.env["res.partner"].with_context(active_test=False).browse(
            link.res_id).exists() if link else self.env["res.partner"]

    def _apply_partner_change(self, data, apply):
        self._crm_only(apply, _("customer changes"))
        target = apply.target
        partner = self._linked_partner(target, data["external_id"])
        if not partner and (data.get("changes") or {}).get("name"):
            # A CRM record the bridge never linked, sent whole (Salesforce sends the Account's
            # current values), e.g. an Account created before the bridge and edited now: it is
            # a customer new to Odoo, handled like partner_new (duplicate check, then a link
            # proposal or a new linked partner), not rejected.
            return self._apply_partner_new(self._change_as_new(data), apply)
        if not partner:
            apply.problem("validation", _("external_id: no partner linked to %(ext)s in "
                                          "%(target)s.", ext=data["external_id"],
                                          target=target.name))
            apply.check()
        apply.anchor = partner
        Proposal = self.env["sync.change.proposal"]
        owned = target._crm_owned_fields()
        changes = data["changes"]
        country = None
        if "country_code" in changes:
            try:
                country = self.env["res.country"].browse(Proposal._partner_vals(
                    partner, "country_code", changes["country_code"])["country_id"])
            except UserError:
                country = None
        direct, proposed = {}, []
        for key in sorted(changes, key=lambda k: (k == "state", k)):
            value = changes[key]
            try:
                vals = Proposal._partner_vals(partner, key, value, country)
            except UserError as e:
                apply.problem("validation", "changes.%s: %s" % (key, e.args[0]))
                continue
            if key in owned:
                direct.update(vals)
            elif not Proposal._same(partner, key, value, country):
                proposed.append((key, value))
        apply.check()
        if direct:
            partner.with_context(sync_bridge_skip_target_ids=[target.id]).write(direct)
            apply.touch(partner, "updated")
            apply.summary.append(_("Applied (CRM-owned): %s.", ", ".join(
                k for k in sorted(changes) if k in owned)))
        proposals = Proposal
        for key, value in proposed:
            proposals |= Proposal._propose(target, partner, key, value, self, data)
        if proposals:
            apply.touch(partner, "proposal")
            apply.touch(proposals, "proposed")
            apply.summary.append(_("Proposed to the data steward: %s.",
                                   ", ".join(proposals.mapped("field_name"))))
        if not direct and not proposals:
            apply.touch(partner, "unchanged")
            apply.summary.append(_("%s already has these values.", partner.display_name))

    def _find_duplicate_partner(self, data):
        """(partner, reason) of an existing partner that looks like the CRM record:
        same VAT, same email, or same normalised name."""
        Partner = self.env["res.partner"]
        company = data["object_type"] == "company"

        def pick(partners):
            partners = partners.filtered(lambda p: p.active)
            if company:
                partners = partners.commercial_partner_id
            return partners[:1]

        if data.get("vat") and normalize_vat(data["vat"]):
            Partner.flush_model(["vat", "active"])
            self.env.cr.execute(
                """SELECT id FROM res_partner
                    WHERE active AND regexp_replace(upper(vat), '[^A-Z0-9]', '', 'g') = %s
                 ORDER BY parent_id IS NOT NULL, id LIMIT 5""",
                (normalize_vat(data["vat"]),))
            found = pick(Partner.browse([r[0] for r in self.env.cr.fetchall()]))
            if found:
                return found, "vat"
        if data.get("email"):
            found = pick(Partner.search([("email", "=ilike", data["email"])], limit=5))
            if found:
                return found, "email"
        key = normalize_name(data["name"])
        if len(key) >= 2:
            words = sorted(name_words(data["name"]), key=len, reverse=True)
            domain = [("name", "ilike", words[0])]
            if company:
                domain.append(("is_company", "=", True))
            candidates = Partner.search(domain, limit=200, order="id")
            found = pick(candidates.filtered(lambda p: normalize_name(p.name) == key))
            if found:
                return found, "name"
        return Partner, False

    def _create_crm_partner(self, target, data):
        """Create the partner of a CRM record (partner_new) and link it."""
        Country = self.env["res.country"]
        country = Country.search([("code", "=", data["country_code"])], limit=1) \
            if data.get("country_code") else Country
        state = self.env["res.country.state"]
        if data.get("state"):
            domain = ["|", ("code", "=", data["state"]), ("name", "=ilike", data["state"])]
            if country:
                domain = [("country_id", "=", country.id)] + domain
            state = state.search(domain, limit=1)
        parent = self._linked_partner(target, data["parent_external_id"]) \
            if data.get("parent_external_id") else self.env["res.partner"]
        vals = {
            "name": data["name"],
            "is_company": data["object_type"] == "company",
            "parent_id": parent.id or False,
            "country_id": country.id or False,
            "state_id": state.id or False,
        }
        for key in ("email", "phone", "website", "vat", "street", "street2", "city", "zip"):
            if data.get(key):
                vals[key] = data[key]
        if target.company_id:
            vals["company_id"] = target.company_id.id
        partner = self.env["res.partner"].with_context(
            sync_bridge_skip_target_ids=[target.id]).create(vals)
        self.env["sync.link"].sudo().create({"target_id": target.id, "model": "res.partner",
                                             "res_id": partner.id,
                                             "external_id": data["external_id"]})
        return partner

    @api.model
    def _change_as_new(self, data):
        """partner_new data from a whole-record partner_change of an unlinked CRM record."""
        new = {key: value for key, value in data["changes"].items()
               if key in NEW_PARTNER_KEYS and value is not False}
        new.update(external_id=data["external_id"], object_type=data["object_type"],
                   created_at=data["changed_at"], source=data.get("source"))
        return new

    def _apply_partner_new(self, data, apply):
        self._crm_only(apply, _("new customers"))
        target = apply.target
        linked = self._linked_partner(target, data["external_id"])
        if linked:
            apply.touch(linked, "unchanged")
            apply.summary.append(_("%(ext)s is already linked to %(partner)s.",
                                   ext=data["external_id"], partner=linked.display_name))
            return
        Proposal = self.env["sync.change.proposal"]
        match, reason = self._find_duplicate_partner(data)
        if match:
            apply.anchor = match
            vals = {"partner_id": match.id, "match_reason": reason,
                    "payload": json.dumps(data, indent=2, sort_keys=True),
                    "received_at": fields.Datetime.now(),
                    "changed_at": data["created_at"], "inbound_message_id": self.id}
            proposal = Proposal.search([("proposal_type", "=", "link"), ("state", "=", "proposed"),
                                        ("target_id", "=", target.id),
                                        ("external_id", "=", data["external_id"])], limit=1)
            if proposal:
                proposal.write(vals)
            else:
                vals.update(proposal_type="link", target_id=target.id,
                            external_id=data["external_id"])
                proposal = Proposal.create(vals)
            apply.touch(match, "possible duplicate")
            apply.touch(proposal, "proposed")
            apply.summary.append(_("%(ext)s looks like %(partner)s (%(reason)s): link proposed "
                                   "to the data steward.", ext=data["external_id"],
                                   partner=match.display_name, reason=reason))
            return
        partner = self._create_crm_partner(target, data)
        apply.anchor = partner
        apply.touch(partner, "created")
        apply.summary.append(_("%(partner)s created and linked to %(ext)s.",
                               partner=partner.display_name, ext=data["external_id"]))
