#!/usr/bin/env bash
# npm run test:s3-real: the S3 test suites (the shared backend suite, the object-store tests and
# the streaming RSS test) against a real S3 implementation instead of s3rver: a throwaway
# single-node Ceph RGW from Debian packages (scripts/ceph-up.sh: 1 mon, 1 memstore OSD, RGW on
# 127.0.0.1), stopped by pid and removed afterwards, whatever happens.
# Needs ceph-mon, ceph-osd and radosgw (Debian 12: 64 packages, ~61 MB download); installs them
# with apt-get when run as root, otherwise says how. Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for tool in ceph-mon ceph-osd radosgw radosgw-admin ceph-authtool monmaptool; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing Ceph (missing: ${missing[*]})"
    t0=$(date +%s)
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ceph-mon ceph-osd radosgw >/dev/null
    echo "== Ceph installed in $(( $(date +%s) - t0 )) s"
  else
    echo "test:s3-real needs Ceph: sudo apt-get install --no-install-recommends ceph-mon ceph-osd radosgw (missing: ${missing[*]})" >&2
    exit 1
  fi
fi

export CEPH_DIR
CEPH_DIR=$(mktemp -d /tmp/stockroom-ceph.XXXXXX)
cleanup() {
  scripts/ceph-down.sh >/dev/null 2>&1 || true
  rm -rf "$CEPH_DIR"
}
trap cleanup EXIT

# ceph-up.sh waits for each daemon but has no overall limit (radosgw-admin waits forever for an
# OSD that died), so it runs in a process group of its own with a time limit; on failure the whole
# group (the script, its daemons, a hanging radosgw-admin) is stopped and it gets one more try.
up_log=$(mktemp /tmp/stockroom-ceph-up.XXXXXX)
trap 'cleanup; rm -f "$up_log"' EXIT
start_ceph() {
  setsid scripts/ceph-up.sh >"$up_log" 2>&1 &
  local pid=$! i
  for i in $(seq 1200); do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid"
      return $?
    fi
    sleep 0.1
  done
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" || true
  return 124
}
t0=$(date +%s%N)
line=
for attempt in 1 2; do
  if start_ceph && line=$(grep '^RGW_ENDPOINT=' "$up_log" | tail -n 1) && [ -n "$line" ]; then break; fi
  echo "== Ceph did not come up (attempt $attempt); ceph-up.sh said:" >&2
  cut -c1-200 "$up_log" >&2 || true
  for log in "$CEPH_DIR"/log/*; do
    [ -f "$log" ] && { echo "-- $log" >&2; tail -n 3 "$log" | cut -c1-200 >&2; }
  done
  grep -h "fsid" "$CEPH_DIR"/log/mon.a.log 2>/dev/null | tail -n 3 | cut -c1-250 >&2 || true
  cp -r "$CEPH_DIR/log" "/tmp/stockroom-ceph-failed-$$-$attempt" 2>/dev/null || true
  scripts/ceph-down.sh >/dev/null 2>&1 || true
  line=
done
if [ -z "$line" ]; then
  echo "test:s3-real: Ceph RGW did not start" >&2
  exit 1
fi
endpoint=${line#RGW_ENDPOINT=}
endpoint=${endpoint%% *}
echo "== Ceph RGW $(radosgw --version | awk '{print $3}') ready at $endpoint in $(( ($(date +%s%N) - t0) / 1000000 )) ms"

STOCKROOM_TEST_S3_ENDPOINT=$endpoint \
STOCKROOM_TEST_S3_ACCESS_KEY=TESTACCESSKEY \
STOCKROOM_TEST_S3_SECRET_KEY=TESTSECRETKEY \
STOCKROOM_TEST_ONLY=s3 \
  npx vitest run test/storage/s3.test.ts test/storage/object-store.test.ts test/storage/object-store-rss.test.ts "$@"
