#!/usr/bin/env python3
"""
Independent derivation of the expected round trips and fill metrics for
test/fixtures/hyperliquid/userFills.recorded.json, with decimal.Decimal (no floats for money).

Run: python3 test/unit/metrics/derive_expected.py
The numbers it prints are pasted into recorded-fills.test.ts.

Rules (the same spec as functions/domain/metrics, implemented separately):
- perp fills only (coin not "@N", dir not Buy/Sell);
- oldest first; the file is newest first, but fills sharing a millisecond appear in the file in
  execution order (their startPosition chain proves it), so the order is (time, position in file);
- self-trade: same coin, time, hash, opposite sides, equal sz and startPosition -> one step, net 0;
- position starts at the first fill's startPosition; a later startPosition that differs from the
  running position is a gap: resync, flag the round trip missing_fills, split it if the sign changes;
- flip fill: fee split pro rata by size (closing share rounded half-up to 20 dp, as big.js divides),
  closedPnl all to the closing part;
- metrics window = every fill: [oldest time, newest time + 1).
"""
import json
import os
from decimal import Decimal as D, ROUND_HALF_UP, getcontext

getcontext().prec = 100

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "../../fixtures/hyperliquid")
fills = json.load(open(os.path.join(FIXTURE, "userFills.recorded.json")))["response"]

perp = [(i, f) for i, f in enumerate(fills) if not f["coin"].startswith("@") and f["dir"] not in ("Buy", "Sell")]
perp.sort(key=lambda t: (t[1]["time"], t[0]))
seq = [f for _, f in perp]


def sgn(x):
    return (x > 0) - (x < 0)


def signed(f):
    return D(f["sz"]) if f["side"] == "B" else -D(f["sz"])


steps, used = [], set()
for i, f in enumerate(seq):
    if i in used:
        continue
    used.add(i)
    mate = None
    j = i + 1
    while j < len(seq) and seq[j]["time"] == f["time"]:
        g = seq[j]
        if (j not in used and g["coin"] == f["coin"] and g["hash"] == f["hash"] and g["side"] != f["side"]
                and D(g["sz"]) == D(f["sz"]) and D(g["startPosition"]) == D(f["startPosition"])):
            mate = j
            break
        j += 1
    if mate is None:
        steps.append([f])
    else:
        used.add(mate)
        steps.append([f, seq[mate]])


def new_trip(coin, pos, t, partial):
    return dict(coin=coin, side="long" if pos > 0 else "short", opened=t, last=t, pnl=D(0), fee=D(0),
                vol=D(0), n=0, partial=partial, missing=False)


def put(trip, f, size, fee, pnl):
    trip["pnl"] += D(pnl)
    trip["fee"] += D(fee)
    trip["vol"] += D(f["px"]) * D(size)
    trip["n"] += 1
    trip["last"] = f["time"]


closed, state = [], {}
gaps = 0
for step in steps:
    f = step[0]
    c, start = f["coin"], D(f["startPosition"])
    if c not in state:
        state[c] = [start, new_trip(c, start, f["time"], True) if start != 0 else None]
    elif state[c][0] != start:
        gaps += 1
        if state[c][1]:
            state[c][1]["missing"] = True
        if sgn(state[c][0]) != sgn(start):
            if state[c][1]:
                closed.append((state[c][1], state[c][1]["last"]))
            state[c][1] = new_trip(c, start, f["time"], True) if start != 0 else None
        state[c][0] = start
    pos, trip = state[c]
    if len(step) == 2:
        if trip:
            for g in step:
                put(trip, g, g["sz"], g["fee"], g["closedPnl"])
        continue
    after = pos + signed(f)
    state[c][0] = after
    if pos == 0:
        trip = new_trip(c, after, f["time"], False)
        put(trip, f, f["sz"], f["fee"], f["closedPnl"])
        state[c][1] = trip
    elif after == 0 or sgn(after) == sgn(pos):
        put(trip, f, f["sz"], f["fee"], f["closedPnl"])
        if after == 0:
            closed.append((trip, f["time"]))
            state[c][1] = None
    else:
        close_sz = abs(pos)
        close_fee = (D(f["fee"]) * close_sz / D(f["sz"])).quantize(D("1e-20"), rounding=ROUND_HALF_UP)
        put(trip, f, close_sz, close_fee, f["closedPnl"])
        closed.append((trip, f["time"]))
        nt = new_trip(c, after, f["time"], False)
        put(nt, f, D(f["sz"]) - close_sz, D(f["fee"]) - close_fee, 0)
        state[c][1] = nt

opens = [s[1] for s in state.values() if s[1]]
counted = [(t, at) for t, at in closed if not t["partial"] and not t["missing"]]
pnls = [t["pnl"] - t["fee"] for t, _ in counted]
wins = [p for p in pnls if p > 0]
losses = [-p for p in pnls if p < 0]


def plain(d):
    s = format(d.normalize(), "f") if d != 0 else "0"
    return s


