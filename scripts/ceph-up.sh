#!/bin/bash
# Copied from the shared recipe ../shared/upstreams/recipes/ceph-up.sh (not fetched code); used by scripts/test-s3-real.sh.
# Single-node throwaway Ceph (1 mon, 1 memstore OSD, no mgr, auth none) + RGW on 127.0.0.1. Prints env for S3 tests.
set -euo pipefail
D=${CEPH_DIR:-/tmp/ceph-rgw}
rm -rf "$D"; mkdir -p "$D"/{mon,osd0,rgw,log,run}
freeport() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'; }
FSID=$(python3 -c 'import uuid;print(uuid.uuid4())'); MONPORT=$(freeport); RGWPORT=$(freeport)
C="$D/ceph.conf"
cat > "$C" <<CONF
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$MONPORT
mon initial members = a
public network = 127.0.0.0/8
ms bind msgr2 = false
ms bind ipv4 = true
auth cluster required = none
auth service required = none
auth client required = none
keyring = $D/keyring
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
pid file = $D/run/\$name.pid
osd objectstore = memstore
memstore device bytes = 2147483648
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
mon data avail warn = 1
mon data avail crit = 0
osd check max object name len on startup = false
[mon.a]
mon data = $D/mon
[osd.0]
osd data = $D/osd0
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$RGWPORT
rgw data = $D/rgw
rgw dns name = 127.0.0.1
CONF
ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$D/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
monmaptool --create --fsid "$FSID" --addv a "[v1:127.0.0.1:$MONPORT]" "$D/monmap" >/dev/null
ceph-mon -c "$C" --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring"
ceph-mon -c "$C" -i a -f > "$D/log/mon.out" 2>&1 & echo $! > "$D/mon.pid"
for i in $(seq 100); do ceph -c "$C" --connect-timeout 2 mon stat >/dev/null 2>&1 && break; sleep 0.2; done
OSDUUID=$(python3 -c 'import uuid;print(uuid.uuid4())')
OSDID=$(ceph -c "$C" osd new "$OSDUUID")
ceph-osd -c "$C" -i "$OSDID" --mkfs --osd-uuid "$OSDUUID" > "$D/log/osd-mkfs.out" 2>&1
# stockroom change to the recipe: Pacific's OSD can send its first mon command before it knows the
# cluster fsid (the mon logs "handle_command on fsid 00000000-… != …", the OSD "'wrong fsid'") and
# then never comes up. Seen in about 1 start of 5 here; starting the OSD again gets past it.
start_osd() { ceph-osd -c "$C" -i "$OSDID" -f > "$D/log/osd.out" 2>&1 & echo $! > "$D/osd.pid"; }
start_osd
for try in 1 2 3 4; do
  up=0
  for i in $(seq 150); do
    if ceph -c "$C" osd stat 2>/dev/null | grep -q "1 up"; then up=1; break; fi
    grep -q "wrong fsid" "$D/log/osd.$OSDID.log" 2>/dev/null && break
    sleep 0.2
  done
  [ "$up" = 1 ] && break
  echo "ceph-up: osd.$OSDID did not come up (try $try); starting it again" >&2
  kill -TERM "$(cat "$D/osd.pid")" 2>/dev/null || true
  while kill -0 "$(cat "$D/osd.pid")" 2>/dev/null; do sleep 0.1; done
  mv "$D/log/osd.$OSDID.log" "$D/log/osd.$OSDID.try$try.log" 2>/dev/null || true
  start_osd
done
radosgw -c "$C" -n client.rgw -f > "$D/log/rgw.out" 2>&1 & echo $! > "$D/rgw.pid"
for i in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$RGWPORT/" && break; sleep 0.2; done
radosgw-admin -c "$C" -n client.admin user create --uid=test --display-name=test --access-key=TESTACCESSKEY --secret=TESTSECRETKEY >/dev/null
echo "RGW_ENDPOINT=http://127.0.0.1:$RGWPORT MON=127.0.0.1:$MONPORT PIDS=$(cat $D/mon.pid) $(cat $D/osd.pid) $(cat $D/rgw.pid)"
