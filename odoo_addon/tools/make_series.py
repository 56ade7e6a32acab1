#!/usr/bin/env python3
# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Write the sync_bridge module for an Odoo series from the one source tree (the 18.0 module).

    python3 odoo_addon/tools/make_series.py --series 19.0 --out DIR [--src odoo_addon/sync_bridge]

writes DIR/<module> (DIR/sync_bridge). The addon's Python runs on 17, 18 and 19 as it is
(feature detection, sync_bridge/compat.py; see docs/odoo-contract.md#porting-notes); what
differs between the series is data only, and that is what this tool ports, by the rules of
RULES below:

- ``--series 18.0``: the module unchanged (a copy, __pycache__ left out);
- ``--series 17.0``: the manifest's series; views read down to every arch element, each under
  a rule: ``<list>`` becomes ``<tree>``, ``<chatter/>`` the ``oe_chatter`` div (fields per
  model), ``//list`` in xpaths ``//tree``; ``view_mode`` of actions and action views (and a
  view's ``type``) ``list`` -> ``tree``; crons get ``numbercall`` -1; an action's ``path`` (18+) is dropped;
- ``--series 19.0``: the manifest's series, the security XML (group categories become
  privileges, ``res.groups.users`` becomes ``user_ids``), ``groups_id`` of server actions
  becomes ``group_ids``, access rules of models that no longer exist are left out.

Every data file is read structurally (XML parsed with line numbers; the CSV with the csv
module) and each record, field and access line must be covered by a rule: the tool stops with
``file:line: what it did not understand`` rather than write a module that would not install.
The edits are made on the matched lines only, so formatting and comments stay, and the output
is parsed again before the tool says it is done.

Migration scripts follow the module's version: ``migrations/18.0.x.y.z/`` becomes
``migrations/<series>.x.y.z/``, so upgrading a 17.0 or 19.0 database from one release of the
module to a later one runs the scripts in between, as on 18.0 (Odoo compares a script's folder
with the installed and the new module version, series included: an 18.0 folder would never run
on 19.0). A folder under migrations/ of another form stops the tool. Moving a database from
one series to the next (18 -> 19) is OpenUpgrade's business, not this module's.

