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
# detail is worked out only on a failure (it can be dear over 10000 events).
def check($cond; $m; detail): if $cond then ok($m) else fail("\($m) (\(detail))") end;

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
# src is the socket's own end on all three types: connect, accept, close.
| ([$con[], $acc[]] | map({key: (.sock_id | tostring), value: [.src.port, .dst.port]})
   | from_entries) as $opened
| check($n == $f.n; "tcpstorm made all \($f.n) connections"; "made \($n)"),
  check(($con | length) == $n; "exactly \($n) connects"; "got \($con | length)"),
  check(($acc | length) == $n; "exactly \($n) accepts"; "got \($acc | length)"),
  check(($clo | length) == 2 * $n; "exactly \(2 * $n) closes"; "got \($clo | length)"),
  ([$con[] | select(.error != "")] as $bad
   | check($bad == []; "every connect established (error \"\")";
           "\($bad | length) not: \($bad[:3] | map(.error) | join(", "))")),
  check(($con | map(.sock_id) | sort) == ($cino | sort);
        "the connects' sock_ids are the client sockets' inodes, each once";
        diff_counts($con | map(.sock_id); $cino)
        | "\(.missing) inodes without a connect, \(.extra) connects with another sock_id"),
  check(($acc | map(.sock_id) | sort) == ($sino | sort);
        "the accepts' sock_ids are the accepted sockets' inodes, each once";
        diff_counts($acc | map(.sock_id); $sino)
        | "\(.missing) inodes without an accept, \(.extra) accepts with another sock_id"),
  check(($clo | map(.sock_id) | sort) == ($cino + $sino | sort);
        "the closes' sock_ids are all \(2 * $n) sockets' inodes, each once";
        diff_counts($clo | map(.sock_id); $cino + $sino)
        | "\(.missing) inodes without a close, \(.extra) closes with another sock_id"),
  (([$con[], $acc[]] | map(.sock_id)) as $ids
   | check(($ids | unique | length) == ($ids | length);
           "no sock_id on two sockets (connects and accepts)";
           "\(($ids | length) - ($ids | unique | length)) reused")),
  ([$con[] | select($cport[.sock_id | tostring] != .src.port)] as $bad
   | check($bad == []; "each connect's sock_id is the inode of the socket on its source port";
           "\($bad | length) are not")),
  ([$clo[] | select($opened[.sock_id | tostring] != [.src.port, .dst.port])] as $bad
   | check($bad == []; "each close joins by sock_id the connect or accept of its socket (same source and destination)";
           "\($bad | length) do not, e.g. \($bad[:2] | map({sock_id, src: .src.port, dst: .dst.port}) | tojson)"))
