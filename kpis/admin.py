from django.contrib import admin

from .models import AuthorityAim, KpiDefinition


@admin.register(AuthorityAim)
class AuthorityAimAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]


# KPI records, benchmarks and costs are written through the staff pages under
# /kpis/, which validate and audit them, so only definitions are edited here.
@admin.register(KpiDefinition)
class KpiDefinitionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "aim", "unit", "target", "frequency", "source"]
    list_filter = ["aim", "unit", "frequency", "active"]
    search_fields = ["code", "name"]
    list_select_related = ["aim"]
    autocomplete_fields = ["owner"]
