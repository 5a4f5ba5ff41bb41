#!/usr/bin/env python3
"""
Independent derivation of the expected equity-curve metrics and cash flows for the recorded
fixtures in test/fixtures/hyperliquid, in decimal.Decimal (60 significant digits) end to end:
returns are chained in Decimal too, where functions/domain/metrics/equity.ts uses JS numbers.

Run: python3 test/unit/metrics/derive_equity.py
The numbers it prints are pasted into equity.test.ts and flows.test.ts.

Rules (the same spec as functions/domain/metrics/{equity,flows}.ts, implemented separately):
- samples in [from, to) sorted by time; here the window is the whole period: [first t, last t + 1);
- sub-period i: F_i = sum of flows with t_(i-1) < time <= t_i; skipped when V_(i-1) <= 0;
  r_i = max(-1, (V_i - F_i - V_(i-1)) / V_(i-1));
- roi = prod(1 + r_i) - 1; drawdown on the index I_0 = 1, I_i = I_(i-1) * (1 + r_i):
  max over i of (running peak - I_i) / running peak;
- sharpe: r_i chained per UTC day of t_i (floor(t_i / 86400000)); with >= 7 daily returns,
  mean / sample stdev (n - 1) * sqrt(365); None below 7 or with stdev < 1e-12;
- flows (only the delta types present in the ledger fixture are needed): deposit +usdc;
  accountClassTransfer +usdc if toPerp else -usdc; spotTransfer is not a perp flow.

Transformation for (b), shared with equity.test.ts: the ledger fixture belongs to another account
(0x2ba5...), so its flows keep their amounts and order and are shifted in time by
SHIFT = perpAllTime[45].time - first ledger time, which puts the first flow (the deposit) exactly on
sample 45 and the other three between samples 46 and 47: inside the curve's largest drawdown (peak at
sample 41, trough at 49), so that the flows change the drawdown as well as the ROI.
"""
import json
import os
from decimal import Decimal as D, getcontext

getcontext().prec = 60

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "../../fixtures/hyperliquid")


def load(name):
    with open(os.path.join(FIXTURE, name)) as f:
        return json.load(f)


DAY = 86400000


def metrics(points, flows):
    points = sorted(points, key=lambda p: p[0])
    if len(points) < 2:
        return None, None, None
    index, peak, dd = D(1), D(1), D(0)
    by_day = {}
    measured = 0
    for (t0, v0), (t1, v1) in zip(points, points[1:]):
        v0, v1 = D(v0), D(v1)
        if v0 <= 0:
            continue
        f = sum((D(a) for (t, a) in flows if t0 < t <= t1), D(0))
        r = max(D(-1), (v1 - f - v0) / v0)
        measured += 1
        index *= 1 + r
        peak = max(peak, index)
        dd = max(dd, (peak - index) / peak)
        day = t1 // DAY
        by_day[day] = by_day.get(day, D(1)) * (1 + r)
    if measured == 0:
        return None, None, None
    daily = [g - 1 for g in by_day.values()]
    sharpe = None
    if len(daily) >= 7:
        n = len(daily)
        mean = sum(daily, D(0)) / n
        sd = (sum(((x - mean) ** 2 for x in daily), D(0)) / (n - 1)).sqrt()
        if sd >= D("1e-12"):
            sharpe = mean / sd * D(365).sqrt()
    return dd, index - 1, sharpe


def fmt(x):
    # Canonical decimal string, as decStr prints it: no exponent, no trailing zeros ("-12.0" -> "-12").
    return format(x.normalize(), "f")


def show(x):
    # 17 significant digits: more than a double holds, so the pasted value is not the limit.
    return "null" if x is None else "%.17g" % x


portfolio = dict(load("portfolio.recorded.json")["response"])
ledger = load("userNonFundingLedgerUpdates.recorded.json")
owner = ledger["request"]["user"].lower()

print("(a) no flows, window = whole period")
for name in ("perpDay", "perpWeek", "perpMonth", "perpAllTime"):
    pts = portfolio[name]["accountValueHistory"]
    days = len({t // DAY for t, _ in pts[1:]})
    dd, roi, sharpe = metrics(pts, [])
    print(f"  {name}: samples={len(pts)} days_with_a_return_end={days}")
    print(f"    max_drawdown={show(dd)} roi={show(roi)} sharpe={show(sharpe)}")

# Telescoping check: without flows, prod(V_i / V_(i-1)) over the measured sub-periods is
# V_last / V_first_positive; perpAllTime starts at 0.0, so its roi is V_71 / V_1 - 1.
pat = portfolio["perpAllTime"]["accountValueHistory"]
print("  check perpAllTime roi = V_last / V_1 - 1 =", show(D(pat[-1][1]) / D(pat[1][1]) - 1))

print("(c) cash flows of the ledger fixture for", owner)
flows = []
for e in ledger["response"]:
    d = e["delta"]
    k = d["type"]
    if k == "deposit":
        amt = D(d["usdc"])
    elif k == "accountClassTransfer":
        amt = D(d["usdc"]) if d["toPerp"] else -D(d["usdc"])
    elif k == "spotTransfer":
        continue
    else:
        raise SystemExit(f"unexpected delta type {k}: extend this script")
    flows.append((e["time"], amt, k))
flows.sort(key=lambda f: f[0])
for t, amt, k in flows:
    print(f"  {t} {k} {fmt(amt)}")

print("(b) perpAllTime with the ledger's flows shifted")
shift = pat[45][0] - flows[0][0]
shifted = [(t + shift, amt) for t, amt, _ in flows]
print("  shift =", shift, "times =", [t for t, _ in shifted])
for t, _ in shifted:
    after = next(i for i, (pt, _) in enumerate(pat) if pt >= t)
    print(f"    flow at {t} ends in sub-period ending at sample {after} (exact: {pat[after][0] == t})")
dd, roi, sharpe = metrics(pat, shifted)
print(f"  max_drawdown={show(dd)} roi={show(roi)} sharpe={show(sharpe)}")
