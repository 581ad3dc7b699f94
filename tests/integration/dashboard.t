#!/bin/bash
# tests/integration/dashboard.t: the dashboard in headless Chromium against a real dnsa-api and MariaDB: what each account sees equals the views.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${DNSA_BUILD:-$ROOT/build}
. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/lib/mariadb.sh"
. "$ROOT/tests/lib/apistack.sh"
T=$(mktemp -d /tmp/dnsa-dash.XXXXXX)
cleanup() { apistack_stop; mariadb_stop; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT INT TERM
for f in "$B/bin/aggd-rollup" "$B/bin/gen-staging" "$B/bin/dnsa-api" "$B/bin/dnsa-token" /usr/bin/chromium /usr/bin/chromedriver; do
	[ -x "$f" ] || { echo "1..0 # SKIP $f not installed (tools/install-deps installs chromium, chromium-driver)"; exit 0; }
done
/usr/bin/python3 -c 'import selenium' 2>/dev/null || { echo "1..0 # SKIP python3-selenium not installed"; exit 0; }
SHOTS=$B/screenshots
mkdir -p "$SHOTS"

apistack_data
apistack_conf
apistack_start; ok $? "dnsa-api serving the dashboard on 127.0.0.1:$PORT"
page() { timeout 90 /usr/bin/python3 "$ROOT/tests/lib/dashboard.py" "http://127.0.0.1:$PORT/" "$@" >"$T/page.json" 2>"$T/page.err"
	r=$?; [ $r = 0 ] || sed 's/^/# /' "$T/page.err" | tail -5; return $r; }
J() { /usr/bin/python3 -c "import json; d=json.load(open('$T/page.json')); $1"; }
# shot FILE: a real picture, not a blank page (PNG, > 20 KB: a blank page of this size is ~6 KB)
shot() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] && [ "$(stat -c %s "$1")" -gt 20000 ]; }

# ---- partner p1 ----
page "$TOK1" "$SHOTS/dashboard-p1.png"; ok $? "p1 signs in in Chromium"
is "$(J 'print(d["signed_in"], d["who"])')" "True p1" "the page says who is signed in"
is "$(J 'print(",".join(d["zones"]))')" "zone0.test,zone1.test" "the zone list holds exactly p1's zones"
read -r FROM TO <<<"$(J 'print(d["window"][0], d["window"][1])')"
want=$(as p1 partner-one-pw "SELECT COALESCE(SUM(queries), 0) FROM zone_qps_minute WHERE zone='zone0.test' AND ts >= FROM_UNIXTIME($FROM) AND ts < FROM_UNIXTIME($TO)")
is "$(J 'print(d["qps_total"])')" "$want" "the rate chart's total equals zone_qps_minute for the page's range ($want)"
ok $(( $(J 'print(d["canvas_painted"])') < 1000 )) "the chart is drawn ($(J 'print(d["canvas_painted"])') painted pixels)"
for dim in country qtype rcode transport ipver; do
	want=$(as p1 partner-one-pw "SELECT CONCAT(val,'=',SUM(queries)) FROM zone_dim_minute WHERE zone='zone0.test' AND dim='$dim' AND ts >= FROM_UNIXTIME($FROM) AND ts < FROM_UNIXTIME($TO) GROUP BY val ORDER BY SUM(queries) DESC, val LIMIT 15" | tr '\n' ' ')
	is "$(J "print(' '.join('%s=%s' % (v, q) for v, q in d['tables']['$dim']), end=' ')")" "$want" "the $dim table equals zone_dim_minute"
done
HF=$(( FROM / 3600 * 3600 )); HT=$(( (TO + 3599) / 3600 * 3600 ))
want=$(as p1 partner-one-pw "SELECT CONCAT(qname,'=',SUM(queries)) FROM zone_top_names_hour WHERE zone='zone0.test' AND ts >= FROM_UNIXTIME($HF) AND ts < FROM_UNIXTIME($HT) GROUP BY qname ORDER BY SUM(queries) DESC, qname LIMIT 15" | tr '\n' ' ')
is "$(J "print(' '.join('%s=%s' % (v, q) for v, q in d['top']), end=' ')")" "$want" "the top names table equals zone_top_names_hour"
want=$(as p1 partner-one-pw "SELECT CONCAT(qname,'=',SUM(queries)) FROM zone_top_names_rcode_hour WHERE zone='zone0.test' AND rcode='NXDOMAIN' AND ts >= FROM_UNIXTIME($HF) AND ts < FROM_UNIXTIME($HT) GROUP BY qname ORDER BY SUM(queries) DESC, qname LIMIT 15" | tr '\n' ' ')
is "$(J "print(' '.join('%s=%s' % (v, q) for v, q in d['nx']), end=' ')")" "$want" "the NXDOMAIN names table equals zone_top_names_rcode_hour"
case "$(J 'print(d["latency_state"])')" in "No response times"*|"") r=0 ;; *) r=1 ;; esac
ok $r "the latency section loads (synthetic data has no response times: '$(J 'print(d["latency_state"])')')"
is "$(J 'print(d["health_visible"])')" "False" "a partner sees no node health section"
is "$(J 'print(d["other_zone_status"])')" 404 "from the page, p1's token cannot read zone2.test (404)"
shot "$SHOTS/dashboard-p1.png"; ok $? "screenshot $SHOTS/dashboard-p1.png is a real picture"

page "$TOK1" "$SHOTS/dashboard-p1-url.png" "zone=zone2.test"; ok $? "p1 opens another partner's zone by URL"
is "$(J 'print(d["selected"] != "zone2.test", "not visible" in d["app_error"])')" "True True" "the page refuses it and says so: $(J 'print(d["app_error"])')"

# ---- staff ----
page "$TOKS" "$SHOTS/dashboard-staff.png"; ok $? "staff alice signs in"
want=$(as alice staff-member-pw "SELECT COUNT(*) FROM my_zones")
is "$(J 'print(len(d["zones"]), d["who"])')" "$want alice (staff)" "staff sees every zone"
want=$(as alice staff-member-pw "SELECT COUNT(DISTINCT node) FROM node_health_minute WHERE ts >= FROM_UNIXTIME($FROM) AND ts < FROM_UNIXTIME($TO)")
is "$(J 'print(d["health_visible"], d["health_rows"])')" "True $want" "staff sees node health, one row per node of node_health_minute ($want)"
shot "$SHOTS/dashboard-staff.png"; ok $? "screenshot $SHOTS/dashboard-staff.png is a real picture"

# ---- a bad token, and MariaDB down: errors shown in the page ----
page "dnsa_00000000_$(printf '%064d' 0)" "$SHOTS/dashboard-badtoken.png"; ok $? "a wrong token"
is "$(J 'print(d["signed_in"], d["signin_error"])')" "False That token was not accepted." "the sign-in form says the token was refused"
mariadb_stop
page "$TOK2" "$SHOTS/dashboard-dbdown.png"; ok $? "p2 while MariaDB is down"
case "$(J 'print(d["app_error"])')" in *"not available"*) r=0 ;; *) r=1 ;; esac
ok $r "the page shows the database error: $(J 'print(d["app_error"])')"

apistack_stop; is "$?" 0 "dnsa-api stopped"
done_testing
