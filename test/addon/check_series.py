"""Odoo-free checks of odoo_addon/tools/make_series.py (fast tier).

Runs the tool as a user would (a subprocess) into temporary folders and prints a JSON list of
{"name", "ok", "detail"} for the mocha wrapper (test/addon/series.test.ts). Checks that the 17.0
module is what Odoo 17 needs (manifest series, <list> views as <tree> in archs, xpaths and
actions' view_mode, <chatter/> as the oe_chatter div, crons with numbercall -1, nothing else
changed), that the 19.0
module is what Odoo 19 needs (manifest series, privileges instead of group categories,
user_ids, group_ids on server actions, no access line for uom.category and otherwise the same
lines, everything parses and compiles), that 18.0 is an identical copy, and that constructs
without a rule (fixtures in test/addon/fixtures/) stop the tool naming file and line.
Standard library only.
"""
import ast
import csv
import filecmp
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
TOOL = os.path.join(ROOT, "odoo_addon", "tools", "make_series.py")
SRC = os.path.join(ROOT, "odoo_addon", "sync_bridge")
FIXTURES = os.path.join(HERE, "fixtures")
results = []


def check(name, ok, detail=""):
    results.append({"name": name, "ok": bool(ok), "detail": str(detail)})


def run(series, out, src=SRC):
    return subprocess.run([sys.executable, TOOL, "--series", series, "--out", out, "--src", src],
                          capture_output=True, text=True)


def tree_files(root):
    found = []
    for dirpath, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        found += [os.path.relpath(os.path.join(dirpath, n), root) for n in names
                  if not n.endswith(".pyc")]
    return sorted(found)


def migration_dirs(module_dir):
    base = os.path.join(module_dir, "migrations")
    return sorted(d for d in os.listdir(base) if d != "__pycache__") if os.path.isdir(base) else []


def same_file(a, b):
    return os.path.isfile(b) and filecmp.cmp(a, b, shallow=False)


def as_ported(rel, series):
    """A source path as the port names it: migrations/18.0.x.y.z/... -> migrations/<series>.x.y.z/..."""
    parts = rel.split(os.sep)
    if len(parts) > 1 and parts[0] == "migrations" and parts[1].startswith("18.0."):
        parts[1] = series + parts[1][len("18.0"):]
    return os.sep.join(parts)


def check_migrations(mod, series):
    """The migration folders follow the module's version, with the same scripts in them."""
    src_dirs = migration_dirs(SRC)
    check(f"{series}: the source has migration folders to port", len(src_dirs) >= 3, src_dirs)
    check(f"{series}: migrations/18.0.x.y.z became {series}.x.y.z",
          migration_dirs(mod) == sorted(series + d[len("18.0"):] for d in src_dirs), migration_dirs(mod))
    for d in src_dirs:
        for rel in tree_files(os.path.join(SRC, "migrations", d)):
            new = os.path.join(mod, "migrations", series + d[len("18.0"):], rel)
            check(f"{series}: migrations/{d}/{rel} unchanged under its new folder",
                  same_file(os.path.join(SRC, "migrations", d, rel), new), new)


def records(root_dir):
    """{(file, id): (model, {field name: element})} of every XML data record."""
    found = {}
    for rel in tree_files(root_dir):
        if rel.endswith(".xml") and rel.split(os.sep)[0] in ("security", "views", "data"):
            for rec in ET.parse(os.path.join(root_dir, rel)).getroot().iter("record"):
                found[(rel, rec.get("id"))] = (
                    rec.get("model"), {f.get("name"): f for f in rec.findall("field")})
    return found


