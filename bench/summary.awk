# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# bench/run.sh's table for one setup. Input files (tab-separated, each with a
# header line): the variant names in table order; the skipped variants
# (name, reason); the measurements (build/bench/last-run.tsv, in run order).
#   awk -F'\t' -v setup=pinned -v maxdiff=0.10 -v hz=100 -f summary.awk NAMES SKIPS TSV
#
# A traced run's ratio is its rate over the mean of the untraced runs just
# before and just after it (in this setup); a pair whose two untraced rates
# differ by more than maxdiff (larger / smaller - 1) is dropped.

function median(a, n,   i, j, t) {
	if (n == 0)
		return ""
	sort(a, n)
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

function sort(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) {
		t = a[i]
		for (j = i - 1; j >= 1 && a[j] > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
}

function num(x) { return x == "-" || x == "" ? 0 : x }

FNR == 1 { file++; next }
file == 1 { names[++nv] = $1; next }
file == 2 { skip[$1] = $2; next }
$2 == setup {
	m++
	var[m] = $4; kind[m] = $5; rate[m] = $6; conns[m] = $7
	written[m] = $8; expected[m] = $13; lost[m] = $14; miss[m] = $15
	ticks[m] = $16; ns[m] = $17; start[m] = $18; hwm[m] = $19; rss[m] = $20
}

# Per variant: ratios of kept pairs, sums and lists over all its runs.
function collect(   i, p, q, v, a, b, hi, lo) {
	for (i = 1; i <= m; i++) {
		if (kind[i] == "untraced") {
			base[++nb] = rate[i]
			continue
		}
		v = var[i]
		runs[v]++
		for (p = i - 1; p >= 1 && kind[p] != "untraced"; p--) ;
		for (q = i + 1; q <= m && kind[q] != "untraced"; q++) ;
		if (p < 1 || q > m) {
			dropped[v]++
		} else {
			a = rate[p]; b = rate[q]
			hi = a > b ? a : b; lo = a > b ? b : a
			if (lo <= 0 || hi / lo - 1 > maxdiff)
				dropped[v]++
			else
				ratio[v, ++kept[v]] = rate[i] / ((a + b) / 2)
		}
		sconns[v] += conns[i]; swritten[v] += written[i]; sexpected[v] += expected[i]
		slost[v] += lost[i]; smiss[v] += miss[i]; sticks[v] += ticks[i]
		if (ns[i] != "-") { sns[v] += ns[i]; hasns[v] = 1 }
		perconn[v] = expected[i] / conns[i]
		startl[v, runs[v]] = start[i]; hwml[v, runs[v]] = hwm[i]; rssl[v, runs[v]] = rss[i]
	}
}

# list[v, 1..n] into tmp[1..n]
function pick(list, v, n,   i) {
	delete tmp
	for (i = 1; i <= n; i++)
		tmp[i] = list[v, i]
}

function row(v,   k, rt, ev, mib, b) {
	if (!(v in runs)) {
		printf "%-23s skipped: %s\n", v, (v in skip) ? skip[v] : "no measurement"
		return
	}
	k = kept[v] + 0
	pick(ratio, v, k)
	rt = k ? sprintf("%.3f (%.3f-%.3f)", median(tmp, k), tmp[1], tmp[k]) : "n/a (no kept pair)"
	ev = sprintf("%.4f/%d", swritten[v] / sconns[v], perconn[v])
	pick(startl, v, runs[v]); st = median(tmp, runs[v])
	pick(hwml, v, runs[v]); h = median(tmp, runs[v])
	pick(rssl, v, runs[v]); r = median(tmp, runs[v])
	printf fmt, v, sprintf("%d/%d", k, dropped[v] + 0), rt, ev, sexpected[v] - swritten[v],
		slost[v], smiss[v], sprintf("%.2f", sticks[v] / hz * 1e6 / sconns[v]),
		hasns[v] ? sprintf("%.0f", sns[v] / sconns[v]) : "-", sprintf("%.0f", st),
		sprintf("%.1f/%.1f", h / 1024, r / 1024)
}

END {
	collect()
	fmt = "%-23s %-7s %-21s %-12s %8s %6s %7s %7s %7s %6s %11s\n"
	title["pinned"] = "pinned: 1 connection at a time, load and tracer on one CPU"
	title["spread"] = "spread: 2 connections at a time, one per CPU, tracer unpinned"
	printf "## %s\n", (setup in title) ? title[setup] : setup
	printf fmt, "variant", "pairs", "ratio to untraced", "events/conn", "missing", "lost", "skipped", "cpu us", "bpf ns", "start", "RSS MiB"
	printf fmt, "", "kept/dr", "median (min-max)", "written/exp", "", "", "runs", "/conn", "/conn", "ms", "peak/steady"
	b = median(base, nb)
	printf fmt, "untraced", nb " runs", sprintf("1 = %.0f conn/s", b), "-", "-", "-", "-", "-", "-", "-", "-"
	for (i = 1; i <= nv; i++)
		row(names[i])
}
