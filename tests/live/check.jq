# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The live suite's judge: compares tcptrace's JSON events with the facts
# tcpcase printed. run.sh calls it as
#
#   jq -n -r --arg mode MODE --arg prefix "[backend run]" --arg fields FIELDS \
#      --slurpfile cases CASES --slurpfile events EVENTS -f check.jq
#
# CASES holds one {label, filter, facts} per tcpcase run, EVENTS the valid
# JSON lines of one tcptrace run, FIELDS what `tcptrace --list-fields`
# printed (path, kind, column per line). MODE:
#   check    one "ok - ..." / "FAIL - ..." line per check, "#" lines of detail
#   missing  how many expected events have not arrived yet (a number)
#   schema   one line per event whose fields are not the listed ones, and
#            per loss record ("type":"lost") not of the documented shape
#   fields   one line per event without the precision fields, typed
#
# The expected events follow from the facts, by the contract:
#   connect  by whoever called connect(), tid of the calling thread, fd =
#            the connecting fd, src = its local end, dst = the remote end,
#            error = how the handshake ended, accept_fd = -1;
#   accept   by the accepting process, fd = the listening fd, accept_fd =
#            the returned fd, src = the accepted socket's local end (the
#            listening port), dst = the peer;
#   close    one per socket whose connection was established, by whoever
#            dropped the last reference, fd = accept_fd = -1: also when
#            the socket was already in CLOSE at that time (reset by the
#            peer, or taken over by TIME_WAIT after a half-close), never
#            twice (a lingering close() that sleeps while the state moves
#            on), never from softirq's current task (ksoftirqd, swapper);
#   no accept for a connection nobody accepted (refused, self-connect);
#   IPv4-mapped addresses (::ffff:a.b.c.d) are reported as version 4.
# A filter (-p, -m, --connect-only...) keeps some of them; the others,
# and anything else from the case's processes or on its connections,
# must be absent.

def ok($m): "ok - \($prefix) \($m)";
def fail($m): "FAIL - \($prefix) \($m)";
def check($cond; $m; $detail): if $cond then ok($m) else fail("\($m) (\($detail))") end;