def access_rows(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def manifest_version(module_dir):
    with open(os.path.join(module_dir, "__manifest__.py"), encoding="utf-8") as fh:
        return ast.literal_eval(fh.read())["version"]


def port(tmp, series):
    """Runs the tool for `series` into tmp; checks the exit and the manifest version; returns
    the written module's folder, or None when the tool failed."""
    proc = run(series, os.path.join(tmp, series.split(".")[0]))
    check(f"{series}: the tool exits 0", proc.returncode == 0, proc.stderr)
    mod = os.path.join(tmp, series.split(".")[0], "sync_bridge")
    if proc.returncode != 0 or not os.path.isdir(mod):
        return None
    src_version, version = manifest_version(SRC), manifest_version(mod)
    check(f"{series}: manifest version is {series} + the module's x.y.z",
          version == f"{series}." + src_version.split(".", 2)[2], f"{src_version} -> {version}")
    return mod


def check_19(tmp):
    mod = port(tmp, "19.0")
    if mod is None:
        return
    check("19.0: no __pycache__ copied", not any("__pycache__" in dp for dp, _d, _n in os.walk(mod)))

    recs = records(mod)
    src_recs = records(SRC)
    by_id = {rid: model for (_rel, rid), (model, _f) in recs.items()}
    groups = [(k, fields) for k, (model, fields) in recs.items() if model == "res.groups"]
    check("19.0: the module has groups", len(groups) >= 3, len(groups))
    for (rel, rid), fields in groups:
        bad = sorted(set(fields) & {"category_id", "users"})
        check(f"19.0: res.groups {rid} has no category_id / users", not bad, f"{rel}: {bad}")
        ref = fields.get("privilege_id")
        ref = ref.get("ref") if ref is not None else None
        check(f"19.0: res.groups {rid} has a privilege defined in the module",
              ref and by_id.get(ref) == "res.groups.privilege", f"{rel}: privilege_id ref={ref!r}")
    src_users = [f["users"].get("eval") for (m, f) in src_recs.values()
                 if m == "res.groups" and "users" in f]
    new_users = [f["user_ids"].get("eval") for (m, f) in recs.values()
                 if m == "res.groups" and "user_ids" in f]
    check("19.0: res.groups users became user_ids (same value)",
          src_users and new_users == src_users, f"{src_users} -> {new_users}")
    privileges = [(rid, f) for (_rel, rid), (m, f) in recs.items() if m == "res.groups.privilege"]
    check("19.0: one privilege record", len(privileges) == 1, privileges)
    for rid, fields in privileges:
        cat = fields.get("category_id")
        cat = cat.get("ref") if cat is not None else None
        check(f"19.0: privilege {rid} belongs to the module's category",
              by_id.get(cat) == "ir.module.category", cat)
        check(f"19.0: privilege {rid} is used by the groups",
              all(f.get("privilege_id") is not None and f["privilege_id"].get("ref") == rid
                  for _k, f in groups))
    for (_rel, rid), (model, fields) in recs.items():
        if model == "ir.module.category":
            check(f"19.0: category {rid} has no description (it is on the privilege)",
                  "description" not in fields, sorted(fields))
    actions = [(k, f) for k, (m, f) in recs.items() if m == "ir.actions.server"]
    src_actions = {k: f for k, (m, f) in src_recs.items() if m == "ir.actions.server"}
    check("19.0: server actions found", len(actions) >= 6, len(actions))
    for (rel, rid), fields in actions:
        src_fields = src_actions.get((rel, rid), {})
        check(f"19.0: server action {rid} uses group_ids",
              "groups_id" not in fields and (
                  "groups_id" not in src_fields
                  or fields.get("group_ids") is not None
                  and fields["group_ids"].get("eval") == src_fields["groups_id"].get("eval")),
              f"{rel}: {sorted(fields)}")
    check("19.0: the same records as the source, plus the privilege",
          set(recs) - set(src_recs) == {k for k, (m, _f) in recs.items()
                                        if m == "res.groups.privilege"}
          and set(src_recs) <= set(recs), sorted(set(recs) ^ set(src_recs)))

    rows = access_rows(os.path.join(mod, "security", "ir.model.access.csv"))
    src_rows = access_rows(os.path.join(SRC, "security", "ir.model.access.csv"))
    check("19.0: no access line for uom.category",
          not [r for r in rows if "uom.model_uom_category" in r], "still there")
    expected = [r for r in src_rows if "uom.model_uom_category" not in r]
    check("19.0: otherwise the same access lines", rows == expected and len(rows) == len(src_rows) - 1,
          f"{len(src_rows)} -> {len(rows)} lines")

    for rel in tree_files(mod):
        path = os.path.join(mod, rel)
        if rel.endswith(".xml"):
            try:
                ET.parse(path)
                check(f"19.0: parses: {rel}", True)
            except ET.ParseError as exc:
                check(f"19.0: parses: {rel}", False, exc)
        elif rel.endswith(".py"):
            try:
                with open(path, encoding="utf-8") as fh:
                    compile(fh.read(), path, "exec")
                check(f"19.0: compiles: {rel}", True)
            except SyntaxError as exc:
                check(f"19.0: compiles: {rel}", False, f"{rel}:{exc.lineno}: {exc.msg}")
    check_migrations(mod, "19.0")
    changed = sorted(rel for rel in tree_files(SRC)
                     if not same_file(os.path.join(SRC, rel), os.path.join(mod, as_ported(rel, "19.0"))))
    check("19.0: the same files as the source; only data files and the manifest differ",
          sorted(as_ported(r, "19.0") for r in tree_files(SRC)) == tree_files(mod) and changed == sorted([
              "__manifest__.py", os.path.join("security", "ir.model.access.csv"),
              os.path.join("security", "sync_bridge_security.xml"),
              os.path.join("views", "sync_exception_views.xml"),
              os.path.join("views", "sync_inbound_message_views.xml")]), changed)


def arch_elements(root_dir):
    """{(file, view id): [elements of the arch]} of every view."""
    found = {}
    for (rel, rid), (model, fields) in records(root_dir).items():
        if model == "ir.ui.view" and "arch" in fields:
            found[(rel, rid)] = [el for el in fields["arch"].iter()][1:]
    return found


def field_text(fields, name):
    el = fields.get(name)
    return (el.text or "").strip() if el is not None else None


def check_17(tmp):
    mod = port(tmp, "17.0")
    if mod is None:
        return

    recs, src_recs = records(mod), records(SRC)
    check("17.0: the same records as the source", set(recs) == set(src_recs),
          sorted(set(recs) ^ set(src_recs)))
    archs, src_archs = arch_elements(mod), arch_elements(SRC)
    src_lists = sum(1 for els in src_archs.values() for el in els if el.tag == "list")
    check("17.0: the source has list views to port", src_lists >= 10, src_lists)
    for key, els in sorted(archs.items()):
        src_els = src_archs.get(key, [])
        tags = [el.tag for el in els]
        want = [{"list": "tree"}.get(el.tag, el.tag) for el in src_els if el.tag != "chatter"]
        # the chatter div and its fields are new: compare the rest, in document order
        chatter_divs = [el for el in els if el.tag == "div" and el.get("class") == "oe_chatter"]
        inner = {id(c) for d in chatter_divs for c in d.iter()}
        got = [el.tag for el in els if id(el) not in inner]
        check(f"17.0: view {key[1]}: <list> became <tree>, nothing else renamed",
              "list" not in tags and got == want, f"{key[0]}: {got} vs {want}")
        src_chatters = sum(1 for el in src_els if el.tag == "chatter")
        check(f"17.0: view {key[1]}: each <chatter/> became an oe_chatter div",
              "chatter" not in tags and len(chatter_divs) == src_chatters,
              f"{key[0]}: {src_chatters} chatter(s), {len(chatter_divs)} div(s)")
        for div in chatter_divs:
            names = [f.get("name") for f in div.findall("field")]
            check(f"17.0: view {key[1]}: the chatter div holds followers and messages",
                  names[:1] == ["message_follower_ids"] and names[-1:] == ["message_ids"], names)
        for el, src_el in zip([e for e in els if e.tag == "xpath"],
                              [e for e in src_els if e.tag == "xpath"]):
            check(f"17.0: view {key[1]}: xpath {src_el.get('expr')} ported",
                  el.get("expr") == src_el.get("expr").replace("//list", "//tree")
                  and "list" not in el.get("expr").replace("fa-list", ""), el.get("expr"))
    activity = [f for (_rel, _rid), (m, f) in recs.items() if m == "ir.ui.view"
                and field_text(f, "model") == "sync.exception"
                and any(d.get("class") == "oe_chatter" for d in f["arch"].iter("div"))]
    check("17.0: the chatter of sync.exception (mail.activity.mixin) has activities",
          activity and all(any(x.get("name") == "activity_ids" for x in f["arch"].iter("field"))
                           for f in activity), len(activity))
    n_actions = 0
    for key, (model, fields) in recs.items():
        src_fields = src_recs[key][1] if key in src_recs else {}
        if model == "ir.actions.act_window" and "view_mode" in fields:
            n_actions += 1
            src_modes = field_text(src_fields, "view_mode").split(",")
            check(f"17.0: action {key[1]}: view_mode with tree for list",
                  field_text(fields, "view_mode").split(",")
                  == [{"list": "tree"}.get(m, m) for m in src_modes],
                  f"{src_modes} -> {field_text(fields, 'view_mode')}")
        if model == "ir.actions.act_window":
            check(f"17.0: action {key[1]}: no path field (18+)", "path" not in fields, sorted(fields))
        if model in ("ir.actions.server", "ir.actions.act_window") and "binding_view_types" in fields:
            check(f"17.0: action {key[1]}: binding_view_types unchanged (17 says list there too)",
                  field_text(fields, "binding_view_types")
                  == field_text(src_fields, "binding_view_types"))
        if model == "ir.cron":
            check(f"17.0: cron {key[1]}: numbercall -1 (17 runs a cron once by default)",
                  field_text(fields, "numbercall") == "-1",
                  field_text(fields, "numbercall"))
        if model in ("res.groups", "ir.actions.server", "ir.module.category"):
            check(f"17.0: {model} {key[1]}: fields as in the source",
                  sorted(fields) == sorted(src_fields), f"{sorted(src_fields)} -> {sorted(fields)}")
    check("17.0: window actions found", n_actions >= 10, n_actions)
    check("17.0: the same access lines",
          access_rows(os.path.join(mod, "security", "ir.model.access.csv"))
          == access_rows(os.path.join(SRC, "security", "ir.model.access.csv")))
    for rel in tree_files(mod):
        path = os.path.join(mod, rel)
        if rel.endswith(".xml"):
            try:
                ET.parse(path)
                check(f"17.0: parses: {rel}", True)
            except ET.ParseError as exc:
                check(f"17.0: parses: {rel}", False, exc)
    check_migrations(mod, "17.0")
    changed = sorted(rel for rel in tree_files(SRC)
                     if not same_file(os.path.join(SRC, rel), os.path.join(mod, as_ported(rel, "17.0"))))
    check("17.0: the same files; only the manifest, the crons and views with lists/chatter differ",
          sorted(as_ported(r, "17.0") for r in tree_files(SRC)) == tree_files(mod)
          and changed and all(rel == "__manifest__.py" or rel == os.path.join("data", "ir_cron.xml")
                              or rel.startswith("views" + os.sep) for rel in changed)
          and os.path.join("data", "ir_cron.xml") in changed, changed)


def check_17_view_types(tmp):
    """A view's `type` and an action view's `view_mode` (records, outside an arch) port too."""
    out = os.path.join(tmp, "series17_view_types")
    proc = run("17.0", out, src=os.path.join(FIXTURES, "series17_view_types", "sync_bridge"))
    check("series17_view_types: the tool exits 0", proc.returncode == 0, proc.stderr)
    if proc.returncode != 0:
        return
    recs = records(os.path.join(out, "sync_bridge"))
    rel = os.path.join("views", "sync_link_views.xml")
    view = recs.get((rel, "sync_link_view_list"), (None, {}))[1]
    action = recs.get((rel, "sync_link_action"), (None, {}))[1]
    action_view = recs.get((rel, "sync_link_action_view_list"), (None, {}))[1]
    check("series17_view_types: ir.ui.view type list -> tree", field_text(view, "type") == "tree",
          field_text(view, "type"))
    check("series17_view_types: the arch's <list> -> <tree>",
          "arch" in view and [el.tag for el in view["arch"]] == ["tree"])
    check("series17_view_types: action view_mode list,form -> tree,form",
          field_text(action, "view_mode") == "tree,form", field_text(action, "view_mode"))
    check("series17_view_types: ir.actions.act_window.view view_mode list -> tree",
          field_text(action_view, "view_mode") == "tree", field_text(action_view, "view_mode"))


def check_18(tmp):
    out = os.path.join(tmp, "18")
    proc = run("18.0", out)
    mod = os.path.join(out, "sync_bridge")
    check("18.0: the tool exits 0", proc.returncode == 0, proc.stderr)
    same = tree_files(SRC) == tree_files(mod) if os.path.isdir(mod) else False
    differ = [rel for rel in tree_files(SRC) if same and not filecmp.cmp(
        os.path.join(SRC, rel), os.path.join(mod, rel), shallow=False)]
    check("18.0: an identical copy (no __pycache__)", same and not differ, differ)


def check_refused(tmp, fixture, where, words, series="19.0"):
    out = os.path.join(tmp, fixture)
    proc = run(series, out, src=os.path.join(FIXTURES, fixture, "sync_bridge"))
    check(f"{fixture}: the tool exits non-zero", proc.returncode != 0, proc.stdout)
    check(f"{fixture}: the error names {where}", where in proc.stderr, proc.stderr)
    for word in words:
        check(f"{fixture}: the error says {word!r}", word in proc.stderr, proc.stderr)
    check(f"{fixture}: nothing written", not os.path.exists(os.path.join(out, "sync_bridge")))


def main():
    with tempfile.TemporaryDirectory(prefix="sb-series-") as tmp:
        check_19(tmp)
        check_18(tmp)
        check_refused(tmp, "series_unknown_group_field",
                      "sync_bridge/security/sync_bridge_security.xml:12", ["share", "no rule"])
        check_refused(tmp, "series_unknown_access_model",
                      "sync_bridge/security/ir.model.access.csv:4",
                      ["product.model_product_packaging", "no rule"])
        check_17(tmp)
        check_17_view_types(tmp)
        check_refused(tmp, "series17_unknown_view_element",
                      "sync_bridge/views/sync_event_views.xml:9", ["<cohort>", "no rule"], "17.0")
        check_refused(tmp, "series17_chatter_unknown_model",
                      "sync_bridge/views/sync_link_views.xml:12", ["sync.link", "no rule"], "17.0")
        check_refused(tmp, "series17_cron_numbercall",
                      "sync_bridge/data/ir_cron.xml:11", ["numbercall", "no rule"], "17.0")
        check_refused(tmp, "series_migration_folder",
                      "sync_bridge/migrations/1.5.0", ["migration folder", "expected 18.0.x.y.z"])
        proc = run("20.0", os.path.join(tmp, "20"))
        check("an unknown series is refused", proc.returncode != 0 and "20.0" in proc.stderr,
              proc.stderr)


main()
json.dump(results, sys.stdout)