Standard library only, Python 3.9+; it does not import Odoo. This folder (odoo_addon/tools)
is not an Odoo module (no __manifest__.py): Odoo ignores it on the addons path.
"""
import argparse
import ast
import csv
import io
import os
import re
import shutil
import sys
import tempfile
import xml.parsers.expat

SOURCE_SERIES = "18.0"

# --------------------------------------------------------------------------------------------
# The rules, per target series. A series absent here is refused.
#
# "xml_models": for each model that may appear in <record model="...">, what to do with each
#     of its <field name="..."> (only the record's own fields, not the content of a view's arch):
#       "keep"              unchanged;
#       ("rename", new)     same field under its new name (the line's name="..." is rewritten);
#       "drop"              the field's lines are removed;
#       "to_privilege"      (ir.module.category only) the field moves to the privilege written
#                           for the category (see "privilege" below);
#       "privilege"         (res.groups only) category_id ref="<category>" becomes
#                           privilege_id ref="<the category's privilege>".
#     A record of a model not listed, or a field not listed for its model, stops the tool.
# "privilege": a category referenced by a group's category_id gets a res.groups.privilege record,
#     written after the category's record, id = prefix + the category id without its
#     "module_category_" start, named like the category, category_id = the category.
# "xml_elements": top-level elements of <odoo>/<data> allowed besides <record>, with the
#     attributes each may carry (all kept as they are).
# "csv_models": for each model referenced by ir.model.access.csv with a module prefix
#     ("sale.model_sale_order"): "keep" (exists in that series) or "drop" (gone: the line is
#     left out). The module's own models (no prefix) are kept. Any other model stops the tool.
# "manifest": the version becomes "<series>.<the module's own x.y.z>".
# --------------------------------------------------------------------------------------------
_MENUITEM_ATTRS = {"id", "name", "parent", "action", "sequence", "groups", "web_icon", "active"}
_COMMON_19_KEEP = {
    "ir.actions.act_window": ["name", "res_model", "view_mode", "view_id", "domain", "context",
                              "target", "help", "search_view_id", "limit", "path",
                              "binding_model_id", "binding_view_types"],
    "ir.config_parameter": ["key", "value"],
    "ir.cron": ["name", "model_id", "state", "code", "interval_number", "interval_type",
                "active", "priority", "user_id", "nextcall"],
    "ir.rule": ["name", "model_id", "domain_force", "perm_read", "perm_write", "perm_create",
                "perm_unlink", "global"],
    "ir.ui.view": ["name", "model", "inherit_id", "arch", "priority", "mode", "type", "active"],
}
_CSV_MODELS_KEPT = [
    "account.model_account_payment_term", "account.model_account_tax",
    "base.model_res_country", "base.model_res_country_state", "base.model_res_currency",
    "base.model_res_partner",
    "product.model_product_category", "product.model_product_product",
    "product.model_product_template",
    "purchase.model_purchase_order", "purchase.model_purchase_order_line",
    "sale.model_sale_order", "sale.model_sale_order_line", "sales_team.model_crm_team",
    "stock.model_stock_location", "stock.model_stock_lot", "stock.model_stock_move",
    "stock.model_stock_move_line", "stock.model_stock_picking", "stock.model_stock_picking_type",
    "stock.model_stock_route", "stock.model_stock_warehouse",
    "uom.model_uom_uom",
]

# Odoo 17: the elements a view's arch may hold, and what becomes of each (views are read down to
# every element of the arch). "keep": as it is; ("rename", tag): the element's start and end
# tags are renamed (18's <list> is 17's <tree>); "chatter": 18's <chatter/> becomes 17's
# <div class="oe_chatter"> with the fields of RULES["17.0"]["arch"]["chatter"][model].
_ARCH_17 = {t: "keep" for t in (
    "form", "sheet", "header", "footer", "group", "notebook", "page", "field", "button", "div",
    "span", "p", "h1", "h2", "h3", "label", "separator", "widget", "search", "filter",
    "pivot", "graph", "kanban", "templates", "t", "xpath", "attribute", "img", "a", "i", "br",
    "strong", "em", "b", "small", "ul", "li", "code", "pre", "table", "tr", "td", "th",
    "thead", "tbody", "calendar", "activity", "hr", "searchpanel")}
_ARCH_17["list"] = ("rename", "tree")
_ARCH_17["chatter"] = "chatter"
_KEEP_18_FOR_17 = dict(_COMMON_19_KEEP, **{
    "ir.module.category": ["name", "sequence", "parent_id", "description"],
    "res.groups": ["name", "implied_ids", "comment", "category_id", "users"],
    "ir.actions.server": ["name", "model_id", "binding_model_id", "binding_view_types",
                          "state", "code", "groups_id"],
})
_KEEP_18_FOR_17["ir.actions.act_window"] = [
    f for f in _COMMON_19_KEEP["ir.actions.act_window"] if f not in ("view_mode", "path")]

RULES = {
    "18.0": None,  # the source series: identity
    "17.0": {
        "xml_models": dict(
            {m: {f: "keep" for f in fields} for m, fields in _KEEP_18_FOR_17.items()},
            **{
                "ir.actions.act_window": dict(
                    {f: "keep" for f in _KEEP_18_FOR_17["ir.actions.act_window"]},
                    # the view types of the action: 17 calls the list view "tree"
                    view_mode=("values", {"list": "tree"}),
                    path="drop",  # 18's URL path of an action: no such field on 17
                ),
                "ir.ui.view": dict(
                    {f: "keep" for f in _KEEP_18_FOR_17["ir.ui.view"]},
                    arch="arch", type=("values", {"list": "tree"})),
                # an action's own view per view type (view_ids as records)
                "ir.actions.act_window.view": {
                    "sequence": "keep", "view_id": "keep", "act_window_id": "keep",
                    "view_mode": ("values", {"list": "tree"}),
                },
            }),
        # fields a record of the model gets on 17 (17's cron runs `numbercall` times, default 1:
        # -1 is "no limit", what 18 always does); a record that sets one itself stops the tool.
        "add_fields": {"ir.cron": [("numbercall", "-1")]},
        "arch": {
            "elements": _ARCH_17,
            # element names in an <xpath expr>: //list is //tree on 17
            "xpath_steps": {"list": "tree"},
            # the fields of 17's chatter div, per model of a view holding <chatter/>
            "chatter": {
                "sync.exception": ["message_follower_ids", "activity_ids", "message_ids"],
                "sync.target": ["message_follower_ids", "activity_ids", "message_ids"],
                "sync.change.proposal": ["message_follower_ids", "message_ids"],
            },
        },
        "xml_elements": {"menuitem": _MENUITEM_ATTRS},
        "csv_models": dict({m: "keep" for m in _CSV_MODELS_KEPT},
                           **{"uom.model_uom_category": "keep"}),
        "manifest": "version",
    },
    "19.0": {
        "xml_models": dict(
            {m: {f: "keep" for f in fields} for m, fields in _COMMON_19_KEEP.items()},
            **{
                "ir.module.category": {
                    "name": "keep", "sequence": "keep", "parent_id": "keep",
                    # kept by 19's category but shown on the privilege in the user form
                    "description": "to_privilege",
                },
                "res.groups": {
                    "name": "keep", "implied_ids": "keep", "comment": "keep",
                    "category_id": "privilege",
                    "users": ("rename", "user_ids"),
                },
                "ir.actions.server": {
                    "name": "keep", "model_id": "keep", "binding_model_id": "keep",
                    "binding_view_types": "keep", "state": "keep", "code": "keep",
                    "groups_id": ("rename", "group_ids"),
                },
            }),
        "privilege": {"model": "res.groups.privilege", "id_prefix": "privilege_"},
        "xml_elements": {"menuitem": _MENUITEM_ATTRS},
        "csv_models": dict({m: "keep" for m in _CSV_MODELS_KEPT},
                           **{"uom.model_uom_category": "drop"}),  # uom.category is gone in 19
        "manifest": "version",
    },
}


class PortError(Exception):
    """Something the rules do not cover: `where` is "file:line"."""

    def __init__(self, where, what):
        super().__init__(f"{where}: {what}")


# -- XML ---------------------------------------------------------------------------------------
class _Element:
    __slots__ = ("tag", "attrs", "line", "end_line", "children", "text", "parent")

    def __init__(self, tag, attrs, line, parent):
        self.tag, self.attrs, self.line, self.parent = tag, attrs, line, parent
        self.end_line = line
        self.children = []
        self.text = ""


def _parse_xml(path, rel):
    """The element tree of `path` with each element's first and last line."""
    parser = xml.parsers.expat.ParserCreate()
    root = _Element("#document", {}, 0, None)
    stack = [root]

    def start(tag, attrs):
        el = _Element(tag, attrs, parser.CurrentLineNumber, stack[-1])
        stack[-1].children.append(el)
        stack.append(el)

    def end(_tag):
        stack.pop().end_line = parser.CurrentLineNumber

    def chars(data):
        stack[-1].text += data

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = chars
    with open(path, "rb") as fh:
        try:
            parser.ParseFile(fh)
        except xml.parsers.expat.ExpatError as exc:
            raise PortError(f"{rel}:{exc.lineno}", f"XML does not parse: {exc}") from None
    return root.children[0]


