#!/bin/bash
# Copied from the shared recipe ../shared/upstreams/recipes/ceph-down.sh (not fetched code); used by scripts/test-s3-real.sh.
D=${CEPH_DIR:-/tmp/ceph-rgw}
for p in rgw osd mon; do [ -f "$D/$p.pid" ] && kill -TERM "$(cat $D/$p.pid)" 2>/dev/null; done
for p in rgw osd mon; do [ -f "$D/$p.pid" ] && while kill -0 "$(cat $D/$p.pid)" 2>/dev/null; do sleep 0.1; done; done
echo "ceph stopped"
