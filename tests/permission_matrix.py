"""Who may reach each URL: one entry per named URL pattern outside the admin.

``tests/test_permission_matrix.py`` walks the URL configuration and fails
when a pattern has no entry here, or an entry names a pattern that is gone.
Each entry lists the roles admitted, and every other role must be rejected.

The records that URL arguments come from are built once per test module (see
``build_records`` in the test module). They belong to Northfield, the
organisation of ``portal_user``; ``other_portal_user`` belongs to Southbrook,
a parish council, and must reach nothing of Northfield's.
"""

from dataclasses import dataclass

ANONYMOUS = "anonymous"
# A client contact at Northfield, the organisation every record belongs to.
PORTAL_USER = "portal_user"
# A client contact at Southbrook: reaches only Southbrook's own portal pages.
OTHER_PORTAL_USER = "other_portal_user"
LAWYER = "lawyer"
PRACTICE_MANAGER = "practice_manager"
SENIOR_LEGAL_MANAGER = "senior_legal_manager"
ADMINISTRATOR = "administrator"

ROLES = (
    ANONYMOUS,
    PORTAL_USER,
    OTHER_PORTAL_USER,
    LAWYER,
    PRACTICE_MANAGER,
    SENIOR_LEGAL_MANAGER,
    ADMINISTRATOR,
)

ALL_STAFF = frozenset({LAWYER, PRACTICE_MANAGER, SENIOR_LEGAL_MANAGER, ADMINISTRATOR})
# Practice managers and senior legal managers hold the same permissions.
MANAGERS = ALL_STAFF - {LAWYER}
ADMINISTRATORS = frozenset({ADMINISTRATOR})
OWN_PORTAL = frozenset({PORTAL_USER})
ANY_PORTAL = frozenset({PORTAL_USER, OTHER_PORTAL_USER})
SIGNED_IN = ALL_STAFF | ANY_PORTAL
PUBLIC = frozenset(ROLES)
# Survey links: the token in the address is the credential. Members of the
# legal service are rejected, so that staff cannot answer for a client.
TOKEN_HOLDERS = ANY_PORTAL | {ANONYMOUS}

# Which sign-in page an anonymous visitor is sent to.
STAFF = "staff"
PORTAL = "portal"


@dataclass(frozen=True)
class Fixed:
    """A URL argument given as it is, not taken from the records."""

    value: str


@dataclass(frozen=True)
class Entry:
    """One URL pattern: who is admitted, and how to request it.

    ``args`` are record names (the record's primary key is used, or the value
    itself when it is not a model instance) or ``Fixed`` values. ``method`` is
    "post" for actions that accept only POST. An empty POST is enough to tell
    admitted from rejected users, unless ``data`` gives fields (record names or
    ``Fixed`` values, as for ``args``). ``portal_user_sent_to`` names the page
    a portal user is redirected to instead of a 403. ``signs_out`` marks the
    page whose success is a redirect to the sign-in page.
    """

    name: str
    admitted: frozenset
    args: tuple = ()
    method: str = "get"
    area: str = STAFF
    portal_user_sent_to: str | None = None
    data: tuple = ()
    signs_out: bool = False


CSV = Fixed("csv")

SITE = [
    Entry("home", ALL_STAFF, portal_user_sent_to="portal:home"),
    Entry("health", PUBLIC),
    Entry("favicon", PUBLIC),
]

ACCOUNTS = [
    Entry("accounts:login", PUBLIC),
    # Without a pending code step it sends everyone on to the home page.
    Entry("accounts:two_factor_verify", PUBLIC),
    Entry("accounts:logout", PUBLIC, method="post", signs_out=True),
    Entry("accounts:security", ALL_STAFF),
    Entry("accounts:two_factor_setup", ALL_STAFF),
    Entry("accounts:two_factor_turn_off", ALL_STAFF),
    Entry("accounts:backup_codes_regenerate", ALL_STAFF),
    # Portal users have passwords too.
    Entry("accounts:password_change", SIGNED_IN),
    Entry("accounts:password_change_done", SIGNED_IN),
    Entry("accounts:password_reset", PUBLIC),
    Entry("accounts:password_reset_done", PUBLIC),
    Entry("accounts:password_reset_confirm", PUBLIC, args=("reset_uid", "reset_token")),
    Entry("accounts:password_reset_complete", PUBLIC),
    Entry("accounts:audit_trail", ADMINISTRATORS),
    Entry("accounts:audit_export", ADMINISTRATORS),
]

