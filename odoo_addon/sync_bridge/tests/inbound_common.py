# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import uuid
from odoo.addons.sync_bridge.compat import storable_vals

from .common import SyncBridgeCase


class InboundCase(SyncBridgeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Message = cls.env["sync.inbound.message"]
        cls.product.invoice_policy = "delivery"
        cls.product_b = cls.env["product.product"].create({
            "name": "Sync Gadget", "default_code": "SG-2", "type": "consu",
            **storable_vals(cls.env), "list_price": 30.0, "invoice_policy": "delivery",
        })
        cls.env["stock.quant"]._update_available_quantity(
            cls.product_b, cls.warehouse.lot_stock_id, 100.0)

    def _apply(self, kind, payload, target=None, message_id=None, user=None):
        message_id = message_id or payload.get("message_id") or uuid.uuid4().hex
        payload = dict(payload, message_id=message_id)
        event = self.svc if user is None else self.env["sync.event"].with_user(user)
        res = event.sync_apply([{
            "target": (target or self.wms).code, "message_id": message_id,
            "kind": kind, "payload": payload, "trace_id": "trace-" + message_id,
        }])
        self.assertEqual(len(res), 1)
        return res[0]

    def _message(self, result, target=None):
        return self.Message.search([("message_id", "=", result["message_id"]),
                                    ("target_id", "=", (target or self.wms).id)])

    def _confirmed_order(self, lines):
        """lines: [(product, qty)] -> confirmed order with its ready delivery."""
        order = self.env["sale.order"].create({
            "partner_id": self.customer.id,
            "warehouse_id": self.warehouse.id,
            "order_line": [(0, 0, {"product_id": p.id, "product_uom_qty": q}) for p, q in lines],
        })
        order.action_confirm()
        return order, order.picking_ids

    def _shipment(self, ref, lines, **extra):
        payload = {
            "message_id": uuid.uuid4().hex,
            "source": "generic_wms",
            "order_ref": ref,
            "shipment_id": "SHP-" + uuid.uuid4().hex[:8],
            "shipped_at": "2026-03-01 10:00:00",
            "carrier": "UPS",
            "tracking_number": "1Z999",
            "tracking_url": "https://track.example.com/1Z999",
            "lines": [dict({"lots": [], "serials": []}, **line) for line in lines],
        }
        payload.update(extra)
        return payload