# Seconds since the epoch of an event, or null if the stamp is malformed.
def ts:
  [.timestamp | strings
   | capture("^(?<s>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(?<f>\\.[0-9]{1,9})?Z$")
   | (.s + "Z" | fromdateiso8601) + ("0" + (.f // "") | tonumber)][0];

def norm:
  if .version == 6 and (.addr | test("^::ffff:[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$"))
  then {addr: (.addr | ltrimstr("::ffff:")), port, version: 4}
  else {addr, port, version} end;

def proc_want($f; $role; $tid):
  $f.procs[$role] as $p
  | {"proc.pid": $p.pid, "proc.tid": $tid, "proc.comm": $p.comm,
     "proc.parent.pid": $p.ppid, "proc.parent.comm": $p.pcomm,
     "proc.creds.uid": $p.uid, "proc.creds.gid": $p.gid,
     "proc.mntns_id": $p.mntns, "netns_id": $p.netns};

# A port of 0 in the facts means the kernel did not tell: any but 0 then.
def ep_want($side; $ep):
  ($ep | norm) as $n
  | {($side + ".addr"): $n.addr,
     ($side + ".port"): (if $n.port == 0 then {above: 0} else $n.port end),
     ($side + ".version"): $n.version, ($side + ".proto"): "TCP"};

# Exactly as the facts say, port 0 too (a connect() that failed at once).
def ep_exact($side; $ep):
  ($ep | norm) as $n
  | {($side + ".addr"): $n.addr, ($side + ".port"): $n.port,
     ($side + ".version"): $n.version, ($side + ".proto"): "TCP"};

# ---- the precision fields (issue 7) ----
#
# sock_id      the socket's inode (tcpcase: fstat of the fd), the same on a
#              socket's connect or accept and on its close;
# ipv4_mapped  an AF_INET6 socket (version 6 in the facts) with an IPv4
#              peer (::ffff:a.b.c.d);
# connect      latency_ns within what the facts allow: connect() entered in
#              [t_called, t_entered], the handshake over in [hs_after,
#              hs_before] (tcpcase works out latency_min/max; a SYN
#              retransmitted means an initial RTO of 1 s went by), and > 0;
#              syn_retrans as tcp_info's tcpi_total_retrans at the end of
#              the handshake (null: not known, any then);
# close        duration_ns from ESTABLISHED (in [t_called, hs_before] for
#              the client, [t_called, accept's return] for the server) to
#              the close, > 0; bytes_sent, bytes_received, retransmits and
#              srtt_us equal tcp_info's tcpi_bytes_acked, tcpi_bytes_received,
#              tcpi_total_retrans and tcpi_rtt read just before the close
#              (when tcpcase let the socket settle first: nothing unacked;
#              otherwise bounded); closed_by "reset" when a RST ended it
#              before or at this close (sent: linger 0 or unread data;
#              received: the peer's close sent one), else "local" for the
#              side that sent the first FIN (close or shutdown), "peer"
#              for the other;
# and each type carries the others' fields as 0 / "".

# Slack of the bounds: the facts' windows are differences of CLOCK_REALTIME,
# the fields differences of the kernel's CLOCK_MONOTONIC, both slewed alike
# (a settimeofday() in between aside): 100 us and 0.1% are plenty.
def slack_ns($s): 100000 + $s * 1e9 * 0.001;

def is_mapped($local; $remote):
  $local.version == 6
  and ($remote.addr | test("^::ffff:[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$"));

def range_ns($lo; $hi):
  ($lo * 1e9 - slack_ns($lo)) as $min
  | {above: 0, max: ($hi * 1e9 + slack_ns($hi) | floor)}
    + (if $min > 0 then {min: ($min | floor)} else {} end);

def no_connect_fields: {latency_ns: 0, syn_retrans: 0};
def no_close_fields:
  {duration_ns: 0, bytes_sent: 0, bytes_received: 0, retransmits: 0, srtt_us: 0,
   closed_by: ""};

def connect_prec($c):
  {sock_id: $c.ino, ipv4_mapped: is_mapped($c.local; $c.remote),
   latency_ns: range_ns($c.latency_min; $c.latency_max),
   syn_retrans: ($c.syn_retrans // {min: 0})}
  + no_close_fields;

def accept_prec($c):
  {sock_id: $c.accept.ino, ipv4_mapped: is_mapped($c.accept.local; $c.accept.peer)}
  + no_connect_fields + no_close_fields;

def closed_by($c; $nth):
  $c.closes[$nth] as $me
  | if $me.rst or any($c.closes[:$nth][]; .rst) then "reset"
    elif $c.first_fin == $me.side then "local"
    else "peer" end;

def close_prec($c; $nth):
  $c.closes[$nth] as $cl | $cl.info as $i
  | (if $cl.side == "client"
     then {ino: $c.ino, l: $c.local, r: $c.remote, est: [$c.t_called, $c.hs_before]}
     else {ino: $c.accept.ino, l: $c.accept.local, r: $c.accept.peer,
           est: [$c.t_called, $c.accept.t_returned]} end) as $s
  | {sock_id: $s.ino, ipv4_mapped: is_mapped($s.l; $s.r),
     duration_ns: range_ns($cl.t_min - $s.est[1]; $cl.t - $s.est[0]),
     closed_by: closed_by($c; $nth)}
  + (if $i.settled
     then {bytes_sent: $i.bytes_acked, bytes_received: $i.bytes_received,
           retransmits: $i.total_retrans, srtt_us: $i.rtt}
     # SYN and FIN take a sequence number each: tcp_info counts them.
     else {bytes_sent: {min: $i.bytes_acked, max: ($cl.data_sent + 2)},
           bytes_received: {min: $i.bytes_received, max: ($cl.data_received + 1)},
           retransmits: {min: $i.total_retrans}, srtt_us: {above: 0}} end)
  + no_connect_fields;

def expected($f):
  [$f.conns[] as $c
   | (if ($f.conns | length) > 1 then " [\($c.label)]" else "" end) as $tag
   | ({what: "connect\($tag)", type: "connect", by: $c.client, conn: $c, sync: $c.sync,
       src: ($c.local | norm), dst: ($c.remote | norm),
       want: (proc_want($f; $c.client; $c.tid)
              + {fd: $c.fd, accept_fd: -1, error: $c.error}
              + (if $c.sync then ep_exact("src"; $c.local) else ep_want("src"; $c.local) end)
              + ep_want("dst"; $c.remote) + connect_prec($c))},
      ($c.accept // empty
       | {what: "\(.call)\($tag)", type: "accept", by: .by, conn: $c,
          src: (.local | norm), dst: (.peer | norm),
          want: (proc_want($f; .by; .tid)
                 + {fd: .fd, accept_fd: .accept_fd, error: ""}
                 + ep_want("src"; .local) + ep_want("dst"; .peer) + accept_prec($c))}),
      ($c.closes | to_entries[] | .key as $nth | .value
       | (if .side == "client" then [$c.local, $c.remote]
          else [$c.accept.local, $c.accept.peer] end) as [$l, $r]
       | {what: "close of the \(.side) socket by tc-\(.by)\($tag)",
          type: "close", by: .by, conn: $c, nth: $nth,
          src: ($l | norm), dst: ($r | norm),
          want: (proc_want($f; .by; .tid) + {fd: -1, accept_fd: -1, error: ""}
                 + ep_want("src"; $l) + ep_want("dst"; $r) + close_prec($c; $nth))}))];

def kept($case):
  . as $e
  | ($case.filter // {}) as $flt
  | ($flt.none != true)
    and ($flt.types == null or any($flt.types[]; . == $e.type))
    and ($flt.failures != true or ($e.type == "connect" and $e.want.error != ""))
    and ($flt.pids == null or any($flt.pids[]; . == $case.facts.procs[$e.by].pid));

def matches($e):
  .type == $e.type and .dst.port == $e.dst.port
  and (if $e.sync then .src.port == $e.src.port   # port 0: nothing was bound
       else $e.src.port == 0 or .src.port == $e.src.port end);

# The case's events: from its processes, or on one of its connections.
def case_events($f):
  ([$f.procs[].pid, $f.tcpcase.pid]) as $pids
  | ([$f.conns[] | [.local.port, .remote.port] | sort]) as $pairs
  | [$events[]
     | select((.proc.pid as $p | any($pids[]; . == $p))
              or (([.src.port, .dst.port] | sort) as $pp | any($pairs[]; . == $pp)))];

# Other events that touch one of the case's ports: shown when it fails.
def near_events($f; $sel):
  ([$f.listener.local.port // empty, ($f.conns[] | .local.port, .remote.port)]
   | map(select(. > 0)) | unique) as $ports
  | [$events[] | select(. as $ev | any($sel[]; . == $ev) | not)
     | select(.src.port as $s | .dst.port as $d
              | any($ports[]; . == $s or . == $d))];

def groups:
  [{name: "pid tid comm", keys: ["proc.pid", "proc.tid", "proc.comm"]},
   {name: "parent creds mntns netns",
    keys: ["proc.parent.pid", "proc.parent.comm", "proc.creds.uid",
           "proc.creds.gid", "proc.mntns_id", "netns_id"]},
   {name: "fd accept_fd", keys: ["fd", "accept_fd"]},
   {name: "src", keys: ["src.addr", "src.port", "src.version", "src.proto"]},
   {name: "dst", keys: ["dst.addr", "dst.port", "dst.version", "dst.proto"]},
   {name: "error", keys: ["error"]},
   {name: "sock_id", keys: ["sock_id"]},
   {name: "ipv4_mapped", keys: ["ipv4_mapped"]},
   {name: "latency_ns", keys: ["latency_ns"]},
   {name: "syn_retrans", keys: ["syn_retrans"]},
   {name: "duration_ns", keys: ["duration_ns"]},
   {name: "bytes_sent bytes_received", keys: ["bytes_sent", "bytes_received"]},
   {name: "retransmits srtt_us", keys: ["retransmits", "srtt_us"]},
   {name: "closed_by", keys: ["closed_by"]}];

# A wanted value: a plain value, or a number's bounds {above, min, max}.
def want_ok($w; $got):
  if ($w | type) == "object"
  then ($got | type) == "number"
       and ($w.above == null or $got > $w.above)
       and ($w.min == null or $got >= $w.min)
       and ($w.max == null or $got <= $w.max)
  else $got == $w end;

def want_str($w):
  if ($w | type) == "object"
  then [(if $w.above != null then "> \($w.above)" else empty end),
        (if $w.min != null then ">= \($w.min)" else empty end),
        (if $w.max != null then "<= \($w.max)" else empty end)] | join(" and ")
  else $w | tojson end;

def field_checks($name; $e; $ev):
  groups[] as $g
  | [$g.keys[] as $k | select($e.want | has($k))
     | $e.want[$k] as $w | ($ev | getpath($k | split("."))) as $got
     | select(want_ok($w; $got) | not)
     | "\($k) expected \(want_str($w)), got \($got | tojson)"]
  | check(. == []; "\($name): \($g.name)"; join("; "));

# Stamped within the case (generous: the tracer converts its clock), and a
# late handshake's connect at its end, not when connect() returned.
def time_checks($name; $e; $ev; $f):
  ($ev | ts) as $t
  | check($t != null and $t >= $f.t_start - 2 and $t <= $f.t_end + 2;
          "\($name): timestamp within the case";
          "got \($ev.timestamp | tojson), case ran \($f.t_start) .. \($f.t_end)"),
    ($e.conn as $c
     | select($e.type == "connect" and $c.t_done - $c.t_returned >= 0.5)
     | ($c.t_returned + ($c.t_done - $c.t_returned) / 2) as $mid
     | check($t != null and $t >= $mid;
             "\($name): stamped when the handshake ended (\($c.t_done - $c.t_returned | . * 1000 | floor) ms after connect() returned)";
             "stamped \(($t // 0) - $c.t_returned) s after connect() returned"));

# A close's byte counts against the data the case wrote each way (tcp_info
# adds a sequence number for each SYN and FIN, so up to 2 and 1 more).
def data_checks($name; $e; $ev):
  select($e.type == "close")
  | $e.conn.closes[$e.nth] as $cl
  | select($cl.info.settled)
  | check(($ev.bytes_sent | type) == "number" and ($ev.bytes_received | type) == "number"
          and $ev.bytes_sent >= $cl.data_sent and $ev.bytes_sent <= $cl.data_sent + 2
          and $ev.bytes_received >= $cl.data_received
          and $ev.bytes_received <= $cl.data_received + 1;
          "\($name): bytes_sent, bytes_received count the \($cl.data_sent) and \($cl.data_received) bytes of data sent and received";
          "got \($ev.bytes_sent | tojson) and \($ev.bytes_received | tojson)");

def event_checks($case; $sel):
  $case.facts as $f
  | expected($f)[] as $e
  | "\($case.label): \($e.what)" as $name
  | [$sel[] | select(matches($e))] as $m
  | if ($e | kept($case)) | not then
      check($m == []; "\($name): none (filtered out)"; "got \($m | length)")
    elif ($m | length) != 1 then
      fail("\($name): expected exactly 1 event, got \($m | length)")
    else
      ok("\($name): exactly 1 event"),
      field_checks($name; $e; $m[0]),
      data_checks($name; $e; $m[0]),
      time_checks($name; $e; $m[0]; $f)
    end;

# The closes of one connection arrive in the order the facts give.
def order_checks($case; $sel):
  ($case.facts.conns[] | select((.closes | length) == 2)) as $c
  | [expected($case.facts)[] | select(.type == "close" and .conn == $c)] as $cl
  | [$cl[] as $e | [$sel[] | select(matches($e))]] as $m
  | select(all($cl[]; kept($case)) and all($m[]; length == 1))
  | ($m | map(.[0] | ts)) as $t
  | check($t[0] != null and $t[1] != null and $t[0] < $t[1];
          "\($case.label): \($cl[0].what | sub("^close of the "; "")) closed before \($cl[1].what | sub("^close of the "; ""))";
          "timestamps \($m[0][0].timestamp) and \($m[1][0].timestamp)");

# A connection nobody accepted (refused, or a socket connected to itself)
# has no accept event on its ports, from anyone.
def no_accept_checks($case; $sel):
  $case.facts.conns[] as $c
  | select($c.accept == null)
  | (if ($case.facts.conns | length) > 1 then " [\($c.label)]" else "" end) as $tag
  | ([$c.local.port, $c.remote.port] | sort) as $pp
  | [$sel[] | select(.type == "accept" and ([.src.port, .dst.port] | sort) == $pp)] as $m
  | check($m == []; "\($case.label): no accept\($tag) (nobody accepted)";
          "got \($m | length), by \($m | map(.proc.comm) | join(", "))");

# A case that makes no TCP connection (connect() on UDP, unix, raw
# sockets) gives no event at all.
def silent_checks($case; $sel):
  select($case.facts.conns == [])
  | check($sel == []; "\($case.label): no event at all from its processes (no TCP connection made)";
          "\($sel | length): \($sel | map(.type + " " + .error + " by " + .proc.comm) | join(", "))");

def leftover_checks($case; $sel):
  expected($case.facts) as $exp
  | [$sel[] | . as $ev | select(any($exp[]; . as $e | $ev | matches($e)) | not)] as $extra
  | check($extra == []; "\($case.label): no other events from its processes or on its connections";
          "\($extra | length) more: \($extra | map(.type + " by " + .proc.comm) | join(", "))");

def case_checks($case):
  case_events($case.facts) as $sel
  | [event_checks($case; $sel), order_checks($case; $sel),
     no_accept_checks($case; $sel), silent_checks($case; $sel),
     leftover_checks($case; $sel)] as $lines
  | $lines[],
    (select(any($lines[]; startswith("FAIL")))
     | "#   \($case.label): tcpcase facts: \($case.facts | tojson)",
       "#   \($case.label): its events (\($sel | length)):",
       ($sel[] | "#     \(tojson)"),
       (near_events($case.facts; $sel) | select(length > 0)
        | "#   \($case.label): other events on its ports:", (.[] | "#     \(tojson)")));

def missing:
  [$cases[] as $case | case_events($case.facts) as $sel
   | expected($case.facts)[] | select(kept($case)) | . as $e
   | select(any($sel[]; matches($e)) | not)] | length;

def ep_ok: type == "object" and (.addr | type) == "string" and (.port | type) == "number"
  and (.version == 4 or .version == 6) and .proto == "TCP";

# The listed fields: [{path: ["proc", "pid"], kind: "uint"}], from --list-fields.
def listed:
  [$fields | split("\n")[] | select(test("\\S")) | [splits(" +")]
   | {path: (.[0] | split(".")), kind: .[1]}];

# What each kind is in JSON; a kind this file does not know fails every event.
def kind_ok($kind):
  if $kind == "time" or $kind == "string" or $kind == "addr" or $kind == "errno"
  then type == "string"
  elif $kind == "uint" then type == "number" and . >= 0 and . == floor
  elif $kind == "port" then type == "number" and . >= 0 and . <= 65535 and . == floor
  elif $kind == "int" then type == "number" and . == floor
  elif $kind == "bool" then type == "boolean"
  else false end;

# Every listed path there with its kind's type, and nothing else; then the
# rules of some values.
def schema_ok:
  . as $e
  | listed as $l
  | type == "object" and ($l | length) > 0
  and all($l[]; . as $f | $e | getpath($f.path) | kind_ok($f.kind))
  and ([paths | map(tostring) | join(".")] | unique)
      == ([$l[].path | . as $p | range(1; length + 1) | $p[:.] | join(".")] | unique)
  and (ts != null)
  and (.type == "connect" or .type == "accept" or .type == "close")
  and (.src | ep_ok) and (.dst | ep_ok) and (.src.version == .dst.version);

# The loss record (README, JSON): cumulative counts, in band among the events.
def count_ok: type == "number" and . >= 0 and . == floor;
def lost_ok:
  type == "object"
  and ([paths | map(tostring) | join(".")] | sort)
      == ["kernel_skipped_runs", "lost", "lost.malformed", "lost.output", "lost.transport",
          "timestamp", "type"]
  and (ts != null)
  and (.lost | [.transport, .output, .malformed] | all(count_ok))
  and (.kernel_skipped_runs | count_ok);

# The precision fields, on every event, of their types (issue 7).
def prec_fields_ok:
  (.sock_id | type) == "number" and (.ipv4_mapped | type) == "boolean"
  and all(.latency_ns, .syn_retrans, .duration_ns, .bytes_sent, .bytes_received,
          .retransmits, .srtt_us; type == "number" and . >= 0)
  and (.closed_by as $b | ["", "local", "peer", "reset"] | index([$b]) != null)
  and (.type == "close" or .closed_by == "");

if $mode == "missing" then missing
elif $mode == "schema"
then $events[] | select(if .type == "lost" then lost_ok else schema_ok end | not) | tojson
elif $mode == "fields"
then [$events[] | select(.type != "lost") | select(prec_fields_ok | not)]
     | select(length > 0) | "\(length) events, such as:", (.[:5][] | tojson)
else $cases[] | case_checks(.)
end