CLIENTS = [
    Entry("clients:list", ALL_STAFF),
    Entry("clients:create", ALL_STAFF),
    Entry("clients:detail", ALL_STAFF, ("client",)),
    Entry("clients:edit", ALL_STAFF, ("client",)),
    Entry("clients:delete", MANAGERS, ("client",)),
    Entry("clients:quick_log", ALL_STAFF, ("client",), method="post"),
    Entry("clients:contact_create", ALL_STAFF, ("client",)),
    Entry("clients:contact_edit", ALL_STAFF, ("client", "contact")),
    Entry("clients:contact_delete", MANAGERS, ("client", "contact")),
    Entry("clients:interaction_create", ALL_STAFF, ("client",)),
    Entry("clients:interaction_edit", ALL_STAFF, ("client", "interaction")),
    Entry("clients:interaction_delete", MANAGERS, ("client", "interaction")),
    Entry("clients:follow_up_done", ALL_STAFF, ("interaction",), method="post"),
    Entry("clients:client_export", ALL_STAFF, (CSV,)),
]

MATTERS = [
    Entry("clients:matter_list", ALL_STAFF),
    Entry("clients:matter_export", ALL_STAFF, (CSV,)),
    Entry("clients:matter_create", ALL_STAFF),
    Entry("clients:promises_due", ALL_STAFF),
    Entry("clients:promises_due_export", ALL_STAFF, (CSV,)),
    Entry("clients:matter_detail", ALL_STAFF, ("matter",)),
    Entry("clients:matter_edit", ALL_STAFF, ("matter",)),
    Entry("clients:matter_close", ALL_STAFF, ("matter",)),
    Entry("clients:matter_status", ALL_STAFF, ("matter",), method="post"),
    Entry("clients:matter_promise", ALL_STAFF, ("matter",), method="post"),
    Entry("clients:matter_quick_time", ALL_STAFF, ("matter",), method="post"),
    Entry("clients:matter_time_export", ALL_STAFF, ("matter", CSV)),
    # The lawyer's own time, because a lawyer may change only their own.
    Entry("clients:time_entry_edit", ALL_STAFF, ("time_entry",)),
    Entry("clients:time_entry_delete", ALL_STAFF, ("time_entry",)),
    Entry("clients:timesheet", ALL_STAFF),
]

RECHARGES = [
    Entry("clients:statement_list", MANAGERS),
    Entry("clients:statement_list_export", MANAGERS, (CSV,)),
    Entry("clients:statement_draft", MANAGERS, method="post"),
    Entry("clients:statement_detail", MANAGERS, ("statement",)),
    Entry("clients:statement_print", MANAGERS, ("statement",)),
    Entry("clients:statement_issue", MANAGERS, ("statement",), method="post"),
    Entry("clients:statement_delete", MANAGERS, ("statement",)),
    Entry("clients:statement_export", MANAGERS, ("statement", CSV)),
]

IMPORTS = [
    Entry("clients:import_list", MANAGERS),
    Entry("clients:import_list_export", MANAGERS, (CSV,)),
    Entry("clients:import_create", MANAGERS),
    Entry("clients:import_template", MANAGERS, (Fixed("matters"), CSV)),
    Entry("clients:import_detail", MANAGERS, ("import_job",)),
    Entry("clients:import_progress", MANAGERS, ("import_job",)),
    Entry("clients:import_mapping", MANAGERS, ("import_job",), method="post"),
    Entry("clients:import_apply", MANAGERS, ("import_job",), method="post"),
    Entry("clients:import_cancel", MANAGERS, ("import_job",), method="post"),
    Entry("clients:import_retry", MANAGERS, ("import_job",), method="post"),
    Entry("clients:import_issues_export", MANAGERS, ("import_job", CSV)),
]

