"""The performance targets, checked against one run's results, and the tables.

Targets that compare two scales (query counts and p95 at L against S) read
the S results from an earlier run's JSON; without one they are reported as
not checked rather than met.
"""

MAX_QUERIES = 20
MAX_P95_GROWTH = 1.5
MIN_THROUGHPUT_SHARE = 0.40
MAX_FULL_ROLLUP_SECONDS = 60.0
MAX_MONTH_ROLLUP_SECONDS = 10.0
MIN_SWEEP_RATIO = 0.5
TARGET_SCALE = "L"


def check(results: dict, baseline: dict | None) -> list[dict]:
    """Return one ``{"target", "met", "detail"}`` per target; ``met`` may be None."""
    if results.get("pages"):
        checks = [_answered(results), _query_ceiling(results)]
        checks += _against_baseline(results, baseline)
    else:
        checks = [_result("the page targets", None, "pages not measured")]
    checks.append(_throughput(results))
    checks += _rollups(results)
    checks.append(_sweep(results))
    if results["scale"] != TARGET_SCALE:
        for item in checks:
            item["detail"] += f" (the targets are set for scale {TARGET_SCALE})"
    return checks


def _result(target: str, met, detail: str) -> dict:
    return {"target": target, "met": met, "detail": detail}


def _answered(results):
    # Not one of the targets, but a page that redirects or fails is not
    # measured at all, so every other figure of it would mislead.
    wrong = [
        f"{p['key']} {p['status']}" for p in results["pages"] if p["status"] != [200]
    ]
    detail = ", ".join(wrong) or "all 200"
    return _result("every page answered 200 OK", not wrong, detail)


def _max_queries(page) -> int:
    # Results written before the harness kept the highest count separately
    # have only "queries", which was the highest then.
    return page.get("queries_max", page["queries"])


def _query_ceiling(results):
    # Every request counts here, not only the most common count.
    over = [
        f"{p['key']} {_max_queries(p)}"
        for p in results["pages"]
        if _max_queries(p) > MAX_QUERIES
    ]
    detail = (
        "over: " + ", ".join(over)
        if over
        else "highest " + str(max(_max_queries(p) for p in results["pages"]))
    )
    return _result(f"no page over {MAX_QUERIES} queries", not over, detail)


def _against_baseline(results, baseline):
    counts = f"query counts equal at scale {results['scale']} and its baseline"
    growth = f"p95 at most {MAX_P95_GROWTH} times the baseline's"
    if not baseline or baseline["scale"] == results["scale"]:
        note = "no baseline of another scale given (--baseline)"
        return [_result(counts, None, note), _result(growth, None, note)]

    before = {p["key"]: p for p in baseline["pages"]}
    scale = baseline["scale"]
    speed = machine_factor(results, baseline)
    differ, grew = [], []
    for page in results["pages"]:
        old = before.get(page["key"])
        if old is None:
            continue
        if page["queries"] != old["queries"]:
            differ.append(f"{page['key']} {old['queries']}->{page['queries']}")
        ratio = page["p95_ms"] / old["p95_ms"] if old["p95_ms"] else 0.0
        adjusted = ratio / speed
        page[f"p95_vs_{scale}"] = round(ratio, 2)
        page[f"adjusted_p95_vs_{scale}"] = round(adjusted, 2)
        if adjusted > MAX_P95_GROWTH:
            grew.append(f"{page['key']} x{adjusted:.2f}")
    growth_detail = ", ".join(grew) or "all within"
    if speed != 1.0:
        growth_detail += (
            f"; each ratio divided by {speed:.2f}, the reference view's median "
            f"at {results['scale']} over its median at {scale}"
        )
    return [
        _result(f"query counts equal at {scale} and {results['scale']}", not differ,
                ", ".join(differ) or "all equal"),
        _result(f"p95 at {results['scale']} at most {MAX_P95_GROWTH} x p95 at {scale}",
                not grew, growth_detail),
    ]  # fmt: skip


def machine_factor(results, baseline) -> float:
    """Return how much slower the reference view ran than in the baseline.

    The reference view does the same work at every scale, so a change in its
    time is a change in the machine's speed between the two runs (other
    work on the host, say), not in the data. 1.0 when either run lacks it.
    """
    now = results.get("pages_reference", {}).get("median_ms")
    then = baseline.get("pages_reference", {}).get("median_ms")
    return round(now / then, 2) if now and then else 1.0


def _throughput(results):
    target = f"every page at least {MIN_THROUGHPUT_SHARE:.0%} of the trivial view"
    throughput = results.get("throughput")
    if not throughput:
        return _result(target, None, "not measured")
    low = [
        f"{key} {page['share']:.0%}"
        for key, page in throughput["pages"].items()
        if page["share"] < MIN_THROUGHPUT_SHARE
    ]
    detail = "below: " + ", ".join(low) if low else "all above"
    floors = [page["signed_in_share"] for page in throughput["pages"].values()]
    if floors:
        # No page of a role can pass the signed-in trivial view's rate, so
        # its share shows whether any page could have met the target.
        detail += (
            f"; the signed-in trivial view itself reaches {min(floors):.0%} "
            f"to {max(floors):.0%}"
        )
    return _result(target, not low, detail)


def _rollups(results):
    rollups = results.get("rollups")
    full = f"full financial-year rollup under {MAX_FULL_ROLLUP_SECONDS:.0f} s"
    month = f"one-month recompute under {MAX_MONTH_ROLLUP_SECONDS:.0f} s"
    if not rollups:
        return [
            _result(full, None, "not measured"),
            _result(month, None, "not measured"),
        ]
    return [
        _seconds_result(full, rollups["financial_year"], MAX_FULL_ROLLUP_SECONDS),
        _seconds_result(month, rollups["month"], MAX_MONTH_ROLLUP_SECONDS),
    ]


def _seconds_result(target, measured, limit):
    seconds = measured["seconds"]
    return _result(target, seconds < limit, f"{seconds:.1f} s")


def _sweep(results):
    target = f"reminder sweep at least {MIN_SWEEP_RATIO:.0%} of a plain loop's rate"
    sweep = results.get("reminder_sweep")
    if not sweep or "ratio" not in sweep:
        return _result(target, None, (sweep or {}).get("skipped", "not measured"))
    return _result(target, sweep["ratio"] >= MIN_SWEEP_RATIO, f"ratio {sweep['ratio']}")


# Printing
# ---------------------------------------------------------------------------


def table(rows: list[list], header: list[str]) -> str:
    """Format ``rows`` as a plain text table with right-aligned numbers."""
    cells = [header] + [[_cell(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(_pad(value, widths[i], i) for i, value in enumerate(row))
        )
        if n == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _pad(value: str, width: int, column: int) -> str:
    return value.ljust(width) if column == 0 else value.rjust(width)


def verdict(met) -> str:
    return {True: "met", False: "MISSED", None: "not checked"}[met]
