# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import SyncBridgeCase


@tagged("post_install", "-at_install")
class TestContactWatchdog(SyncBridgeCase):
    """A sidecar's polls (sync_claim) record the contact on the target; a target whose
    sidecar is late while work waits gets an exception, and its records say so."""

    def _set_contact(self, target, minutes_ago):
        when = None if minutes_ago is None else fields.Datetime.now() - timedelta(minutes=minutes_ago)
        self.env.flush_all()
        self.env.cr.execute("UPDATE sync_target SET last_contact_at = %s WHERE id = %s", (when, target.id))
        target.invalidate_recordset(["last_contact_at", "contact_state"])

    def _age_events(self, target, minutes):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sync_event SET create_date = create_date - make_interval(mins => %s)"
            " WHERE target_id = %s", (minutes, target.id))
        self.Event.invalidate_model(["create_date"])

    def _watchdog_exceptions(self, target, state="open"):
        return self.env["sync.exception"].search([
            ("category", "=", "unavailable"), ("model", "=", "sync.target"),
            ("res_id", "=", target.id), ("state", "=", state)])

    def _set_param(self, value):
        self.env["ir.config_parameter"].sudo().set_param("sync_bridge.contact_late_minutes", value)

    def test_claim_records_the_contact_at_most_once_a_minute(self):
        self.assertEqual((self.wms.contact_state, self.crm.contact_state), ("never", "never"))
        self._claim([self.wms.code])
        self.wms.invalidate_recordset()
        self.assertTrue(self.wms.last_contact_at)
        self.assertEqual(self.wms.contact_state, "ok")
        self.assertFalse(self.crm.last_contact_at, "only the targets polled")
        self._set_contact(self.wms, 0.5)
        recent = self.wms.last_contact_at
        self._claim([self.wms.code])
        self.wms.invalidate_recordset()
        self.assertEqual(self.wms.last_contact_at, recent, "not rewritten within a minute")
        self._set_contact(self.wms, 2)
        older = self.wms.last_contact_at
        self._claim([self.wms.code])
        self.wms.invalidate_recordset()
        self.assertGreater(self.wms.last_contact_at, older)

    def test_claim_within_the_minute_writes_nothing(self):
        """The hot path: a poll whose targets were contacted within the minute decides that
        from the cache and issues no contact statement (no savepoint, no UPDATE)."""
        Target = type(self.env["sync.target"])
        self._claim([self.wms.code, self.crm.code])
        self._set_contact(self.crm, 2)
        with patch.object(Target, "_contact_write", autospec=True,
                          side_effect=Target._contact_write) as write:
            self._claim([self.wms.code])
            self.assertEqual(write.call_count, 0, "wms was contacted within the minute")
            self._claim([self.wms.code, self.crm.code])
            self.assertEqual(write.call_count, 1)
            self.assertEqual(write.call_args.args[0], self.crm, "only the due target is written")
        self.crm.invalidate_recordset()
        self.assertEqual(self.crm.contact_state, "ok")

    def test_late_after_the_parameter_minutes(self):
        self._set_contact(self.wms, 11)
        self.assertEqual(self.wms.contact_state, "late")
        self._set_param("15")
        self.wms.invalidate_recordset(["contact_state"])
        self.assertEqual(self.wms.contact_state, "ok")
        for bad in ("abc", "0", "-5"):
            self._set_param(bad)
            self.wms.invalidate_recordset(["contact_state"])
            self.assertEqual(self.wms.contact_state, "late", f"{bad!r}: the default, 10 minutes")

    def test_watchdog_raises_once_while_work_waits_and_resolves_on_contact(self):
        partner = self.env["res.partner"].create({"name": "Waiting Customer", "email": "w@example.com"})
        waiting = self._events(partner, self.crm, state="pending")
        self.assertTrue(waiting, "a customer upsert waits for the CRM")
        self._set_contact(self.crm, 30)
        self._set_contact(self.wms, 30)
        self.Target._cron_contact_watchdog()
        self.assertFalse(self._watchdog_exceptions(self.crm), "work younger than the limit: not yet")
        self._age_events(self.crm, 20)
        self.Target._cron_contact_watchdog()
        exc = self._watchdog_exceptions(self.crm)
        self.assertEqual(len(exc), 1)
        self.assertEqual(exc.target_id, self.crm)
        self.assertIn("Test CRM", exc.message)
        self.assertIn("events wait", exc.message)
        self.assertFalse(self._watchdog_exceptions(self.wms), "a late target with nothing waiting: idle, not an alarm")
        self.Target._cron_contact_watchdog()
        self.assertEqual(self._watchdog_exceptions(self.crm), exc, "one exception, not one per run")
        self.assertEqual(exc.occurrences, 2)
        self._claim([self.crm.code])
        self.Target._cron_contact_watchdog()
        self.assertFalse(self._watchdog_exceptions(self.crm))
        self.assertEqual(exc.state, "resolved")

    def test_never_polled_target_with_old_work_is_raised(self):
        self.env["res.partner"].create({"name": "Early Customer", "email": "e@example.com"})
        self._age_events(self.crm, 30)
        self.Target._cron_contact_watchdog()
        exc = self._watchdog_exceptions(self.crm)
        self.assertEqual(len(exc), 1)
        self.assertIn("never", exc.message)

    def test_order_form_says_its_sync_waits_for_a_late_bridge(self):
        order = self._order()
        order.action_confirm()
        self.assertTrue(self.Event.search([("aggregate_key", "=", f"sale.order,{order.id}"),
                                           ("target_id", "=", self.crm.id), ("state", "=", "pending")]),
                        "the order's status waits for the CRM")
        self._set_contact(self.crm, 30)
        self._set_contact(self.wms, 0)
        order.invalidate_recordset(["sync_waiting_notice"])
        self.assertIn("Test CRM: no sidecar has contacted Odoo since", order.sync_waiting_notice)
        self.assertNotIn("Test WMS", order.sync_waiting_notice)
        other = self.env["res.partner"].create({"name": "Other", "email": "o@example.com"})
        self._events(other, self.crm).write({"state": "done"})
        other.invalidate_recordset(["sync_waiting_notice"])
        self.assertFalse(other.sync_waiting_notice, "nothing waiting: no notice")
        self._claim([self.crm.code])
        order.invalidate_recordset(["sync_waiting_notice"])
        self.crm.invalidate_recordset()
        self.assertFalse(order.sync_waiting_notice, "a sidecar polled again")

    def test_sync_contact_records_what_the_sidecar_sees(self):
        res = self.svc.sync_contact("bridge-1", [
            {"code": self.wms.code, "state": "circuit_open", "detail": "503 Service Unavailable, retry in 25 s"},
            {"code": self.crm.code, "state": "ok"},
            {"code": "nope", "state": "ok"},
        ])
        self.assertEqual(res, {"ok": [self.wms.code, self.crm.code],
                               "refused": [{"code": "nope", "reason": "unknown_target"}]})
        self.assertEqual(self.wms.contact_state, "ok", "a target the sidecar does not claim from is still in contact")
        self.assertEqual(self.wms.contact_sidecar_state, "circuit_open")
        self.assertEqual(self.wms.contact_detail, "bridge-1: Unreachable (circuit open) (503 Service Unavailable, retry in 25 s)")
        self.assertEqual((self.crm.contact_sidecar_state, self.crm.contact_detail), ("ok", "bridge-1: Reachable"))
        self._set_contact(self.wms, 30)
        self.svc.sync_contact("bridge-1", [{"code": self.wms.code, "state": "paused"}])
        self.assertEqual(self.wms.contact_state, "ok", "sync_contact is not held back by the once-a-minute limit of claims")
        self.assertEqual(self.wms.contact_detail, "bridge-1: Paused (rate limit)")

    def test_sync_contact_records_the_sidecar_release(self):
        self.svc.sync_contact("bridge-1", [{"code": self.wms.code, "state": "ok"}], "1.13.0")
        self.assertEqual(self.wms.contact_sidecar_version, "1.13.0")
        self.assertFalse(self.crm.contact_sidecar_version, "only the targets reported on")
        self.svc.sync_contact("bridge-2", [{"code": self.wms.code, "state": "ok"}], "1.14.0-rc.1")
        self.assertEqual(self.wms.contact_sidecar_version, "1.14.0-rc.1", "the last report's release")
        self.svc.sync_contact("bridge-1", [{"code": self.wms.code, "state": "ok"}])
        self.assertEqual(self.wms.contact_sidecar_version, "1.14.0-rc.1",
                         "a report without a release leaves the recorded one")
        self.assertEqual(self.wms.contact_detail, "bridge-1: Reachable")
        groups = self.env["sync.target"]._read_group(
            [("id", "in", (self.wms | self.crm).ids)], ["contact_sidecar_version"], ["__count"])
        self.assertEqual(dict(groups), {"1.14.0-rc.1": 1, False: 1}, "targets group by release")
        for bad in ("", "1.13.0; DROP", "x" * 41, 113, ["1.13.0"]):
            with self.assertRaises(ValidationError) as ctx:
                self.svc.sync_contact("bridge-1", [{"code": self.wms.code, "state": "ok"}], bad)
            self.assertIn("sidecar_version", str(ctx.exception))
        self.assertEqual(self.wms.contact_sidecar_version, "1.14.0-rc.1", "a refused report writes nothing")

    def test_sync_contact_refuses_bad_input_naming_the_item(self):
        for bad, where in (
            ([{"code": self.wms.code, "state": "down"}], "targets[0].state"),
            ([{"code": self.wms.code, "state": "ok"}, {"state": "ok"}], "targets[1].code"),
            ([{"code": self.wms.code, "state": "ok", "detail": 5}], "targets[0].detail"),
        ):
            with self.assertRaises(ValidationError) as ctx:
                self.svc.sync_contact("bridge-1", bad)
            self.assertIn(where, str(ctx.exception))
        with self.assertRaises(ValidationError):
            self.svc.sync_contact("", [])
        with self.assertRaises(ValidationError):
            self.svc.sync_contact("bridge-1", "wms_test")
