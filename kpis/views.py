"""Staff pages of the KPI dashboards.

Every page reads stored ``KpiRecord`` rows, so its query count does not grow
with the source data. Only the traceable-rows page reads source rows, one
page of them at a time.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts import audit
from accounts.access import staff_required
from accounts.models import AuditEvent, Team
from clients.exports import FORMATS, Column, download
from clients.models import KeyAccount
from crm_site.celery import enqueue

from . import selectors, services
from .benchmark_import import import_benchmarks
from .calculators import all_calculators
from .choices import SERVICE_SCOPE_ID, ScopeKind, Unit
from .forms import (
    BenchmarkForm,
    BenchmarkImportForm,
    DashboardFilterForm,
    ManualValueForm,
    RecomputeForm,
    ServiceCostForm,
)
from .models import KpiDefinition, ServiceCost
from .periods import Period
from .tasks import recompute_period

DASHBOARD = "kpis.view_kpi_dashboard"
ROWS_PER_PAGE = 50


def _filters(request):
    """Return the bound filter form, the chosen period and the team, if any."""
    form = DashboardFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.period(), form.cleaned_data["team"]
    form = DashboardFilterForm(initial={"kind": "month"})
    form.is_valid()
    return form, Period.containing("month", _today()), None


def _today():
    from django.utils import timezone

    return timezone.localdate()


def _scope_of(team):
    if team is None:
        return ScopeKind.SERVICE, SERVICE_SCOPE_ID
    return ScopeKind.TEAM, team.pk


# Overview
# ---------------------------------------------------------------------------


@staff_required(DASHBOARD)
def overview(request):
    form, period, team = _filters(request)
    scope_kind, scope_id = _scope_of(team)
    ctx = {
        "form": form,
        "period": period,
        "team": team,
        "groups": selectors.overview(
            period=period, scope_kind=scope_kind, scope_id=scope_id
        ),
        "export_formats": FORMATS,
    }
    if request.GET.get("print") == "1":
        return render(request, "kpis/overview_print.html", ctx)
    return render(request, "kpis/overview.html", ctx)


TILE_COLUMNS = [
    Column("Authority aim"),
    Column("Code"),
    Column("KPI"),
    Column("Period"),
    Column("Scope"),
    Column("Value"),
    Column("Unit"),
    Column("Target"),
    Column("Status"),
    Column("Numerator"),
    Column("Denominator"),
    Column("Why missing"),
]


def _tile_row(aim_label, tile, period, scope_label):
    definition = tile.definition
    record = tile.record
    return [
        aim_label,
        definition.code,
        definition.name,
        period.label,
        scope_label,
        tile.value,
        definition.get_unit_display(),
        definition.target,
        tile.status,
        record.numerator if record else None,
        record.denominator if record else None,
        "" if tile.value is not None else tile.missing_reason,
    ]


@staff_required(DASHBOARD)
def overview_export(request, file_format):
    if file_format not in FORMATS:
        raise Http404("Unknown export format.")

    form, period, team = _filters(request)
    scope_kind, scope_id = _scope_of(team)
    scope_label = team.name if team else "Whole service"
    groups = selectors.overview(period=period, scope_kind=scope_kind, scope_id=scope_id)
    rows = [
        _tile_row(group.label, tile, period, scope_label)
        for group in groups
        for tile in group.tiles
    ]
    return download(
        request=request,
        file_format=file_format,
        file_stem=f"kpis-{period.start:%Y-%m}",
        columns=TILE_COLUMNS,
        rows=rows,
        description=f"KPI overview {period.label} {scope_label}",
    )


# One KPI
# ---------------------------------------------------------------------------


def _detail_context(request, definition):
    form, period, team = _filters(request)
    scope_kind, scope_id = _scope_of(team)
    tile = selectors.build_tiles(
        [definition], period=period, scope_kind=scope_kind, scope_id=scope_id
    )[0]
    ours = dict(zip([p.start for p in tile.periods], tile.trend, strict=True))
    benchmarks = selectors.benchmarks_for(definition, tile.periods, ours)
    table = [
        {
            "period": p,
            "value": value,
            "status": definition.status_of(value),
            "benchmark": benchmarks.get(p.start),
        }
        for p, value in zip(tile.periods, tile.trend, strict=True)
    ]
    chart = tile.chart_data()
    chart["benchmark"] = [
        float(row["benchmark"].median) if row["benchmark"] else None for row in table
    ]
    return {
        "form": form,
        "period": period,
        "team": team,
        "definition": definition,
        "calculator": all_calculators().get(definition.source),
        "tile": tile,
        "table": table,
        "chart": chart,
        "current_benchmark": benchmarks.get(period.start),
        "breakdown": selectors.breakdown(definition, period),
        "export_formats": FORMATS,
    }


@staff_required(DASHBOARD)
def detail(request, code):
    definition = get_object_or_404(
        KpiDefinition.objects.select_related("aim"), code=code
    )
    ctx = _detail_context(request, definition)
    return render(request, "kpis/detail.html", ctx)


DETAIL_COLUMNS = [
    Column("Period"),
    Column("Value"),
    Column("Target"),
    Column("Status"),
    Column("Peer median"),
    Column("Our quartile"),
    Column("Peers"),
]


@staff_required(DASHBOARD)
def detail_export(request, code, file_format):
    if file_format not in FORMATS:
        raise Http404("Unknown export format.")

    definition = get_object_or_404(KpiDefinition, code=code)
    ctx = _detail_context(request, definition)
    rows = [
        [
            row["period"].label,
            row["value"],
            definition.target,
            row["status"],
            row["benchmark"].median if row["benchmark"] else None,
            row["benchmark"].quartile if row["benchmark"] else None,
            len(row["benchmark"].peers) if row["benchmark"] else 0,
        ]
        for row in ctx["table"]
    ]
    return download(
        request=request,
        file_format=file_format,
        file_stem=f"kpi-{definition.code}",
        columns=DETAIL_COLUMNS,
        rows=rows,
        description=f"KPI {definition.code} trend",
        target=definition,
    )


@staff_required(DASHBOARD)
def rows(request, code):
    """List the source rows behind one value: "how was this calculated"."""
    definition = get_object_or_404(KpiDefinition, code=code)
    calculator = all_calculators().get(definition.source)
    if calculator is None:
        raise Http404("This KPI is entered by hand, so it has no source rows.")

    form, period, team = _filters(request)
    scope_kind = request.GET.get("scope", ScopeKind.SERVICE)
    scope_id = _int(request.GET.get("scope_id"), SERVICE_SCOPE_ID)
    if team is not None and scope_kind == ScopeKind.SERVICE:
        scope_kind, scope_id = ScopeKind.TEAM, team.pk
    if scope_kind not in calculator.scope_kinds:
        raise Http404("This KPI has no values for that scope.")

    source = calculator.rows(period, scope_kind, scope_id)
    paths = [path for path, _ in calculator.row_columns]
    page = None
    if source is not None:
        listed = source.order_by(*paths[:1], "pk").values_list(*paths)
        page = Paginator(listed, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    record = definition.records.filter(
        period_kind=period.kind,
        period_start=period.start,
        scope_kind=scope_kind,
        scope_id=scope_id,
    ).first()
    ctx = {
        "definition": definition,
        "calculator": calculator,
        "form": form,
        "period": period,
        "record": record,
        "scope_kind": scope_kind,
        "headers": [heading for _, heading in calculator.row_columns],
        "page_obj": page,
    }
    return render(request, "kpis/rows.html", ctx)


def _int(text, default):
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


# Scorecards
# ---------------------------------------------------------------------------


def _scorecard(request, *, title, scope_kind, scope_id, back_url, target=None):
    form, period, _ = _filters(request)
    supported = {
        code
        for code, calculator in all_calculators().items()
        if scope_kind in calculator.scope_kinds
    }
    definitions = [d for d in selectors.active_definitions() if d.source in supported]
    tiles = selectors.build_tiles(
        definitions, period=period, scope_kind=scope_kind, scope_id=scope_id
    )
    file_format = request.GET.get("format")
    if file_format in FORMATS:
        rows = [_tile_row("", tile, period, title) for tile in tiles]
        return download(
            request=request,
            file_format=file_format,
            file_stem=f"scorecard-{scope_kind}-{scope_id}",
            columns=TILE_COLUMNS,
            rows=rows,
            description=f"Scorecard {title} {period.label}",
            target=target,
        )
    ctx = {
        "form": form,
        "period": period,
        "title": title,
        "tiles": tiles,
        "scope_kind": scope_kind,
        "scope_id": scope_id,
        "back_url": back_url,
        "export_formats": FORMATS,
    }
    return render(request, "kpis/scorecard.html", ctx)


@staff_required("kpis.view_kpirecord")
def team_scorecard(request, team_id):
    team = get_object_or_404(Team, pk=team_id)
    own_team = getattr(getattr(request.user, "profile", None), "team_id", None)
    if not request.user.has_perm(DASHBOARD) and own_team != team.pk:
        raise PermissionDenied("You can see the scorecard of your own team only.")

    return _scorecard(
        request,
        title=f"Team {team.name}",
        scope_kind=ScopeKind.TEAM,
        scope_id=team.pk,
        back_url=reverse("kpis:overview") if request.user.has_perm(DASHBOARD) else "",
        target=team,
    )


@staff_required("kpis.view_kpirecord")
def my_team_scorecard(request):
    """Open the scorecard of the signed-in person's team, linked from the menu."""
    team_id = getattr(getattr(request.user, "profile", None), "team_id", None)
    if team_id is None:
        messages.info(
            request,
            "You are not in a team, so there is no team scorecard to show. "
            "Ask an administrator to add you to your team.",
        )
        return redirect("home")

    return redirect("kpis:team_scorecard", team_id)


