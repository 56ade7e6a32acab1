# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What differs between the Odoo series the addon runs on (17.0, 18.0, 19.0), by capability.

Each helper tests for the feature (a field, a method, a keyword), never for a version number,
so that a series that back- or forward-ports a feature takes the right branch. Used by the
models and the tests alike; see docs/odoo-contract.md#porting-notes.
"""
from odoo import fields


def aggregator(operator):
    """Keyword arguments of a field for its group-by aggregate: 18+ `aggregator`, 17
    `group_operator` (e.g. ``fields.Float(..., **aggregator("avg"))``)."""
    if hasattr(fields.Field, "aggregator"):
        return {"aggregator": operator}
    return {"group_operator": operator}


def is_storable(product):
    """Whether a product (template or variant) is tracked in stock: 18+ `is_storable`, 17
    ``type == 'product'``."""
    if "is_storable" in product._fields:
        return product.is_storable
    return product.type == "product"


def storable_vals(env):
    """Values that make a new product storable, for create/write: 18+ ``is_storable`` (with
    the goods type ``consu``), 17 ``type='product'``."""
    if "is_storable" in env["product.template"]._fields:
        return {"type": "consu", "is_storable": True}
    return {"type": "product"}


def check_access(records, operation):
    """Raise AccessError unless the user may `operation` the records (model access and record
    rules): 18+ `check_access`, 17 `check_access_rights` + `check_access_rule`."""
    if hasattr(type(records), "check_access"):
        records.check_access(operation)
    else:
        records.check_access_rights(operation)
        records.check_access_rule(operation)


def list_view_type(env):
    """The view type of list views: ``list`` (18+), ``tree`` (17)."""
    types = dict(env["ir.ui.view"]._fields["type"].selection)
    return "list" if "list" in types else "tree"


def create_return(wizard):
    """Create the return picking of a stock.return.picking wizard and return it: 18+
    `_create_return()` (the picking), 17 `_create_returns()` (its id and picking type)."""
    if hasattr(type(wizard), "_create_return"):
        return wizard._create_return()
    picking_id, _picking_type_id = wizard._create_returns()
    return wizard.env["stock.picking"].browse(picking_id)


def report_cron_progress(env, done, remaining):
    """Report a batch job's progress to the cron runner, which then calls the job again at once
    while work remains: 18+ `ir.cron._notify_progress`. Returns False when the runner has no
    such API (17): the job then re-triggers its cron itself."""
    Cron = env["ir.cron"]
    if hasattr(type(Cron), "_notify_progress"):
        Cron._notify_progress(done=done, remaining=remaining)
        return True
    return False
