# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged

from .recon_common import ReconCase


@tagged("post_install", "-at_install")
class TestReconRetention(ReconCase):
    """sync.reconciliation.line._cron_purge_old_lines: old runs lose their lines, not
    their counts; the latest done run and the last line of an open exception stay."""

    def _line(self, sku, outcome, product, qty_target):
        return {"key": self._key(sku), "outcome": outcome, "model": "product.product",
                "res_id": product.id, "sku": sku, "location": self.loc_name, "lot": False,
                "qty_odoo": 100.0, "qty_target": qty_target}

    def _run(self, lines, state="done"):
        run = self._start()
        self.svc.sync_recon_lines(run.id, lines)
        self.svc.sync_recon_finish(run.id, state, {"matched": 10}, "timeout" if state == "failed" else False)
        return run

    def _age(self, runs, days):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sync_reconciliation SET started_at = started_at - make_interval(days => %s),"
            " finished_at = finished_at - make_interval(days => %s) WHERE id = ANY(%s)",
            (days, days, runs.ids),
        )
        runs.invalidate_recordset()

    def _set_days(self, days):
        self.env["ir.config_parameter"].sudo().set_param("sync_bridge.recon_line_retention_days", str(days))

    def test_purge_old_lines(self):
        persistent = self._line("SW-1", "mismatch", self.product, 95.0)
        explained = self._line("SG-2", "in_flight_explained", self.product_b, 90.0)
        old1 = self._run([persistent, explained])
        old2 = self._run([persistent, explained])
        failed = self._run([persistent], state="failed")
        latest = self._run([persistent, explained])
        exc = self.env["sync.exception"].search(
            [("state", "=", "open"), ("recon_key", "=", self._key("SW-1")), ("target_id", "=", self.wms.id)])
        self.assertEqual(len(exc), 1)
        self.assertEqual(exc.recon_line_id.run_id, latest)
        self.assertEqual(exc.occurrences, 4, "every run that reported it, the failed one too")
        counts = {run: (run.mismatch_count, run.in_flight_explained_count, run.matched_count) for run in old1 | old2 | latest}
        self._age(old1 | old2 | failed | latest, 120)
        running = self._start()
        self.svc.sync_recon_lines(running.id, [explained])
        self._age(running, 120)
        Line = self.env["sync.reconciliation.line"]

        self._set_days(0)
        self.assertEqual(Line._cron_purge_old_lines(), 0, "0 keeps every line")
        self._set_days(150)
        self.assertEqual(Line._cron_purge_old_lines(), 0, "nothing is older than 150 days")

        self._set_days(90)
        self.assertEqual(Line._cron_purge_old_lines(), 5)
        self.assertFalse(old1.line_ids)
        self.assertFalse(old2.line_ids)
        self.assertFalse(failed.line_ids)
        self.assertEqual(len(latest.line_ids), 2, "the latest done run of the target and job keeps its lines")
        self.assertEqual(len(running.line_ids), 1, "a running run is never touched")
        self.assertTrue(exc.recon_line_id.exists())
        for run, figures in counts.items():
            self.assertEqual((run.mismatch_count, run.in_flight_explained_count, run.matched_count), figures,
                             "the runs keep their counts")
        self.assertEqual(exc.state, "open")
        self.assertEqual(Line._cron_purge_old_lines(), 0, "a second run finds nothing")

    def test_last_line_of_an_open_exception_stays(self):
        # The exception's last line is in an old run; a later done run of another job is
        # the latest of its own job only.
        persistent = self._line("SW-1", "mismatch", self.product, 95.0)
        old = self._run([persistent])
        later = self._run([], state="failed")
        exc = self.env["sync.exception"].search(
            [("state", "=", "open"), ("recon_key", "=", self._key("SW-1")), ("target_id", "=", self.wms.id)])
        self.assertEqual(exc.recon_line_id.run_id, old)
        newer_done = self._run([self._line("SG-2", "in_flight_explained", self.product_b, 90.0)])
        # newer_done is clean for SW-1: it closed the exception. Reopen it as a human would
        # see it had the discrepancy still open (the last line is the old run's).
        exc.write({"state": "open"})
        self._age(old | later | newer_done, 120)
        self._set_days(90)
        purged = self.env["sync.reconciliation.line"]._cron_purge_old_lines()
        self.assertEqual(purged, 0)
        self.assertEqual(len(old.line_ids), 1, "the last line of an open exception stays")
        self.assertEqual(len(newer_done.line_ids), 1, "the latest done run keeps its lines")
        exc.write({"state": "resolved"})
        self.assertEqual(self.env["sync.reconciliation.line"]._cron_purge_old_lines(), 1)
        self.assertFalse(old.line_ids)
        self.assertFalse(exc.recon_line_id)