@staff_required(DASHBOARD)
def key_account_scorecard(request, account_id):
    account = get_object_or_404(
        KeyAccount.objects.select_related("client"), pk=account_id
    )
    return _scorecard(
        request,
        title=f"Key account {account.client.name}",
        scope_kind=ScopeKind.KEY_ACCOUNT,
        scope_id=account.pk,
        back_url=account.get_absolute_url(),
        target=account,
    )


@staff_required(DASHBOARD)
def scorecard_list(request):
    ctx = {
        "teams": Team.objects.order_by("name"),
        "accounts": KeyAccount.objects.select_related("client").order_by(
            "client__name"
        ),
    }
    return render(request, "kpis/scorecard_list.html", ctx)


# Recompute, hand-entered values and benchmarks
# ---------------------------------------------------------------------------


@staff_required(DASHBOARD, "kpis.recompute_kpirecord")
def recompute(request):
    form = RecomputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        period = form.period()
        if enqueue(recompute_period, period.kind, period.start.isoformat()):
            messages.success(
                request,
                f"Recomputing {period.label}. The figures update in a minute or two.",
            )
        else:
            messages.error(
                request,
                f"Recomputing {period.label} could not start because the task "
                "queue is unavailable. Try again in a few minutes.",
            )
        return redirect(
            reverse("kpis:overview") + f"?kind={period.kind}&on={period.start}"
        )
    return render(request, "kpis/recompute.html", {"form": form})


