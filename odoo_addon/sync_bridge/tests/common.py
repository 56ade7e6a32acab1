# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import importlib.util
from pathlib import Path

from odoo import Command
from odoo.release import version_info
from odoo.tests.common import TransactionCase, new_test_user
from odoo.addons.sync_bridge.compat import storable_vals

# Odoo 19 renamed res.groups.users -> user_ids, res.users.groups_id -> group_ids
# and dropped stock.move.name.
ODOO19 = version_info[0] >= 19
GROUP_USERS = "user_ids" if ODOO19 else "users"
USER_GROUPS = "group_ids" if ODOO19 else "groups_id"


def move_label(move):
    """Description of an inventory move: name (18) or inventory_name (19)."""
    return move.name if "name" in move._fields else move.inventory_name


def reversal_moves(move):
    """The credit notes reversing a journal entry: reversal_move_ids (18+), reversal_move_id
    (17, a one2many despite its name)."""
    return move.reversal_move_ids if "reversal_move_ids" in move._fields else move.reversal_move_id


def discount_per_line_group(env):
    """The *Discounts* group (a discount per order line): in sale on 18+, in product on 17."""
    return env.ref("sale.group_discount_per_so_line", raise_if_not_found=False) or env.ref(
        "product.group_discount_per_so_line")


def run_migration(env, release, from_release):
    """Runs migrations/<series>.<release>/post-migration.py of this module (make_series.py
    names the folders after the series the module was written for) as Odoo would when
    upgrading from <series>.<from_release> (False: as on a new install)."""
    base = Path(__file__).resolve().parents[1] / "migrations"
    folders = [d for d in base.iterdir() if d.name.split(".", 2)[-1] == release]
    if len(folders) != 1:
        raise FileNotFoundError(f"one migrations/<series>.{release}/ folder expected in {base}, found {folders}")
    series = folders[0].name[: -len(release) - 1]
    spec = importlib.util.spec_from_file_location(
        "sync_bridge_post_" + release.replace(".", "_"), folders[0] / "post-migration.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.migrate(env.cr, f"{series}.{from_release}" if from_release else from_release)


def move_vals(name, **vals):
    """stock.move values: `name` is required on 18 and gone on 19."""
    if not ODOO19:
        vals["name"] = name
    return vals


class SyncBridgeCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Event = cls.env["sync.event"]
        cls.Target = cls.env["sync.target"]
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.wms = cls.Target.create(
            {
                "code": "wms_test",
                "name": "Test WMS",
                "kind": "wms",
                "release_on": "picking_ready",
                "warehouse_ids": [Command.set(cls.warehouse.ids)],
                "credit_gating": True,
            }
        )
        cls.crm = cls.Target.create(
            {
                "code": "crm_test",
                "name": "Test CRM",
                "kind": "crm",
                "trigger_order_release": False,
                "trigger_order_amend": False,
                "trigger_order_cancel": False,
                "trigger_order_status": True,
                "trigger_partner_upsert": True,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Sync Customer", "email": "customer@example.com", "is_company": True}
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Sync Widget",
                "default_code": "SW-1",
                **storable_vals(cls.env),
                "list_price": 50.0,
                "invoice_policy": "order",
            }
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.product, cls.warehouse.lot_stock_id, 100.0
        )
        cls.service_user = new_test_user(
            cls.env,
            login="sync_service_test",
            groups="base.group_user,sync_bridge.group_sync_service",
        )
        cls.manager = new_test_user(
            cls.env,
            login="sync_manager_test",
            groups="base.group_user,sales_team.group_sale_salesman_all_leads,"
            "stock.group_stock_user,sync_bridge.group_sync_manager",
        )
        cls.salesman = new_test_user(
            cls.env,
            login="sync_salesman_test",
            groups="base.group_user,sales_team.group_sale_salesman_all_leads",
        )
        cls.svc = cls.env["sync.event"].with_user(cls.service_user)
        # start every test from an empty outbox (fixtures above wrote upserts)
        cls.env["sync.event"].search([]).write({"state": "done"})

    def _order(self, qty=2.0, partner=None, product=None):
        return self.env["sale.order"].create(
            {
                "partner_id": (partner or self.customer).id,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    Command.create(
                        {"product_id": (product or self.product).id, "product_uom_qty": qty}
                    )
                ],
            }
        )

    def _events(self, record=None, target=None, **filters):
        domain = []
        if record is not None:
            domain += [("model", "=", record._name), ("res_id", "=", record.id)]
        if target is not None:
            domain.append(("target_id", "=", target.id))
        domain += [(k, "=", v) for k, v in filters.items()]
        return self.Event.search(domain, order="id")

    def _claim(self, codes=None, limit=50, lease=300, specs=None, worker="w1"):
        return self.svc.sync_claim(worker, codes or [self.wms.code, self.crm.code], limit, lease, specs or {})

    def _item(self, claimed, **extra):
        return dict({"id": claimed["id"], "lease_token": claimed["lease_token"]}, **extra)