def _records(root, rel, rules):
    """Yield the <record> elements of an <odoo> file; other elements must be allowed."""
    if root.tag != "odoo":
        raise PortError(f"{rel}:{root.line}", f"root element <{root.tag}>, expected <odoo>")
    for el in root.children:
        if el.tag == "data":
            yield from _records_in(el, rel, rules)
        else:
            yield from _records_in_one(el, rel, rules)


def _records_in(container, rel, rules):
    for el in container.children:
        yield from _records_in_one(el, rel, rules)


def _records_in_one(el, rel, rules):
    if el.tag == "record":
        yield el
        return
    allowed = rules["xml_elements"].get(el.tag)
    if allowed is None:
        raise PortError(f"{rel}:{el.line}", f"<{el.tag}>: no rule for this element")
    unknown = sorted(set(el.attrs) - set(allowed))
    if unknown:
        raise PortError(f"{rel}:{el.line}",
                        f"<{el.tag}> attribute(s) {', '.join(unknown)}: no rule")


class _Edits:
    """Line edits of one file, applied at the end (bottom-up), each verified when planned."""

    def __init__(self, rel, lines):
        self.rel, self.lines = rel, lines
        self.replace = {}   # line index -> new text
        self.delete = set()
        self.insert = {}    # line index -> lines inserted after it

    def rename(self, el, old, new):
        i = el.line - 1
        text = self.replace.get(i, self.lines[i])
        needle = f'name="{old}"'
        if el.line != el.end_line or text.count(needle) != 1 or text.count("<field") != 1:
            raise PortError(f"{self.rel}:{el.line}",
                            f'field {old}: expected it alone on one line as <field name="{old}" .../>')
        self.replace[i] = text.replace(needle, f'name="{new}"')

    def _text(self, line):
        return self.replace.get(line - 1, self.lines[line - 1])

    def sub(self, line, old, new, where):
        """Replace the one occurrence of `old` on `line`."""
        text = self._text(line)
        if text.count(old) != 1:
            raise PortError(where, f"expected {old!r} once on the line")
        self.replace[line - 1] = text.replace(old, new)

    def values(self, el, mapping):
        """A field holding comma-separated values (view_mode): rename the mapped ones."""
        where = f"{self.rel}:{el.line}"
        if el.line != el.end_line or el.children or set(el.attrs) != {"name"}:
            raise PortError(where, f"field {el.attrs.get('name')}: expected "
                                   f"<field name=...>a,b</field> on one line")
        old = el.text.strip()
        new = ",".join(mapping.get(v.strip(), v.strip()) for v in old.split(","))
        if new != old:
            self.sub(el.line, f">{old}</field>", f">{new}</field>", where)

    def rename_tag(self, el, new, where):
        """<old ...>...</old> becomes <new ...>...</new> (or <old .../> becomes <new .../>)."""
        old = el.tag
        text = self._text(el.line)
        if len(re.findall(rf"<{re.escape(old)}(?=[\s/>])", text)) != 1:
            raise PortError(where, f"expected one <{old} on the line")
        self.replace[el.line - 1] = re.sub(rf"<{re.escape(old)}(?=[\s/>])", f"<{new}", text)
        end = self._text(el.end_line)
        closing = end.count(f"</{old}>")
        if closing == 1:
            self.replace[el.end_line - 1] = end.replace(f"</{old}>", f"</{new}>")
        elif closing or el.children or not end.rstrip().endswith("/>"):
            raise PortError(f"{self.rel}:{el.end_line}", f"expected one </{old}> on the line")

    def replace_element_line(self, el, new_lines, where):
        """The element's line (alone on it) becomes `new_lines` at its indentation."""
        text = self._text(el.line)
        if text.strip() not in (f"<{el.tag}/>", f"<{el.tag} />"):
            raise PortError(where, f"expected <{el.tag}/> alone on its line")
        indent = re.match(r"\s*", text).group(0)
        self.replace[el.line - 1] = "".join(f"{indent}{t}\n" for t in new_lines)

    def drop(self, el):
        first, last = el.line - 1, el.end_line - 1
        if not self.lines[first].lstrip().startswith("<field") or not (
                self.lines[last].rstrip().endswith("</field>") or self.lines[last].rstrip().endswith("/>")):
            raise PortError(f"{self.rel}:{el.line}",
                            f"field {el.attrs.get('name')}: expected on lines of its own")
        self.delete.update(range(first, last + 1))

    def add_after(self, el, new_lines):
        self.insert.setdefault(el.end_line - 1, []).extend(new_lines)

    def result(self):
        out = []
        for i, line in enumerate(self.lines):
            if i not in self.delete:
                out.append(self.replace.get(i, line))
            out.extend(self.insert.get(i, []))
        return "".join(out)


