"""Odoo-free static checks of the sync_bridge addon (fast tier).

Prints a JSON list of {"name", "ok", "detail"} so the mocha wrapper can report one test per
check. Needs only the standard library: Python compiles, XML parses, manifest complete, every
model has access rules, OCA layout conventions.
"""
import ast
import csv
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

ADDON = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), '..', '..', 'odoo_addon', 'sync_bridge')
ADDON = os.path.abspath(ADDON)
results = []


def check(name, ok, detail=''):
    results.append({'name': name, 'ok': bool(ok), 'detail': detail})


def rel(path):
    return os.path.relpath(path, ADDON)


def files(ext):
    for dirpath, _dirs, names in os.walk(ADDON):
        for n in sorted(names):
            if n.endswith(ext):
                yield os.path.join(dirpath, n)


def main():
    if not os.path.isdir(ADDON):
        check('addon folder exists', False, ADDON)
        return
    manifest_path = os.path.join(ADDON, '__manifest__.py')
    manifest = {}
    try:
        with open(manifest_path, encoding='utf-8') as fh:
            manifest = ast.literal_eval(fh.read())
        check('manifest is a literal dict', isinstance(manifest, dict))
    except Exception as exc:  # noqa: BLE001
        check('manifest is a literal dict', False, f'{rel(manifest_path)}: {exc}')

    version = manifest.get('version', '')
    check('manifest version is 18.0.x.y.z', re.fullmatch(r'18\.0\.\d+\.\d+\.\d+', version or ''),
          f'version={version!r}')
    for key in ('name', 'summary', 'license', 'author', 'depends', 'data', 'installable'):
        check(f'manifest has {key}', key in manifest, f'missing key {key!r}')
    deps = manifest.get('depends', [])
    for dep in ('sale_management', 'sale_stock', 'contacts'):
        check(f'manifest depends on {dep}', dep in deps, f'depends={deps}')
    data = manifest.get('data', [])
    for path in data:
        check(f'manifest data file exists: {path}', os.path.isfile(os.path.join(ADDON, path)), path)
    for sub in ('views', 'security', 'data'):
        folder = os.path.join(ADDON, sub)
        if os.path.isdir(folder):
            for n in sorted(os.listdir(folder)):
                if n.endswith(('.xml', '.csv')):
                    check(f'{sub}/{n} is listed in the manifest', f'{sub}/{n}' in data, f'{sub}/{n}')

    for path in files('.py'):
        try:
            with open(path, encoding='utf-8') as fh:
                src = fh.read()
            compile(src, path, 'exec')
            check(f'compiles: {rel(path)}', True)
        except SyntaxError as exc:
            check(f'compiles: {rel(path)}', False, f'{rel(path)}:{exc.lineno}: {exc.msg}')
            continue
        # tools/ holds stand-alone scripts run outside the ORM (e.g. the claim benchmark).
        if '/tests/' not in path and '/tools/' not in path:
            check(f'no cr.commit() in {rel(path)}', 'cr.commit()' not in src, rel(path))

    for path in files('.xml'):
        try:
            ET.parse(path)
            check(f'parses: {rel(path)}', True)
        except ET.ParseError as exc:
            check(f'parses: {rel(path)}', False, f'{rel(path)}: {exc}')

    # Models declared with _name (new models) need access rules.
    models = []
    for path in files('.py'):
        if '/models/' not in path and '/wizards/' not in path and '/wizard/' not in path:
            continue
        with open(path, encoding='utf-8') as fh:
            tree = ast.parse(fh.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                attrs = {}
                for stmt in node.body:
                    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                            and isinstance(stmt.targets[0], ast.Name) \
                            and isinstance(stmt.value, ast.Constant):
                        attrs[stmt.targets[0].id] = stmt.value.value
                bases = [getattr(b, 'attr', getattr(b, 'id', '')) for b in node.bases]
                if '_name' in attrs and 'AbstractModel' not in bases and not attrs.get('_abstract'):
                    models.append((attrs['_name'], rel(path)))
    access_path = os.path.join(ADDON, 'security', 'ir.model.access.csv')
    rows = []
    if os.path.isfile(access_path):
        with open(access_path, encoding='utf-8') as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            check('ir.model.access.csv header', header == [
                'id', 'name', 'model_id:id', 'group_id:id', 'perm_read', 'perm_write',
                'perm_create', 'perm_unlink'], f'header={header}')
            rows = list(reader)
    else:
        check('security/ir.model.access.csv exists', False, access_path)
    covered = {r.get('model_id:id', '').split('.')[-1] for r in rows}
    for model, where in models:
        xml_id = 'model_' + model.replace('.', '_')
        check(f'access rules for {model}', xml_id in covered, f'{model} ({where}) has no line in ir.model.access.csv')
    groups_xml = ''
    for path in files('.xml'):
        if '/security/' in path:
            with open(path, encoding='utf-8') as fh:
                groups_xml += fh.read()
    for r in rows:
        group = r.get('group_id:id', '')
        if group and '.' not in group:
            check(f'access row {r.get("id")} group is defined in XML', f'id="{group}"' in groups_xml, group)
    for n in ('DESCRIPTION.md', 'USAGE.md', 'CONFIGURE.md', 'CONTRIBUTORS.md'):
        check(f'readme/{n} exists', os.path.isfile(os.path.join(ADDON, 'readme', n)), n)
    test_files = [p for p in files('.py') if '/tests/test_' in p]
    check('the addon has tests', len(test_files) > 0, 'no tests/test_*.py')
    for path in test_files:
        with open(path, encoding='utf-8') as fh:
            src = fh.read()
        check(f'{rel(path)} is tagged post_install', re.search(r'''@tagged\([^)]*["']post_install["'][^)]*["']-at_install["']''', src), rel(path))
    view_dir = os.path.join(ADDON, 'views')
    if os.path.isdir(view_dir):
        for n in sorted(os.listdir(view_dir)):
            check(f'views/{n} follows views/<model>_views.xml or <name>_menus.xml',
                  re.fullmatch(r'[a-z0-9_]+_(views|menus|templates)\.xml', n), n)


main()
json.dump(results, sys.stdout)
