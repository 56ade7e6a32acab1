# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from .inbound_common import InboundCase


class ReconCase(InboundCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Run = cls.env["sync.reconciliation"]
        cls.stock = cls.warehouse.lot_stock_id
        cls.loc_name = cls.stock.complete_name

    def _start(self, job="inventory", target=None, dry_run=False, worker="recon-1"):
        res = self.svc.sync_recon_start((target or self.wms).code, job, dry_run, worker)
        return self.Run.browse(res["run_id"])

    def _release_and_ack(self, picking_or_order, external_ref=False):
        """Claim the pending release of a record for the WMS and ack it."""
        claimed = [c for c in self._claim([self.wms.code])
                   if c["model"] == picking_or_order._name and c["res_id"] == picking_or_order.id
                   and c["event_type"] == "release"]
        self.assertEqual(len(claimed), 1)
        res = self.svc.sync_ack([self._item(claimed[0], external_ref=external_ref)])
        self.assertEqual(res["ok"], [claimed[0]["id"]])
        return claimed[0]

    def _all_stock(self, limit=500, target=None):
        items, after, pages = [], False, 0
        while True:
            page = self.svc.sync_recon_odoo_stock((target or self.wms).code, after, limit)
            items += page["items"]
            pages += 1
            if not page["next"]:
                return items, pages
            after = page["next"]

    def _key(self, sku, lot=""):
        return "inventory:%s:%s:%s" % (sku, self.loc_name, lot)
