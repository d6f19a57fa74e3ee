# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The live suite's judge of a burst: tcpstorm burst N made N connections
# (connect, accept, close the accepted socket, close the connecting one)
# in one process under one tcptrace run. run.sh calls it as
#
#   jq -n -r --arg prefix "[backend run]" --slurpfile facts FACTS \
#      --slurpfile events EVENTS -f burst.jq
#
# FACTS: one line, {pid, port, n, done, conns: [[client port, client
# socket inode, server socket inode], ...]}. Every event of that process
# counts: exactly N connects, N accepts, 2N closes; the connects' sock_ids
# are the client sockets' inodes, the accepts' the server sockets', the
# closes' both, each exactly once; a close joins, by sock_id, the connect or
# accept of its socket (same ports); no sock_id is on two sockets.

def ok($m): "ok - \($prefix) \($m)";
def fail($m): "FAIL - \($prefix) \($m)";
def check($cond; $m; $detail): if $cond then ok($m) else fail("\($m) (\($detail))") end;

# Sorted a and b: how many of each are not in the other (as multisets).
def diff_counts($a; $b):
  ($a | group_by(.) | map({key: (.[0] | tostring), value: length}) | from_entries) as $ca
  | ($b | group_by(.) | map({key: (.[0] | tostring), value: length}) | from_entries) as $cb
  | {missing: ([$cb | to_entries[] | (.value - ($ca[.key] // 0)) | select(. > 0)] | add // 0),
     extra: ([$ca | to_entries[] | (.value - ($cb[.key] // 0)) | select(. > 0)] | add // 0)};

$facts[0] as $f
| ($f.conns | length) as $n
| [$events[] | select(.proc.pid == $f.pid)] as $sel
| [$sel[] | select(.type == "connect")] as $con
| [$sel[] | select(.type == "accept")] as $acc
| [$sel[] | select(.type == "close")] as $clo
| ($f.conns | map(.[1])) as $cino
| ($f.conns | map(.[2])) as $sino
| ($f.conns | map({key: (.[1] | tostring), value: .[0]}) | from_entries) as $cport
| ([$con[], $acc[]] | map({key: (.sock_id | tostring), value: ([.src.port, .dst.port] | sort)})
   | from_entries) as $opened
| check($n == $f.n; "tcpstorm made all \($f.n) connections"; "made \($n)"),
  check(($con | length) == $n; "exactly \($n) connects"; "got \($con | length)"),
  check(($acc | length) == $n; "exactly \($n) accepts"; "got \($acc | length)"),
  check(($clo | length) == 2 * $n; "exactly \(2 * $n) closes"; "got \($clo | length)"),
  ([$con[] | select(.error != "")] as $bad
   | check($bad == []; "every connect established (error \"\")";
           "\($bad | length) not: \($bad[:3] | map(.error) | join(", "))")),
  (diff_counts($con | map(.sock_id); $cino) as $d
   | check($d == {missing: 0, extra: 0};
           "the connects' sock_ids are the client sockets' inodes, each once";
           "\($d.missing) inodes without a connect, \($d.extra) connects with another sock_id")),
  (diff_counts($acc | map(.sock_id); $sino) as $d
   | check($d == {missing: 0, extra: 0};
           "the accepts' sock_ids are the accepted sockets' inodes, each once";
           "\($d.missing) inodes without an accept, \($d.extra) accepts with another sock_id")),
  (diff_counts($clo | map(.sock_id); $cino + $sino) as $d
   | check($d == {missing: 0, extra: 0};
           "the closes' sock_ids are all \(2 * $n) sockets' inodes, each once";
           "\($d.missing) inodes without a close, \($d.extra) closes with another sock_id")),
  (([$con[], $acc[]] | map(.sock_id)) as $ids
   | check(($ids | unique | length) == ($ids | length);
           "no sock_id on two sockets (connects and accepts)";
           "\(($ids | length) - ($ids | unique | length)) reused")),
  ([$con[] | select($cport[.sock_id | tostring] != .src.port)] as $bad
   | check($bad == []; "each connect's sock_id is the inode of the socket on its source port";
           "\($bad | length) are not")),
  ([$clo[] | select($opened[.sock_id | tostring] != ([.src.port, .dst.port] | sort))] as $bad
   | check($bad == []; "each close joins by sock_id the connect or accept of its connection (same ports)";
           "\($bad | length) do not, e.g. \($bad[:2] | map({sock_id, src: .src.port, dst: .dst.port}) | tojson)"))
