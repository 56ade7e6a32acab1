# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the addon's benchmark scripts share: the common options and opening Odoo's registry."""
import sys


def add_odoo_root(parser):
    """Adds --odoo-root (Odoo's source folder when `odoo` is not importable)."""
    parser.add_argument("--odoo-root", help="Odoo source directory if odoo is not importable")


def open_registry(parser):
    """Parses the script's own options; the rest (after `--`) are Odoo's. Returns (args, odoo, registry)."""
    args, odoo_args = parser.parse_known_args()
    odoo_args = [a for a in odoo_args if a != "--"]
    if args.odoo_root:
        sys.path.insert(0, args.odoo_root)
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(odoo_args)
    dbname = odoo.tools.config["db_name"]
    if isinstance(dbname, list):  # Odoo 18 may return a list of databases
        dbname = dbname[0]
    return args, odoo, Registry(dbname)
