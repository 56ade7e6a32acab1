#!/usr/bin/env bash
# The project's test command (`npm test`): both tiers, one closing line "N passed, N failed".
#   1. fast tier: TypeScript build (strict), mocha for the sidecar, Odoo-free addon checks,
#      lint (eslint, type-aware: no floating or misused promises) counted as one check;
#   2. real-Odoo tier: test/harness/odoo-tier.sh (skips, saying why, without an Odoo tree);
#      beside it the upgrade tier, test/harness/odoo-upgrade-tier.sh: databases of earlier addon
#      releases (the previous one and the oldest with release notes, from git history) upgraded
#      to this one, then driven by the current sidecar ("upgrade <passed> <failed>"), then
#      on Odoo 19 and 17 from the previous release ("upgrade19", "upgrade17";
#      UPGRADE_OTHER_SERIES="" leaves them out);
#   3. Odoo 19 tier: test/harness/odoo-json2-tier.sh, the gateway contract over JSON-2 on a bare
#      Odoo 19+ database, then the addon ported to 19 (make_series.py) with its Odoo tests and,
#      when .mocharc.odoo19.json exists, the Odoo 19 e2e files (skips without an Odoo 19+ tree);
#   4. Odoo 17 tier: test/harness/odoo-series-tier.sh, the addon ported to 17 (make_series.py)
#      with its Odoo tests, "odoo17 <passed> <failed>", then the e2e files of
#      .mocharc.odoo17.json over XML-RPC, "e2e17 <passed> <failed>" (skips without an Odoo 17
#      tree: set ODOO17_SRC or put one at /opt/odoo*).
#   Tiers 3 and 4 run side by side (SERIAL_TIERS=1: one after the other).
set -u
cd "$(dirname "$0")/.."
results=$(mktemp)
trap 'rm -f "$results"' EXIT

echo "== build (tsc, strict) =="
if ! npx tsc -p tsconfig.json; then
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi

echo "== fast tier: mocha (sidecar, mapping engine, fakes, addon static checks) =="
fastlog=$(mktemp)
npx mocha --config .mocharc.json 2>&1 | tee "$fastlog"
p=$(grep -Eo "^ +[0-9]+ passing" "$fastlog" | grep -Eo "[0-9]+" | tail -1)
f=$(grep -Eo "^ +[0-9]+ failing" "$fastlog" | grep -Eo "[0-9]+" | tail -1)
s=$(grep -Eo "^ +[0-9]+ pending" "$fastlog" | grep -Eo "[0-9]+" | tail -1)
p=${p:-0}; f=${f:-0}
[ "$p" = "0" ] && [ "$f" = "0" ] && f=1   # a run that executed nothing is a failure
echo "fast $p $f" >>"$results"
rm -f "$fastlog"

echo "== lint (promises: none floating, none misused) =="
if npx eslint .; then echo "lint 1 0" >>"$results"; else echo "lint 0 1" >>"$results"; fi

# The upgrade tier runs beside the real-Odoo tier (its own throwaway cluster and ports): most
# of its time and of the e2e half's is spent waiting on Odoo. Its output follows the tier's.
# Then the same on the other series the addon is ported to (UPGRADE_SERIES), from the previous
# release: "upgrade19", "upgrade17" (each skips, saying why, without that Odoo tree).
up=$(mktemp -d)
( for series in "" ${UPGRADE_OTHER_SERIES-19.0 17.0}; do
    tag=upgrade; [ -n "$series" ] && tag="upgrade${series%%.*}"
    UPGRADE_SERIES=$series TIER_RESULT="$up/result" bash test/harness/odoo-upgrade-tier.sh >>"$up/log" 2>&1
    [ $? -ne 0 ] && ! grep -qE "^$tag " "$up/result" 2>/dev/null && echo "$tag 0 1" >>"$up/result"
  done ) &
up_pid=$!
sleep 5   # the two throwaway clusters take their ports one after the other

echo "== real-Odoo tier =="
TIER_RESULT="$results" bash test/harness/odoo-tier.sh
rc=$?
[ $rc -ne 0 ] && ! grep -qE "^(odoo|e2e) " "$results" && echo "odoo 0 1" >>"$results"

echo "== upgrade tier (databases of earlier addon releases upgraded to this one, on 18, 19 and 17; ran beside the real-Odoo tier) =="
wait "$up_pid"
cat "$up/log"
cat "$up/result" >>"$results" 2>/dev/null
rm -rf "$up"

# The Odoo 19 and Odoo 17 tiers run side by side: each has its own throwaway PostgreSQL
# cluster, databases and ports, and most of their time is spent waiting on Odoo and the sidecars.
# Their output is shown whole when both have ended, with a progress line every minute meanwhile.
# SERIAL_TIERS=1 runs them one after the other instead, output streamed.
tier19() {
  TIER_RESULT="$1" bash test/harness/odoo-json2-tier.sh
  [ $? -ne 0 ] && ! grep -qE "^json2 " "$1" && echo "json2 0 1" >>"$1"
}
tier17() {
  TIER_RESULT="$1" SERIES=17 bash test/harness/odoo-series-tier.sh
  [ $? -ne 0 ] && ! grep -qE "^odoo17 " "$1" && echo "odoo17 0 1" >>"$1"
}
H19="== Odoo 19 tier (JSON-2 gateway contract; the addon's tests and e2e on Odoo 19) =="
H17="== Odoo 17 tier (the addon ported to 17 with its Odoo tests and e2e) =="
if [ "${SERIAL_TIERS:-0}" = "1" ]; then
  echo "$H19"; tier19 "$results"
  echo "$H17"; tier17 "$results"
else
  side=$(mktemp -d)
  echo "== Odoo 19 and Odoo 17 tiers, side by side (their output follows when both have ended) =="
  t0=$(date +%s)
  tier19 "$side/r19" >"$side/l19" 2>&1 &
  p19=$!
  sleep 5   # the two throwaway clusters take their ports one after the other
  tier17 "$side/r17" >"$side/l17" 2>&1 &
  p17=$!
  n=0
  while kill -0 "$p19" 2>/dev/null || kill -0 "$p17" 2>/dev/null; do
    sleep 5
    n=$((n + 1))
    [ $((n % 12)) -eq 0 ] || continue
    echo "[tiers] $(( $(date +%s) - t0 ))s: 19: $(grep -E '^\[' "$side/l19" 2>/dev/null | tail -1 | cut -c1-100) | 17: $(grep -E '^\[' "$side/l17" 2>/dev/null | tail -1 | cut -c1-100)"
  done
  wait "$p19"; wait "$p17"
  echo "$H19"; cat "$side/l19"
  echo "$H17"; cat "$side/l17"
  cat "$side/r19" "$side/r17" >>"$results" 2>/dev/null
  echo "(the Odoo 19 and 17 tiers took $(( $(date +%s) - t0 ))s side by side)"
  rm -rf "$side"
fi

echo "== summary =="
total_p=0; total_f=0
while read -r tier tp tf; do
  echo "  $tier: $tp passed, $tf failed"
  total_p=$((total_p + tp)); total_f=$((total_f + tf))
done <"$results"
grep -qE "^(odoo|e2e) " "$results" || echo "  real-Odoo tier: skipped (see above)"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
