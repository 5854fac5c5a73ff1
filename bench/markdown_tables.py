"""Print the tables of a results file of ``bench/run.py`` as Markdown.

    .venv/bin/python bench/markdown_tables.py var/bench/results-L.json

The tables are the ones ``docs/benchmarks.md`` shows, so the figures there
are copied from a run's own output rather than typed by hand.
"""

import json
import sys
from pathlib import Path

if __package__ in (None, ""):
    # A script run puts bench/ first on the path, so bench/ modules would
    # shadow installed packages of the same name. The checkout goes first.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.targets import verdict


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("Usage: bench/markdown_tables.py RESULTS.json")
    results = json.loads(Path(sys.argv[1]).read_text())
    print(markdown(results))


def markdown(results: dict) -> str:
    parts = [_summary(results)]
    if results.get("pages"):
        parts.append(_pages(results))
    parts.append(_other_steps(results))
    parts.append(_targets(results))
    return "\n\n".join(parts)


def _row(cells) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _summary(results) -> str:
    machine = results.get("machine", {})
    counts = ", ".join(
        f"{v:,} {k.replace('_', ' ')}" for k, v in results["counts"].items()
    )
    build = results["build"]
    built = "reused" if build.get("reused") else f"built in {build['seconds']:.0f} s"
    return (
        f"Scale {results['scale']}, run started {results['started_at']} "
        f"(commit {machine.get('commit', '?')}), database {built}: {counts}."
    )


def _pages(results) -> str:
    rates = results.get("throughput", {}).get("pages", {})
    compare = next((k for k in results["pages"][0] if k.startswith("p95_vs_")), None)
    adjusted = f"adjusted_{compare}" if compare else None
    header = ["page", "role", "median ms", "p95 ms", "queries", "req/s", "share",
              "signed-in view's share"]  # fmt: skip
    if compare:
        header += [f"p95 / {compare.removeprefix('p95_vs_')}", "adjusted"]
    lines = [_row(header), _row(["---"] * len(header))]
    for page in results["pages"]:
        rate = rates.get(page["key"])
        cells = [
            page["title"],
            page["role"].replace("_", " "),
            f"{page['median_ms']:.0f}",
            f"{page['p95_ms']:.0f}",
            page["queries"],
            f"{rate['requests_per_second']:.1f}" if rate else "-",
            f"{rate['share']:.0%}" if rate else "-",
            f"{rate['signed_in_share']:.0%}" if rate else "-",
        ]
        if compare:
            cells += [f"{page[compare]:.2f}", f"{page[adjusted]:.2f}"]
        lines.append(_row(cells))
    reference = results.get("pages_reference")
    if reference:
        lines.append(
            f"\nReference view (the signed-in trivial view as a lawyer, taking "
            f"turns with the pages): median {reference['median_ms']:.1f} ms, "
            f"p95 {reference['p95_ms']:.1f} ms."
        )
    throughput = results.get("throughput")
    if throughput:
        lines.append("\n" + _ceilings(throughput))
    return "\n".join(lines)


def _ceilings(throughput) -> str:
    trivial = throughput["trivial"]
    figures = trivial["figures"]
    text = (
        f"Trivial view: {trivial['requests_per_second']:.0f} requests per second "
        f"(median of {len(figures)} figures from {min(figures):.0f} to "
        f"{max(figures):.0f}), {throughput['workers']} gunicorn workers."
    )
    signed_in = throughput.get("signed_in_trivial")
    if signed_in:
        figures = signed_in["figures"]
        text += (
            f" Signed-in trivial view: {signed_in['requests_per_second']:.0f} "
            f"(from {min(figures):.0f} to {max(figures):.0f})."
        )
    return text + (
        " Each share is of the trivial figure measured just before the page; "
        "the signed-in view's share is that of the signed-in trivial view, "
        "requested as the page's role."
    )


def _other_steps(results) -> str:
    lines = [_row(["step", "figure"]), _row(["---", "---"])]
    for key, rollup in results.get("rollups", {}).items():
        name = (
            "full financial-year rollup"
            if key == "financial_year"
            else "one-month recompute"
        )
        lines.append(_row([
            f"{name} ({rollup['period']}, {_periods(rollup['periods'])})",
            f"{rollup['seconds']:.1f} s, {rollup['records']:,} records",
        ]))  # fmt: skip
    imported = results.get("import")
    if imported:
        check, apply = imported["check_seconds"], imported["apply_seconds"]
        lines.append(_row([
            f"import of {imported['rows']:,} time entries "
            f"({imported['kib']:.0f} KiB CSV)",
            f"check {check:.1f} s, apply {apply:.1f} s",
        ]))  # fmt: skip
    sweep = results.get("reminder_sweep")
    if sweep and "ratio" in sweep:
        lines.append(_row([
            f"reminder sweep of {sweep['count']:,} reminders",
            f"{sweep['sweep']['rate']:.1f} per second, plain loop "
            f"{sweep['plain_loop']['rate']:.1f} per second, ratio {sweep['ratio']:.2f}",
        ]))  # fmt: skip
    return "\n".join(lines)


def _periods(count: int) -> str:
    return "1 period" if count == 1 else f"{count} periods"


def _targets(results) -> str:
    lines = [_row(["target", "result", "detail"]), _row(["---", "---", "---"])]
    for item in results["targets"]:
        lines.append(_row([item["target"], verdict(item["met"]), item["detail"]]))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
