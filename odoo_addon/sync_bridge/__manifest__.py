# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Sync Bridge",
    "summary": "Transactional outbox and claim/ack contract to keep Odoo, "
    "a WMS and a CRM in step",
    "version": "18.0.1.2.0",
    "category": "Productivity/Integration",
    "website": "https://github.com/odoo-sync-bridge/odoo-sync-bridge",
    "author": "Odoo Sync Bridge contributors",
    "license": "LGPL-3",
    "application": True,
    "installable": True,
    "depends": ["sale_management", "sale_stock", "contacts"],
    "data": [
        "security/sync_bridge_security.xml",
        "security/ir.model.access.csv",
        "data/ir_config_parameter.xml",
        "data/ir_cron.xml",
        "views/sync_event_views.xml",
        "views/sync_exception_views.xml",
        "views/sync_link_views.xml",
        "views/sync_target_views.xml",
        "views/sync_inbound_message_views.xml",
        "views/sync_reconciliation_views.xml",
        "views/sync_reconciliation_line_views.xml",
        "views/sync_kpi_report_views.xml",
        "views/sale_order_views.xml",
        "views/stock_picking_views.xml",
        "views/res_partner_views.xml",
        "views/product_product_views.xml",
        "views/sync_bridge_menus.xml",
    ],
}