def _field_value_xml(lines, el):
    """The source text of a field element (its lines), for moving it to another record."""
    return lines[el.line - 1:el.end_line]


def _port_xml(path, rel, rules):
    """The ported text of an XML data file, or None when nothing changes."""
    with open(path, encoding="utf-8") as fh:
        lines = fh.readlines()
    root = _parse_xml(path, rel)
    edits = _Edits(rel, lines)
    models = rules["xml_models"]
    priv = rules.get("privilege")
    categories = {}  # record id -> (element, [moved field lines])
    for rec in _records(root, rel, rules):
        model = rec.attrs.get("model")
        field_rules = models.get(model)
        if field_rules is None:
            raise PortError(f"{rel}:{rec.line}", f'record {rec.attrs.get("id")}: no rule for model {model}')
        moved = []
        for field in rec.children:
            if field.tag != "field":
                raise PortError(f"{rel}:{field.line}", f"<{field.tag}> in a record: no rule")
            name = field.attrs.get("name")
            rule = field_rules.get(name)
            where = f"{rel}:{field.line}"
            if rule is None:
                raise PortError(where, f"{model} field {name!r}: no rule for series port "
                                       f"(add it to RULES in make_series.py)")
            if rule == "keep":
                continue
            if rule == "arch":
                _port_arch(field, rec, edits, rules["arch"], rel)
                continue
            if isinstance(rule, tuple) and rule[0] == "values":
                edits.values(field, rule[1])
                continue
            if isinstance(rule, tuple) and rule[0] == "rename":
                edits.rename(field, name, rule[1])
            elif rule == "drop":
                edits.drop(field)
            elif rule == "to_privilege":
                moved.extend(_field_value_xml(lines, field))
                edits.drop(field)
            elif rule == "privilege":
                ref = field.attrs.get("ref")
                if not ref or set(field.attrs) != {"name", "ref"}:
                    raise PortError(where, f"{model} {name}: only ref=\"<category>\" is ported")
                if ref not in categories:
                    raise PortError(where, f"{model} {name} ref={ref!r}: the category must be "
                                           f"a record earlier in this file")
                cat_el, _moved = categories[ref]
                cat_el.attrs["_used"] = True
                priv_id = _privilege_id(ref, priv)
                i = field.line - 1
                text = edits.replace.get(i, lines[i])
                new = re.sub(r'<field name="category_id" ref="([^"]+)"\s*/>',
                             f'<field name="privilege_id" ref="{priv_id}"/>', text)
                if new == text or field.line != field.end_line:
                    raise PortError(where, f'expected <field name="category_id" ref="{ref}"/> on one line')
                edits.replace[i] = new
            else:  # a rule value this code does not know: a bug in RULES
                raise PortError(where, f"unknown rule {rule!r} for {model}.{name}")
        if model == "ir.module.category":
            categories[rec.attrs.get("id")] = (rec, moved)
        for name, value in rules.get("add_fields", {}).get(model, []):
            _add_field(rec, name, value, lines, edits, rel)
    for cat_id, (rec, moved) in categories.items():
        if not rec.attrs.get("_used"):
            if moved:
                raise PortError(f"{rel}:{rec.line}", f"category {cat_id}: not used by a group, "
                                                     f"so its description has no privilege to go to")
            continue
        indent = re.match(r"\s*", lines[rec.line - 1]).group(0)
        inner = indent + "    "
        name = next((c for c in rec.children if c.attrs.get("name") == "name"), None)
        if name is None:
            raise PortError(f"{rel}:{rec.line}", f"category {cat_id}: no name for its privilege")
        block = [f'{indent}<record id="{_privilege_id(cat_id, priv)}" model="{priv["model"]}">\n']
        block += _field_value_xml(lines, name)
        block += moved
        block.append(f'{inner}<field name="category_id" ref="{cat_id}"/>\n')
        block.append(f"{indent}</record>\n")
        edits.add_after(rec, block)
    if not (edits.replace or edits.delete or edits.insert):
        return None
    return edits.result()