@staff_required(DASHBOARD, "kpis.add_kpirecord", "kpis.change_kpirecord")
def enter_value(request, code):
    definition = get_object_or_404(KpiDefinition, code=code)
    if not definition.is_manual:
        raise Http404("This KPI is computed, so its values cannot be entered.")

    form = ManualValueForm(request.POST or None, initial={"kind": definition.frequency})
    if request.method == "POST" and form.is_valid():
        try:
            services.enter_manual_value(
                definition=definition,
                period=form.period(),
                raw_value=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            form.add_error("value", error)
        else:
            messages.success(request, f"Saved the value for {form.period().label}.")
            return redirect(definition)
    ctx = {"definition": definition, "form": form, "unit_help": _unit_help(definition)}
    return render(request, "kpis/enter_value.html", ctx)


def _unit_help(definition):
    return {
        Unit.PERCENT: "A percentage from 0 to 100.",
        Unit.MONEY: "Pounds and pence, such as 1250.50.",
        Unit.COUNT: "A whole number.",
        Unit.HOURS: "Hours, to two decimal places.",
        Unit.SCORE: "A score from -100 to 100.",
    }[definition.unit]


@staff_required(DASHBOARD, "kpis.add_benchmark")
def benchmark_add(request, code):
    definition = get_object_or_404(KpiDefinition, code=code)
    form = BenchmarkForm(
        request.POST or None, definition=definition, initial={"period_kind": "month"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_benchmark(
                benchmark=form.instance, actor=request.user, request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Added the benchmark from {form.instance.peer}.")
            return redirect(definition)
    return render(
        request, "kpis/benchmark_form.html", {"definition": definition, "form": form}
    )


@staff_required(DASHBOARD, "kpis.add_benchmark")
def benchmark_import(request):
    form = BenchmarkImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = import_benchmarks(
            data=form.cleaned_data["file"].read(),
            all_or_nothing=form.cleaned_data["all_or_nothing"],
            actor=request.user,
            request=request,
        )
        if report.saved and not report.errors:
            messages.success(request, f"Imported {report.saved} benchmark values.")
            return redirect("kpis:overview")
    return render(
        request, "kpis/benchmark_import.html", {"form": form, "report": report}
    )


@staff_required(DASHBOARD, "kpis.view_servicecost", "kpis.add_servicecost")
def costs(request):
    """List the costs entered per month and add one: the cost per hour source."""
    form = ServiceCostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cost = form.save(commit=False)
        cost.entered_by = request.user
        cost.save()
        audit.record(
            action=AuditEvent.Action.CREATE,
            actor=request.user,
            target=cost,
            changes=audit.snapshot(cost, ["month", "team", "amount"]),
            request=request,
        )
        messages.success(request, f"Added {cost}.")
        return redirect("kpis:costs")

    listed = ServiceCost.objects.select_related("team").order_by("-month", "pk")
    page = Paginator(listed, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "kpis/costs.html", {"form": form, "page_obj": page})
