# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models, tools

from ..compat import aggregator

from .sync_exception import CATEGORIES

KPIS = [
    ("order", "Orders"),
    ("shipment", "Shipment confirmations"),
    ("return", "Returns"),
    ("inventory", "Inventory reconciliations"),
    ("exception", "Open exceptions"),
]


class SyncKpiReport(models.Model):
    """Integration KPIs, one row per fact (order, applied shipment, applied return,
    inventory reconciliation, open exception); each measure is only set on the
    rows of its KPI, so averages are averages over those rows."""

    _name = "sync.kpi.report"
    _description = "Sync Bridge KPI"
    _auto = False
    _order = "date desc"
    _rec_name = "name"

    kpi = fields.Selection(KPIS, string="KPI", readonly=True)
    name = fields.Char("Reference", readonly=True)
    date = fields.Datetime(readonly=True)
    target_id = fields.Many2one("sync.target", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    order_id = fields.Many2one("sale.order", readonly=True)
    category = fields.Selection(CATEGORIES, string="Exception Category", readonly=True)
    age_bucket = fields.Selection(
        [("a_1d", "< 1 day"), ("b_3d", "1-3 days"), ("c_7d", "3-7 days"), ("d_old", "> 7 days")],
        string="Exception Age", readonly=True,
    )
    is_last_run = fields.Boolean("Last Inventory Run of the Target", readonly=True)
    nbr = fields.Integer("Count", readonly=True, **aggregator("sum"))
    cycle_time_hours = fields.Float(
        "Order Cycle Time (h)", readonly=True, **aggregator("avg"),
        help="Order confirmation -> last delivery shipped (fully shipped orders).",
    )
    ship_latency_minutes = fields.Float(
        "Shipment Confirmation Latency (min)", readonly=True, **aggregator("avg"),
        help="WMS ship time (payload shipped_at) -> applied in Odoo.",
    )
    invoice_latency_hours = fields.Float(
        "Invoice Latency (h)", readonly=True, **aggregator("avg"),
        help="First delivery shipped -> first customer invoice created.",
    )
    qty_ordered = fields.Float("Ordered Qty", readonly=True, **aggregator("sum"))
    qty_shipped = fields.Float("Shipped Qty", readonly=True, **aggregator("sum"))
    fill_rate = fields.Float(
        "Fill Rate (%)", readonly=True, **aggregator("avg"),
        help="Shipped / ordered quantity of goods, per order with at least one shipment.",
    )
    backorder_rate = fields.Float(
        "Backorder Rate (%)", readonly=True, **aggregator("avg"),
        help="Share of shipped orders with a backorder (100 = has one).",
    )
    accuracy = fields.Float(
        "Inventory Accuracy (%)", readonly=True, **aggregator("avg"),
        help="(matched + explained by in-flight) / compared lines of the inventory "
        "reconciliation.",
    )
    return_time_hours = fields.Float(
        "Return Processing Time (h)", readonly=True, **aggregator("avg"),
        help="WMS received the return (payload received_at) -> applied in Odoo.",
    )
    exception_age_days = fields.Float(
        "Exception Age (days)", readonly=True, **aggregator("avg")
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"""CREATE OR REPLACE VIEW {self._table} AS ({self._query()})""")

    def _query(self):
        now = "(now() at time zone 'utc')"
        return f"""
            -- orders with at least one shipped delivery
            SELECT so.id * 10 + 1 AS id, 'order' AS kpi, so.name AS name,
                   so.date_order AS date, lt.target_id, so.company_id, so.partner_id,
                   so.id AS order_id, NULL AS category, NULL AS age_bucket,
                   NULL::boolean AS is_last_run, 1 AS nbr,
                   CASE WHEN d.open_count = 0 THEN
                        EXTRACT(EPOCH FROM d.last_done - so.date_order) / 3600.0 END
                       AS cycle_time_hours,
                   NULL::float AS ship_latency_minutes,
                   EXTRACT(EPOCH FROM inv.first_invoice - d.first_done) / 3600.0
                       AS invoice_latency_hours,
                   q.ordered AS qty_ordered, q.shipped AS qty_shipped,
                   CASE WHEN q.ordered > 0 THEN 100.0 * q.shipped / q.ordered END AS fill_rate,
                   CASE WHEN d.backorders > 0 THEN 100.0 ELSE 0.0 END AS backorder_rate,
                   NULL::float AS accuracy, NULL::float AS return_time_hours,
                   NULL::float AS exception_age_days
              FROM sale_order so
              JOIN LATERAL (
                    SELECT min(p.date_done) FILTER (WHERE p.state = 'done') AS first_done,
                           max(p.date_done) FILTER (WHERE p.state = 'done') AS last_done,
                           count(*) FILTER (WHERE p.state NOT IN ('done', 'cancel')) AS open_count,
                           count(*) FILTER (WHERE p.backorder_id IS NOT NULL) AS backorders
                      FROM stock_picking p
                      JOIN stock_picking_type t ON t.id = p.picking_type_id
                     WHERE p.sale_id = so.id AND t.code = 'outgoing') d ON d.first_done IS NOT NULL
         LEFT JOIN LATERAL (
                    SELECT sum(sol.product_uom_qty) AS ordered,
                           sum(LEAST(COALESCE(sh.qty, 0), sol.product_uom_qty)) AS shipped
                      FROM sale_order_line sol
                      JOIN product_product pp ON pp.id = sol.product_id
                      JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 LEFT JOIN LATERAL (
                            -- shipped = done outgoing moves (returns do not count)
                            SELECT sum(m.quantity) AS qty
                              FROM stock_move m
                              JOIN stock_picking_type mt ON mt.id = m.picking_type_id
                             WHERE m.sale_line_id = sol.id AND m.state = 'done'
                               AND mt.code = 'outgoing') sh ON TRUE
                     WHERE sol.order_id = so.id AND sol.display_type IS NULL
                       AND pt.type IN ('consu', 'product')) q ON TRUE  -- goods (17: also 'product')
         LEFT JOIN LATERAL (
                    SELECT min(am.create_date) AS first_invoice
                      FROM sale_order_line sol
                      JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = sol.id
                      JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                      JOIN account_move am ON am.id = aml.move_id
                     WHERE sol.order_id = so.id AND am.move_type = 'out_invoice'
                       AND am.state != 'cancel') inv ON TRUE
         LEFT JOIN LATERAL (
                    SELECT l.target_id
                      FROM sync_link l
                      JOIN sync_target st ON st.id = l.target_id AND st.kind = 'wms'
                     WHERE (l.model = 'sale.order' AND l.res_id = so.id)
                        OR (l.model = 'stock.picking' AND l.res_id IN (
                                SELECT p.id FROM stock_picking p WHERE p.sale_id = so.id))
                  ORDER BY l.target_id LIMIT 1) lt ON TRUE
             WHERE so.state = 'sale'

         UNION ALL
            -- shipment confirmations applied from the WMS
            SELECT m.id * 10 + 2, 'shipment', m.message_id, m.applied_at, m.target_id,
                   m.company_id, NULL, rec.res_id, NULL, NULL, NULL, 1,
                   NULL,
                   EXTRACT(EPOCH FROM m.applied_at - CASE WHEN m.kind = 'shipment'
                       THEN (m.payload::jsonb ->> 'shipped_at')::timestamp END) / 60.0,
                   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
              FROM sync_inbound_message m
         LEFT JOIN LATERAL (
                    SELECT r.res_id FROM sync_inbound_record r
                     WHERE r.message_id = m.id AND r.model = 'sale.order'
                  ORDER BY r.id LIMIT 1) rec ON TRUE
             WHERE m.kind = 'shipment' AND m.state = 'applied' AND m.applied_at IS NOT NULL

         UNION ALL
            -- customer returns applied from the WMS
            SELECT m.id * 10 + 3, 'return', m.message_id, m.applied_at, m.target_id,
                   m.company_id, NULL, rec.res_id, NULL, NULL, NULL, 1,
                   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                   EXTRACT(EPOCH FROM m.applied_at - CASE WHEN m.kind = 'return'
                       THEN (m.payload::jsonb ->> 'received_at')::timestamp END) / 3600.0,
                   NULL
              FROM sync_inbound_message m
         LEFT JOIN LATERAL (
                    SELECT r.res_id FROM sync_inbound_record r
                     WHERE r.message_id = m.id AND r.model = 'sale.order'
                  ORDER BY r.id LIMIT 1) rec ON TRUE
             WHERE m.kind = 'return' AND m.state = 'applied' AND m.applied_at IS NOT NULL

         UNION ALL
            -- inventory reconciliations (complete, not dry runs)
            SELECT r.id * 10 + 4, 'inventory', r.name, r.finished_at, r.target_id,
                   r.company_id, NULL, NULL, NULL, NULL,
                   r.id = max(r.id) OVER (PARTITION BY r.target_id), 1,
                   NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                   r.accuracy, NULL, NULL
              FROM sync_reconciliation r
             WHERE r.job = 'inventory' AND r.state = 'done' AND NOT COALESCE(r.dry_run, FALSE)

         UNION ALL
            -- open exceptions
            SELECT e.id * 10 + 5, 'exception', e.name, e.create_date, e.target_id,
                   e.company_id, NULL, NULL, e.category,
                   CASE WHEN e.create_date > {now} - interval '1 day' THEN 'a_1d'
                        WHEN e.create_date > {now} - interval '3 days' THEN 'b_3d'
                        WHEN e.create_date > {now} - interval '7 days' THEN 'c_7d'
                        ELSE 'd_old' END,
                   NULL, 1,
                   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                   EXTRACT(EPOCH FROM {now} - e.create_date) / 86400.0
              FROM sync_exception e
             WHERE e.state = 'open'
        """