print("self-trade pairs:", sum(len(s) == 2 for s in steps), " gaps:", gaps)
print("closed round trips:", len(closed), " open:", len(opens),
      " partial_start closed:", sum(t["partial"] for t, _ in closed),
      " missing_fills closed:", sum(t["missing"] for t, _ in closed))
print("counted:", len(counted), " wins:", len(wins), " losses:", len(losses), " zero:", len(pnls) - len(wins) - len(losses))
print("total_volume_usd:", plain(sum((D(f["px"]) * D(f["sz"]) for f in seq), D(0))))
print("trades_count:", len(seq))
print("fees_usd:", plain(sum((D(f["fee"]) for f in seq), D(0))))
print("realized_pnl_usd:", plain(sum((D(f["closedPnl"]) for f in seq), D(0)) - sum((D(f["fee"]) for f in seq), D(0))))
print("win_rate:", format(D(len(wins)) / D(len(counted)), ".15g") if counted else None)
if wins and losses:
    print("avg_risk_ratio:", format((sum(wins) / len(wins)) / (sum(losses) / len(losses)), ".15g"))
    print("profit_factor:", format(sum(wins) / sum(losses), ".15g"))
print("max_profit_usd:", plain(max(wins)) if wins else None)
print("max_loss_usd:", plain(max(losses)) if losses else None)
hold = sum((D(at - t["opened"]) for t, at in counted), D(0))
print("avg_hold_hours:", format(hold / len(counted) / D(3600000), ".15g") if counted else None)
print("sum of counted round-trip PnL:", plain(sum(pnls, D(0))))
print("first closed round trip:", {k: (plain(v) if isinstance(v, D) else v) for k, v in closed[0][0].items()}, "closed_at", closed[0][1])
print("open round trips:", [(t["coin"], t["side"], t["partial"], t["missing"]) for t in opens])

# ---- leaderboard rows (recorded-fills.test.ts, "rows of userFills.recorded.json") ---------------
# now = the oldest fill + 1 day + 3 minutes, so the 1d window (now - 1 day, now] starts 3 minutes
# into the recording and cuts it, while 7d, 30d and all hold every fill.
DAY, HOUR = 86400000, 3600000
oldest = min(f["time"] for f in fills)
NOW = oldest + DAY + 180000
print()
print("rows: now =", NOW, " account_age_days:", (NOW - oldest) // DAY)

# Bot rule: lookback (newest perp fill - 7 days, newest perp fill]; active hours = distinct UTC
# hours of perp fills; orders = distinct oids; round trips = closed, not partial_start, in it.
last = max(f["time"] for f in seq if f["time"] <= NOW)
lb = [f for f in seq if last - 7 * DAY < f["time"] <= last]
hours = len({f["time"] // HOUR for f in lb})
orders = len({f["oid"] for f in lb})
holds = sorted(at - t["opened"] for t, at in closed if not t["partial"] and last - 7 * DAY < at <= last)
mid = len(holds) // 2
median = None if not holds else (holds[mid] if len(holds) % 2 else D(holds[mid - 1] + holds[mid]) / 2)
rt_per_hour = D(len(holds)) / hours
orders_per_hour = D(orders) / hours
is_bot = (rt_per_hour >= 40 and median is not None and median <= 60000) or orders_per_hour >= 300
print("bot: active hours", hours, " round trips", len(holds), " median hold ms", median,
      " orders", orders, " -> is_bot", is_bot)

for name, length in (("1d", DAY), ("7d", 7 * DAY), ("30d", 30 * DAY), ("all", None)):
    lo = -1 if length is None else NOW - length
    wf = [f for f in seq if lo < f["time"] <= NOW]
    wt = [(t, at) for t, at in counted if lo < at <= NOW]
    wp = [t["pnl"] - t["fee"] for t, _ in wt]
    ww = [p for p in wp if p > 0]
    wl = [-p for p in wp if p < 0]
    fee = sum((D(f["fee"]) for f in wf), D(0))
    row = {
        "trades_count": len(wf),
        "total_volume_usd": plain(sum((D(f["px"]) * D(f["sz"]) for f in wf), D(0))),
        "fees_usd": plain(fee),
        "realized_pnl_usd": plain(sum((D(f["closedPnl"]) for f in wf), D(0)) - fee),
        "round_trips": len(wt),
        "win_rate": format(D(len(ww)) / len(wt), ".15g") if wt else None,
        "avg_risk_ratio": format((sum(ww) / len(ww)) / (sum(wl) / len(wl)), ".15g") if ww and wl else None,
        "profit_factor": format(sum(ww) / sum(wl), ".15g") if wl else None,
        "profit_factor_infinite": bool(ww) and not wl,
        "max_profit_usd": plain(max(ww)) if ww else None,
        "max_loss_usd": plain(max(wl)) if wl else None,
        "avg_hold_hours": format(sum((D(at - t["opened"]) for t, at in wt), D(0)) / len(wt) / D(HOUR), ".15g") if wt else None,
    }
    print("row", name, row)