KEY_ACCOUNTS = [
    Entry("clients:key_account_list", ALL_STAFF),
    Entry("clients:key_account_ranking", MANAGERS),
    Entry("clients:key_account_ranking_refresh", MANAGERS, method="post"),
    Entry("clients:leaver_list", MANAGERS),
    Entry("clients:handover", MANAGERS, ("leaver",)),
    Entry("clients:key_account_create", MANAGERS, ("client_without_account",)),
    Entry("clients:relationships", ALL_STAFF, ("client",)),
    Entry("clients:key_account_detail", ALL_STAFF, ("key_account",)),
    Entry("clients:key_account_edit", MANAGERS, ("key_account",)),
    Entry("clients:key_account_reviewed", MANAGERS, ("key_account",), method="post"),
    Entry("clients:plan_start", MANAGERS, ("key_account",), method="post"),
    Entry("clients:plan_detail", ALL_STAFF, ("plan",)),
    Entry("clients:plan_edit", MANAGERS, ("plan",)),
    Entry("clients:plan_agree", MANAGERS, ("plan",), method="post"),
    Entry("clients:plan_revise", MANAGERS, ("plan",), method="post"),
    Entry("clients:plan_diff", ALL_STAFF, ("plan",)),
    Entry("clients:plan_print", ALL_STAFF, ("plan",)),
    # Lawyers add needs to draft plans, and only managers remove them.
    Entry("clients:plan_item_add", ALL_STAFF, ("plan", Fixed("need")), method="post"),
    Entry("clients:plan_item_delete", MANAGERS, (Fixed("need"), "plan_need")),
    # The action belongs to the lawyer, and its owner may update it.
    Entry("clients:plan_action_status", ALL_STAFF, ("plan_action",)),
    Entry("clients:needs_from_interaction", ALL_STAFF, ("interaction",)),
]

PRIVACY = [
    Entry("clients:client_legal_hold", MANAGERS, ("client",)),
    Entry("clients:matter_legal_hold", MANAGERS, ("matter",)),
    Entry("clients:contact_legal_hold", MANAGERS, ("client", "contact")),
    Entry("clients:contact_export", MANAGERS, ("client", "contact"), method="post"),
    Entry("clients:contact_erase", MANAGERS, ("client", "contact")),
]

PORTAL_PAGES = [
    Entry("portal:home", ANY_PORTAL, area=PORTAL),
    Entry("portal:sign_in", PUBLIC, area=PORTAL),
    Entry("portal:invitation", PUBLIC, ("portal_invitation_token",), area=PORTAL),
    # Southbrook's user cannot switch to Northfield.
    Entry(
        "portal:switch_organisation",
        OWN_PORTAL,
        method="post",
        area=PORTAL,
        data=(("client", "client"),),
    ),
    Entry("portal:guidance", ANY_PORTAL, area=PORTAL),
    # Guidance for schools, which Southbrook (a parish council) cannot open.
    Entry(
        "portal:guidance_category", OWN_PORTAL, ("school_category_slug",), area=PORTAL
    ),
    Entry("portal:article", OWN_PORTAL, ("school_article_slug",), area=PORTAL),
    Entry(
        "portal:article_vote",
        OWN_PORTAL,
        ("school_article_slug",),
        method="post",
        area=PORTAL,
    ),
    Entry("portal:matters", ANY_PORTAL, area=PORTAL),
    Entry("portal:feedback", ANY_PORTAL, area=PORTAL),
    Entry("portal:feedback_new", ANY_PORTAL, area=PORTAL),
    Entry("portal:feedback_detail", OWN_PORTAL, ("portal_feedback",), area=PORTAL),
]

