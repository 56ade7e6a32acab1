# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

PICKING_AMEND_FIELDS = {"partner_id", "scheduled_date", "date_deadline"}


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["stock.picking", "sync.status.mixin"]

    sync_carrier = fields.Char("Carrier (WMS)", copy=False, tracking=True)
    sync_carrier_service = fields.Char("Carrier Service (WMS)", copy=False)
    sync_tracking_ref = fields.Char("Tracking Reference (WMS)", copy=False, tracking=True)
    sync_tracking_url = fields.Char("Tracking URL (WMS)", copy=False)
    sync_milestone_ids = fields.One2many("sync.milestone", "picking_id", readonly=True)
    sync_shipment_id = fields.Char(
        "WMS Shipment / Return ID", copy=False, index=True,
        help="Id of the shipment (or return) reported by the WMS.",
    )

    def _sync_aggregate_key(self):
        self.ensure_one()
        if self.sale_id:
            return f"sale.order,{self.sale_id.id}"
        return super()._sync_aggregate_key()

    def _sync_dependency_keys(self):
        """The delivery address (its company too), the order's customer and the
        products of the moves (for a receipt: the vendor and the products)."""
        self.ensure_one()
        picking = self.sudo()
        partners = (picking.partner_id | picking.partner_id.commercial_partner_id
                    | picking.sale_id.partner_id)
        moves = picking.move_ids.filtered(lambda m: m.state != "cancel")
        return self._sync_keys_of(partners, moves.product_id)

    def _sync_wms_targets(self, trigger):
        self.ensure_one()
        return self.env["sync.target"]._get_for(
            trigger, self.company_id, kinds=["wms"], release_on="picking_ready",
            warehouse=self.picking_type_id.warehouse_id,
        )

    def _sync_outgoing(self):
        return self.filtered(lambda p: p.picking_type_code == "outgoing")

    def _sync_release_ready(self):
        """Release outgoing deliveries that are ready (assigned)."""
        Event = self.env["sync.event"].sudo()
        for picking in self._sync_outgoing().filtered(lambda p: p.state == "assigned"):
            targets = picking._sync_wms_targets("release").filtered(
                lambda t: not Event._release_state(t, picking)
            )
            if not targets:
                continue
            if picking.sale_id and not picking.sale_id._sync_credit_allows_release(targets):
                continue
            for target in targets:
                Event._enqueue(target, "release", picking, picking._sync_aggregate_key())

    def _sync_asn_ready(self):
        """Announce ready incoming receipts of confirmed purchase orders to the
        WMS of their warehouse (event 'asn', once per receipt and target)."""
        Event = self.env["sync.event"].sudo()
        receipts = self.filtered(
            lambda p: p.picking_type_code == "incoming" and p.state == "assigned"
            and p.purchase_id and p.purchase_id.state in ("purchase", "done")
        )
        for picking in receipts:
            targets = self.env["sync.target"]._get_for(
                "asn", picking.company_id, kinds=["wms"],
                warehouse=picking.picking_type_id.warehouse_id,
            )
            for target in targets:
                if Event.search_count([
                    ("target_id", "=", target.id), ("model", "=", picking._name),
                    ("res_id", "=", picking.id), ("event_type", "=", "asn"),
                    ("state", "!=", "cancelled"),
                ], limit=1):
                    continue
                Event._enqueue(target, "asn", picking,
                               f"purchase.order,{picking.purchase_id.id}")

    def _sync_amend(self):
        Event = self.env["sync.event"].sudo()
        for picking in self._sync_outgoing().filtered(
            lambda p: p.state not in ("draft", "done", "cancel")
        ):
            for target in picking._sync_wms_targets("amend"):
                Event._enqueue_amend(target, picking, picking._sync_aggregate_key())
        self._sync_asn_amend()

    def _sync_cancel(self):
        Event = self.env["sync.event"].sudo()
        for picking in self._sync_outgoing():
            for target in picking._sync_wms_targets("cancel"):
                Event._enqueue_cancel(target, picking, picking._sync_aggregate_key())
        self._sync_asn_cancel()

    # -- announced receipts (ASN) ------------------------------------------
    def _sync_incoming(self):
        return self.filtered(lambda p: p.picking_type_code == "incoming")

    def _sync_asn_targets(self):
        self.ensure_one()
        return self.env["sync.target"]._get_for(
            "asn", self.company_id, kinds=["wms"], warehouse=self.picking_type_id.warehouse_id)

    def _sync_asn_key(self):
        self.ensure_one()
        if self.purchase_id:
            return f"purchase.order,{self.purchase_id.id}"
        return self._sync_aggregate_key()

    def _sync_asn_amend(self):
        """A receipt already announced to the WMS changed (lines, quantities,
        date, supplier) before it was received: one coalesced 'asn_amend' per
        receipt and target. While the 'asn' is still pending it carries the
        latest data anyway."""
        Event = self.env["sync.event"].sudo()
        for picking in self._sync_incoming().filtered(
            lambda p: p.state not in ("draft", "done", "cancel")
        ):
            for target in picking._sync_asn_targets():
                Event._enqueue_amend(target, picking, picking._sync_asn_key(),
                                     release_type="asn", amend_type="asn_amend")

    def _sync_asn_cancel(self):
        """A cancelled receipt: drop its ASN if it was never sent, else
        'asn_cancel' (pending amendments are dropped)."""
        Event = self.env["sync.event"].sudo()
        for picking in self._sync_incoming():
            for target in picking._sync_asn_targets():
                Event._enqueue_cancel(target, picking, picking._sync_asn_key(),
                                      release_type="asn", amend_type="asn_amend",
                                      cancel_type="asn_cancel")

    def _action_done(self):
        res = super()._action_done()
        # Validating a receipt splits its moves (backorders): that is the reception
        # itself, not a change to announce. Drop amendments it left pending.
        done = self._sync_incoming().filtered(lambda p: p.state == "done")
        if done:
            self.env["sync.event"].sudo().search([
                ("model", "=", "stock.picking"), ("res_id", "in", done.ids),
                ("event_type", "=", "asn_amend"), ("state", "=", "pending"),
            ]).write({"state": "cancelled", "done_at": fields.Datetime.now()})
        return res

    def write(self, vals):
        res = super().write(vals)
        if PICKING_AMEND_FIELDS.intersection(vals):
            self._sync_amend()
        return res