def _add_field(rec, name, value, lines, edits, rel):
    """<field name="name">value</field> as the record's last field (same indentation)."""
    fields_ = [c for c in rec.children if c.tag == "field"]
    if any(f.attrs.get("name") == name for f in fields_):
        raise PortError(f"{rel}:{rec.line}", f"record {rec.attrs.get('id')} sets {name} itself: "
                                             f"no rule (the port adds it)")
    if not fields_:
        raise PortError(f"{rel}:{rec.line}", f"record {rec.attrs.get('id')}: no field to add {name} after")
    last = fields_[-1]
    indent = re.match(r"\s*", lines[last.line - 1]).group(0)
    edits.add_after(last, [f'{indent}<field name="{name}">{value}</field>\n'])


_XPATH_STEP = re.compile(r"(?<=/)([A-Za-z_][\w.-]*)(?=$|[/\[])")


def _port_arch(arch, rec, edits, arch_rules, rel):
    """Port a view's arch: every element must have a rule (arch_rules["elements"])."""
    model_el = next((c for c in rec.children if c.attrs.get("name") == "model"), None)
    model = model_el.text.strip() if model_el is not None else None
    elements = arch_rules["elements"]

    def walk(el):
        rule = elements.get(el.tag)
        where = f"{rel}:{el.line}"
        if rule is None:
            raise PortError(where, f"<{el.tag}> in a view: no rule for series port "
                                   f"(add it to RULES in make_series.py)")
        if el.tag == "xpath":
            expr = el.attrs.get("expr", "")
            new = _XPATH_STEP.sub(lambda m: arch_rules["xpath_steps"].get(m.group(1), m.group(1)), expr)
            if new != expr:
                edits.sub(el.line, f'expr="{expr}"', f'expr="{new}"', where)
        if rule == "keep":
            pass
        elif isinstance(rule, tuple) and rule[0] == "rename":
            edits.rename_tag(el, rule[1], where)
        elif rule == "chatter":
            names = arch_rules["chatter"].get(model)
            if names is None:
                raise PortError(where, f"<chatter/> in a view of {model}: no rule (which chatter "
                                       f"fields the model has: add it to RULES)")
            if el.children or el.attrs or el.line != el.end_line:
                raise PortError(where, "<chatter> with attributes or content: no rule")
            edits.replace_element_line(el, ['<div class="oe_chatter">']
                                       + [f'    <field name="{n}"/>' for n in names] + ["</div>"], where)
        else:
            raise PortError(where, f"unknown rule {rule!r} for <{el.tag}>")
        for child in el.children:
            walk(child)

    for el in arch.children:
        walk(el)