SURVEYS = [
    Entry("surveys:round_list", ALL_STAFF),
    Entry("surveys:round_create", MANAGERS),
    Entry("surveys:round_detail", ALL_STAFF, ("survey_round",)),
    Entry("surveys:round_edit", MANAGERS, ("survey_round",)),
    # Only a draft round can be deleted.
    Entry("surveys:round_delete", MANAGERS, ("draft_round",)),
    Entry("surveys:round_launch", MANAGERS, ("survey_round",)),
    Entry("surveys:round_pause", MANAGERS, ("survey_round",), method="post"),
    Entry("surveys:round_resume", MANAGERS, ("survey_round",), method="post"),
    Entry("surveys:round_close", MANAGERS, ("survey_round",)),
    Entry("surveys:results", ALL_STAFF, ("survey_round",)),
    Entry("surveys:results_csv", ALL_STAFF, ("survey_round",)),
    Entry("surveys:results_xlsx", ALL_STAFF, ("survey_round",)),
    Entry("surveys:survey_list", ALL_STAFF),
    Entry("surveys:survey_create", MANAGERS),
    Entry("surveys:survey_detail", ALL_STAFF, ("survey",)),
    Entry("surveys:survey_edit", MANAGERS, ("survey",)),
    Entry("surveys:survey_copy", MANAGERS, ("survey",), method="post"),
    Entry("surveys:survey_preview", ALL_STAFF, ("survey",)),
    Entry("surveys:survey_delete", MANAGERS, ("survey",)),
    Entry("surveys:question_create", MANAGERS, ("survey",)),
    Entry("surveys:question_edit", MANAGERS, ("survey", "question")),
    Entry("surveys:question_move", MANAGERS, ("survey", "question"), method="post"),
    Entry("surveys:question_delete", MANAGERS, ("survey", "question")),
    Entry("surveys:yswd_list", ALL_STAFF),
    Entry("surveys:yswd_create", MANAGERS),
    Entry("surveys:yswd_edit", MANAGERS, ("you_said_we_did",)),
    Entry("surveys:yswd_delete", MANAGERS, ("you_said_we_did",)),
    Entry("surveys:answer", TOKEN_HOLDERS, ("survey_round", "survey_token")),
    Entry("surveys:thanks", TOKEN_HOLDERS, ("survey_round", "survey_token")),
    Entry("surveys:opt_out", TOKEN_HOLDERS, ("survey_round", "survey_token")),
    # The invitation is to Northfield's contact with the portal user's email.
    Entry(
        "surveys:answer_from_portal", OWN_PORTAL, ("portal_invitation",), area=PORTAL
    ),
]

GUIDANCE_AND_FEEDBACK = [
    Entry("feedback_staff:article_list", ALL_STAFF),
    Entry("feedback_staff:article_create", MANAGERS),
    Entry("feedback_staff:article_detail", ALL_STAFF, ("school_article",)),
    Entry("feedback_staff:article_edit", MANAGERS, ("school_article",)),
    Entry("feedback_staff:article_delete", MANAGERS, ("school_article",)),
    Entry("feedback_staff:category_list", ALL_STAFF),
    Entry("feedback_staff:category_create", MANAGERS),
    Entry("feedback_staff:category_edit", MANAGERS, ("school_category",)),
    Entry("feedback_staff:feedback_queue", ALL_STAFF),
    Entry("feedback_staff:feedback_log", ALL_STAFF),
    Entry("feedback_staff:feedback_detail", ALL_STAFF, ("portal_feedback",)),
    Entry(
        "feedback_staff:feedback_action",
        MANAGERS,
        ("portal_feedback", Fixed("assign")),
        method="post",
    ),
    Entry("feedback_staff:invite_contact", ALL_STAFF, ("client", "contact")),
    Entry("feedback_staff:view_as_start", MANAGERS),
    Entry("feedback_staff:view_as_stop", ALL_STAFF, method="post"),
]

KPIS = [
    Entry("kpis:overview", MANAGERS),
    Entry("kpis:overview_export", MANAGERS, (CSV,)),
    Entry("kpis:recompute", MANAGERS),
    Entry("kpis:scorecard_list", MANAGERS),
    Entry("kpis:my_team_scorecard", ALL_STAFF),
    # The lawyer's own team. A lawyer may open only their own team's scorecard.
    Entry("kpis:team_scorecard", ALL_STAFF, ("team",)),
    Entry("kpis:key_account_scorecard", MANAGERS, ("key_account",)),
    Entry("kpis:costs", MANAGERS),
    Entry("kpis:benchmark_import", MANAGERS),
    Entry("kpis:detail", MANAGERS, ("manual_kpi_code",)),
    Entry("kpis:detail_export", MANAGERS, ("manual_kpi_code", CSV)),
    Entry("kpis:rows", MANAGERS, ("computed_kpi_code",)),
    Entry("kpis:enter_value", MANAGERS, ("manual_kpi_code",)),
    Entry("kpis:benchmark_add", MANAGERS, ("manual_kpi_code",)),
]

ENTRIES = [
    *SITE,
    *ACCOUNTS,
    *CLIENTS,
    *MATTERS,
    *RECHARGES,
    *IMPORTS,
    *KEY_ACCOUNTS,
    *PRIVACY,
    *PORTAL_PAGES,
    *SURVEYS,
    *GUIDANCE_AND_FEEDBACK,
    *KPIS,
]
