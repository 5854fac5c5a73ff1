"""Staff pages for monthly recharge statements."""

from datetime import date, timedelta

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from accounts import audit
from accounts.access import StaffRequiredMixin

from . import exports, services_recharges
from .models import RechargeStatement
from .pagination import NearestPageMixin


class MonthField(forms.DateField):
    """A month typed in a browser's ``month`` input (2026-03) or as 03/2026."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%m/%Y"]


class DraftStatementsForm(forms.Form):
    month = MonthField(
        help_text="A draft is made for each internal client with chargeable "
        "time not yet recharged up to the end of this month."
    )

    def clean_month(self):
        month = services_recharges.month_start(self.cleaned_data["month"])
        if month > services_recharges.month_start(timezone.localdate()):
            raise forms.ValidationError("Choose this month or an earlier one.")
        return month


class StatementFilter(django_filters.FilterSet):
    client = django_filters.ModelChoiceFilter(
        queryset=services_recharges.recharge_clients().order_by("name"),
        empty_label="Any client",
    )
    status = django_filters.ChoiceFilter(
        choices=RechargeStatement.Status.choices, empty_label="Any status"
    )
    month = django_filters.DateFilter(
        field_name="month",
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m"],
        method="filter_month",
    )
    sort = django_filters.OrderingFilter(
        label="Sort by",
        fields=(
            ("month", "month"),
            ("client__name", "client"),
            ("status", "status"),
            ("total", "total"),
        ),
    )

    class Meta:
        model = RechargeStatement
        fields = ["client", "status", "month"]

    def filter_month(self, queryset, name, value):
        return queryset.filter(month=services_recharges.month_start(value))

    @property
    def qs(self):
        queryset = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("sort"):
            queryset = queryset.order_by("-month", "client__name")
        return queryset.order_by(*queryset.query.order_by, "pk")


def _statements(request):
    return StatementFilter(
        request.GET,
        queryset=RechargeStatement.objects.select_related("client", "issued_by"),
        request=request,
    )


class StatementListView(StaffRequiredMixin, NearestPageMixin, ListView):
    permission_required = "clients.view_rechargestatement"
    template_name = "clients/recharges/statement_list.html"
    paginate_by = 25

    def get_queryset(self):
        self.filterset = _statements(self.request)
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(filter=self.filterset, **kwargs)
        statements = list(ctx["object_list"])
        totals = services_recharges.draft_totals(statements)
        ctx["rows"] = [
            (s, s.total if s.is_issued else totals[s.pk]) for s in statements
        ]
        ctx["draft_form"] = kwargs.get("draft_form") or DraftStatementsForm(
            initial={"month": _last_month()}, prefix="draft"
        )
        return ctx


def _last_month() -> date:
    this_month = services_recharges.month_start(timezone.localdate())
    return services_recharges.month_start(this_month - timedelta(days=1))


class DraftStatementsView(StaffRequiredMixin, View):
    permission_required = "clients.add_rechargestatement"

    def post(self, request):
        form = DraftStatementsForm(request.POST, prefix="draft")
        if not form.is_valid():
            view = StatementListView()
            view.setup(request)
            view.object_list = view.get_queryset()
            ctx = view.get_context_data(draft_form=form)
            return render(request, view.template_name, ctx, status=400)
        month = form.cleaned_data["month"]
        created = services_recharges.draft_statements(
            month=month, actor=request.user, request=request
        )
        if created:
            messages.success(
                request,
                f"Drafted {len(created)} statement{'s' if len(created) != 1 else ''} "
                f"for {month:%B %Y}. Check each one, then issue it.",
            )
        else:
            messages.info(
                request,
                f"No new statements for {month:%B %Y}: every internal client with "
                "time to recharge already has one.",
            )
        return redirect(f"{reverse('clients:statement_list')}?month={month:%Y-%m}")


STATEMENT_LIST_COLUMNS = [
    exports.Column("Month"),
    exports.Column("Client"),
    exports.Column("Cost centre"),
    exports.Column("Status"),
    exports.Column("Total", money=True),
    exports.Column("Issued"),
]


class StatementListExportView(StaffRequiredMixin, View):
    permission_required = "clients.view_rechargestatement"

    def get(self, request, file_format):
        statements = list(_statements(request).qs)
        totals = services_recharges.draft_totals(statements)
        rows = [
            [
                f"{s.month:%m/%Y}",
                s.client.name,
                s.cost_centre_code or s.client.cost_centre_code,
                s.get_status_display(),
                s.total if s.is_issued else totals[s.pk],
                s.issued_at,
            ]
            for s in statements
        ]
        return exports.download(
            request=request,
            file_format=file_format,
            file_stem=f"recharge-statements-{timezone.localdate():%Y-%m-%d}",
            columns=STATEMENT_LIST_COLUMNS,
            rows=rows,
            description="recharge statements",
        )


def _statement_or_404(pk):
    try:
        return RechargeStatement.objects.select_related("client", "issued_by").get(
            pk=pk
        )
    except RechargeStatement.DoesNotExist as error:
        raise Http404("No statement with that id.") from error


class StatementDetailView(StaffRequiredMixin, View):
    permission_required = "clients.view_rechargestatement"
    template_name = "clients/recharges/statement_detail.html"

    def get(self, request, pk):
        statement = _statement_or_404(pk)
        audit.record_view(request, statement)
        ctx = {
            "statement": statement,
            "contents": services_recharges.statement_contents(statement),
        }
        return render(request, self.template_name, ctx)


class StatementPrintView(StatementDetailView):
    template_name = "clients/recharges/statement_print.html"


class StatementIssueView(StaffRequiredMixin, View):
    permission_required = "clients.issue_rechargestatement"

    def post(self, request, pk):
        statement = _statement_or_404(pk)
        try:
            services_recharges.issue_statement(
                statement=statement, actor=request.user, request=request
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(statement)
        messages.success(request, f"Statement {statement.number} issued.")
        return redirect(statement)


class StatementDeleteView(StaffRequiredMixin, View):
    permission_required = "clients.delete_rechargestatement"
    template_name = "clients/confirm_delete.html"

    def get(self, request, pk):
        statement = _statement_or_404(pk)
        if statement.is_issued:
            raise Http404("Issued statements cannot be deleted.")
        ctx = {
            "object": f"the draft statement {statement}",
            "cancel_url": statement.get_absolute_url(),
        }
        return render(request, self.template_name, ctx)

    def post(self, request, pk):
        statement = _statement_or_404(pk)
        try:
            services_recharges.delete_draft(
                statement=statement, actor=request.user, request=request
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(statement)
        messages.success(request, f"Draft statement {statement} deleted.")
        return redirect("clients:statement_list")


STATEMENT_COLUMNS = [
    exports.Column("Statement"),
    exports.Column("Cost centre"),
    exports.Column("Line"),
    exports.Column("Date"),
    exports.Column("Matter"),
    exports.Column("Matter title"),
    exports.Column("Lawyer"),
    exports.Column("Minutes"),
    exports.Column("Hourly rate", money=True),
    exports.Column("Amount", money=True),
]


class StatementExportView(StaffRequiredMixin, View):
    """A statement's lines and total as CSV or XLSX."""

    permission_required = "clients.view_rechargestatement"

    def get(self, request, pk, file_format):
        statement = _statement_or_404(pk)
        contents = services_recharges.statement_contents(statement)
        number = statement.number
        code = statement.cost_centre_code or statement.client.cost_centre_code
        rows = [
            [
                number,
                code,
                "Adjustment" if line.is_adjustment else "Time",
                line.worked_on,
                line.matter_reference,
                line.matter_title,
                line.staff_name,
                line.minutes,
                line.hourly_rate,
                line.amount,
            ]
            for line in contents.lines
        ]
        rows.append(
            [
                number,
                code,
                "Total",
                None,
                None,
                None,
                None,
                contents.minutes,
                None,
                contents.total,
            ]
        )
        stem = f"recharge-{code}-{statement.month:%Y-%m}"
        if not statement.is_issued:
            stem += "-draft"
        return exports.download(
            request=request,
            file_format=file_format,
            file_stem=stem,
            columns=STATEMENT_COLUMNS,
            rows=rows,
            description="recharge statement",
            target=statement,
        )