def _privilege_id(category_id, priv):
    return priv["id_prefix"] + re.sub(r"^module_category_", "", category_id)


# -- CSV, manifest -----------------------------------------------------------------------------
def _port_access_csv(path, rel, rules):
    with open(path, encoding="utf-8", newline="") as fh:
        text = fh.read()
    lines = text.splitlines(keepends=True)
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or "model_id:id" not in rows[0]:
        raise PortError(f"{rel}:1", "no model_id:id column")
    col = rows[0].index("model_id:id")
    if len(rows) != len(lines):
        raise PortError(f"{rel}:1", "a quoted field spans lines: not supported")
    kept, changed = [lines[0]], False
    for n, (line, row) in enumerate(zip(lines[1:], rows[1:]), start=2):
        if not row:
            kept.append(line)
            continue
        model = row[col]
        if "." not in model:  # the module's own model
            kept.append(line)
            continue
        rule = rules["csv_models"].get(model)
        if rule == "keep":
            kept.append(line)
        elif rule == "drop":
            changed = True
        else:
            raise PortError(f"{rel}:{n}", f"access line {row[0]}: model {model}: no rule for "
                                          f"series port (is it in that series? add it to RULES)")
    return "".join(kept) if changed else None


def _port_manifest(path, rel, series):
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    version = ast.literal_eval(text).get("version", "")
    m = re.fullmatch(re.escape(SOURCE_SERIES) + r"\.(\d+\.\d+\.\d+)", version)
    if not m:
        raise PortError(f"{rel}:1", f"version {version!r}: expected {SOURCE_SERIES}.x.y.z")
    pattern = re.compile(r'("version":\s*")' + re.escape(version) + '"')
    hits = pattern.findall(text)
    if len(hits) != 1:
        raise PortError(f"{rel}:1", f'expected one line "version": "{version}", found {len(hits)}')
    line = text[:pattern.search(text).start()].count("\n") + 1
    new = pattern.sub(lambda mm: f'{mm.group(1)}{series}.{m.group(1)}"', text)
    if ast.literal_eval(new).get("version") != f"{series}.{m.group(1)}":
        raise PortError(f"{rel}:{line}", "version not rewritten")
    return new


def _migration_renames(src, name, series):
    """[(old, new)] relative paths of the migration folders: 18.0.x.y.z -> <series>.x.y.z."""
    base = os.path.join(src, "migrations")
    if not os.path.isdir(base):
        return []
    out = []
    for entry in sorted(os.listdir(base)):
        if entry == "__pycache__":
            continue
        rel = os.path.join("migrations", entry)
        m = re.fullmatch(re.escape(SOURCE_SERIES) + r"\.(\d+\.\d+\.\d+)", entry)
        if not m or not os.path.isdir(os.path.join(base, entry)):
            raise PortError(os.path.join(name, rel), f"migration folder: expected {SOURCE_SERIES}.x.y.z")
        out.append((rel, os.path.join("migrations", f"{series}.{m.group(1)}")))
    return out


# -- driver ------------------------------------------------------------------------------------
def port(src, out_dir, series, force=False):
    """Write out_dir/<module> for `series`; return its path. Raises PortError."""
    if series not in RULES:
        raise PortError("--series", f"{series}: no rules (known: {', '.join(sorted(RULES))})")
    src = os.path.abspath(src)
    name = os.path.basename(src.rstrip(os.sep))
    if not os.path.isfile(os.path.join(src, "__manifest__.py")):
        raise PortError(src, "not a module (no __manifest__.py)")
    dest = os.path.join(os.path.abspath(out_dir), name)
    real_src, real_out = os.path.realpath(src), os.path.realpath(out_dir)
    if os.path.realpath(dest) == real_src or (real_out + os.sep).startswith(real_src + os.sep):
        raise PortError(dest, "is the source module or inside it")
    if os.path.exists(dest) and not force:
        raise PortError(dest, "exists (remove it, or pass --force)")
    rules = RULES[series]
    ported = {}  # relative path -> new text
    renamed = _migration_renames(src, name, series) if rules is not None else []
    if rules is not None:
        for dirpath, dirs, files in os.walk(src):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for fname in sorted(files):
                path = os.path.join(dirpath, fname)
                rel = os.path.relpath(path, src)
                shown = os.path.join(name, rel)
                top = rel.split(os.sep)[0]
                if rel == "__manifest__.py":
                    ported[rel] = _port_manifest(path, shown, series)
                elif fname.endswith(".xml") and top in ("data", "security", "views", "wizard",
                                                        "wizards", "report", "demo"):
                    new = _port_xml(path, shown, rules)
                    if new is not None:
                        ported[rel] = new
                elif fname == "ir.model.access.csv":
                    new = _port_access_csv(path, shown, rules)
                    if new is not None:
                        ported[rel] = new
                elif fname.endswith(".csv") and top in ("data", "security", "demo"):
                    raise PortError(f"{shown}:1", "CSV data file: no rule")
    os.makedirs(out_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{name}.", dir=out_dir)
    try:
        built = os.path.join(tmp, name)
        shutil.copytree(src, built, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for rel, text in ported.items():
            with open(os.path.join(built, rel), "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            if rel.endswith(".xml"):  # what was written must parse
                _parse_xml(os.path.join(built, rel), os.path.join(name, rel) + " (ported)")
        for old_rel, new_rel in renamed:
            os.rename(os.path.join(built, old_rel), os.path.join(built, new_rel))
        if os.path.exists(dest):
            shutil.rmtree(dest)
        os.replace(built, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest, sorted(ported) + [f"{new_rel} (was {os.path.basename(old_rel)})" for old_rel, new_rel in renamed]


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--series", required=True, help="Odoo series, e.g. 19.0")
    ap.add_argument("--out", required=True, help="folder to write <module> into")
    ap.add_argument("--src", default=os.path.join(here, "..", "sync_bridge"),
                    help="the module's source (default: odoo_addon/sync_bridge)")
    ap.add_argument("--force", action="store_true", help="replace OUT/<module> if it exists")
    args = ap.parse_args(argv)
    try:
        dest, changed = port(args.src, args.out, args.series, args.force)
    except PortError as exc:
        print(f"make_series: {exc}", file=sys.stderr)
        print("make_series: nothing written.", file=sys.stderr)
        return 1
    print(f"make_series: wrote {dest} for Odoo {args.series}"
          + (f" ({len(changed)} path(s) ported: {', '.join(changed)})" if changed else " (unchanged copy)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
