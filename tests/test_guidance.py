"""The guidance library: sanitised Markdown, staff editing, audiences, reminders."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from clients.models import Client
from crm_site.celery import app
from feedback import guidance, tasks
from feedback.models import (
    Article,
    ArticleAudience,
    ArticleCategory,
    ArticleReviewReminder,
    ArticleVote,
)

from .auth import sign_in
from .factories import ArticleFactory, PortalMembershipFactory, StaffFactory
from .live_services import wait_for_tasks

MAX_QUERIES_PER_PAGE = 20

# Sanitising
# ---------------------------------------------------------------------------

# (Markdown an author might write, text that must never reach the page)
DANGEROUS_BODIES = [
    ("<script>alert('x')</script>", "<script"),
    ("<SCRIPT SRC=//evil.example/x.js></SCRIPT>", "evil.example"),
    ('<img src="x" onerror="alert(1)">', "onerror"),
    ('<p onclick="steal()">Click</p>', "onclick"),
    ('<a href="#" onmouseover="steal()">hover</a>', "onmouseover"),
    ("[click](javascript:alert(1))", "javascript:"),
    ("[click](JaVaScRiPt:alert(1))", "alert(1)"),
    ('<a href="javascript&#58;alert(1)">x</a>', "alert(1)"),
    ("[data](data:text/html;base64,PHNjcmlwdD4=)", "data:"),
    ('<a href="vbscript:msgbox(1)">x</a>', "vbscript:"),
    ('<iframe src="https://evil.example"></iframe>', "<iframe"),
    ("<style>body{display:none}</style>", "<style"),
    ('<div style="background:url(javascript:x)">x</div>', "style="),
    ('<form action="https://evil.example"><input></form>', "<form"),
    ("![tracker](https://evil.example/pixel.png)", "<img"),
    ('<svg onload="alert(1)"></svg>', "onload"),
    ("<!-- a comment --> text", "<!--"),
    ('<object data="x.swf"></object>', "<object"),
]


@pytest.mark.parametrize(("body", "forbidden"), DANGEROUS_BODIES)
def test_render_strips_dangerous_markup(body, forbidden):
    html = guidance.render_markdown(body)

    assert forbidden.lower() not in html.lower()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[site](https://example.org)", 'href="https://example.org"'),
        ("[site](http://example.org)", 'href="http://example.org"'),
        ("[mail](mailto:legal@example.org)", 'href="mailto:legal@example.org"'),
        ("**bold**", "<strong>bold</strong>"),
        ("- one\n- two", "<li>one</li>"),
        ("# Title", "<h2>Title</h2>"),
        ("## Part", "<h3>Part</h3>"),
        ("| a | b |\n|---|--:|\n| 1 | 2 |", '<td align="right">2</td>'),
    ],
)
def test_render_keeps_safe_markdown(body, expected):
    assert expected in guidance.render_markdown(body)


def test_links_get_noopener_noreferrer():
    html = guidance.render_markdown("[site](https://example.org)")

    assert 'rel="noopener noreferrer"' in html


def test_dangerous_body_never_reaches_portal(client, portal_user, category, lawyer):
    body = "\n\n".join(text for text, _ in DANGEROUS_BODIES)
    article = ArticleFactory(slug="risky", body=body, category=category, owner=lawyer)
    client.force_login(portal_user)

    content = client.get(article.get_portal_url()).content.decode().lower()

    for forbidden in ("onerror", "onclick", "javascript:", "data:text", "evil.example"):
        assert forbidden not in content, forbidden
    assert "alert('x')" not in content


def test_dangerous_body_never_reaches_staff_preview(client, practice_manager, category):
    client.force_login(practice_manager)

    response = client.post(
        reverse("feedback_staff:article_create"),
        {**article_form_data(category, practice_manager), "preview": "1"},
    )

    content = response.content.decode()
    assert "Preview (not saved yet)" in content
    assert "<script>alert" not in content
    assert 'href="javascript:' not in content
    assert not Article.objects.exists()


# Staff pages
# ---------------------------------------------------------------------------

ALL_STAFF = {"lawyer", "practice_manager", "senior_legal_manager", "administrator"}
MANAGERS = ALL_STAFF - {"lawyer"}

STAFF_PAGES = [
    ("feedback_staff:article_list", False, ALL_STAFF),
    ("feedback_staff:article_detail", True, ALL_STAFF),
    ("feedback_staff:article_create", False, MANAGERS),
    ("feedback_staff:article_edit", True, MANAGERS),
    ("feedback_staff:article_delete", True, MANAGERS),
    ("feedback_staff:category_list", False, ALL_STAFF),
    ("feedback_staff:category_create", False, MANAGERS),
]
ROLES = [*sorted(ALL_STAFF), "portal_user", "other_portal_user"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "needs_article", "admitted"), STAFF_PAGES)
def test_guidance_staff_page_by_role(
    client, request, article_for_all, role, name, needs_article, admitted
):
    sign_in(client, request.getfixturevalue(role))
    url = reverse(name, args=[article_for_all.pk] if needs_article else [])

    response = client.get(url)

    assert response.status_code == (200 if role in admitted else 403)


@pytest.mark.parametrize(("name", "needs_article", "admitted"), STAFF_PAGES)
def test_guidance_staff_page_anonymous(
    client, article_for_all, name, needs_article, admitted
):
    url = reverse(name, args=[article_for_all.pk] if needs_article else [])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def article_form_data(category, owner, **overrides):
    data = {
        "title": "Data protection for governors",
        "slug": "data-protection-governors",
        "summary": "Your duties as a governor.",
        "category": category.pk,
        "audience": "all",
        "body": "# Duties\n\n<script>alert('x')</script>\n\n[bad](javascript:x)",
        "status": "published",
        "owner": owner.pk,
        "review_date": "2027-06-30",
    }
    return {**data, **overrides}


def test_manager_creates_article_for_schools(client, practice_manager, category):
    client.force_login(practice_manager)

    response = client.post(
        reverse("feedback_staff:article_create"),
        article_form_data(
            category,
            practice_manager,
            audience="kinds",
            audience_kinds=["school", "parish_council"],
        ),
    )

    article = Article.objects.get()
    assert response.status_code == 302
    assert article.published_at is not None
    assert set(article.audience_kinds.values_list("kind", flat=True)) == {
        "school",
        "parish_council",
    }
    event = AuditEvent.objects.get(target_id=str(article.pk))
    assert event.action == AuditEvent.Action.CREATE
    assert event.changes["audience_kinds"] == ["parish_council", "school"]


def test_chosen_kinds_need_a_kind(client, practice_manager, category):
    client.force_login(practice_manager)

    response = client.post(
        reverse("feedback_staff:article_create"),
        article_form_data(category, practice_manager, audience="kinds"),
    )

    assert response.status_code == 400
    assert "Tick at least one kind of client" in response.content.decode()
    assert "Data protection for governors" in response.content.decode()


def test_editing_audience_replaces_kinds(client, practice_manager, school_article):
    client.force_login(practice_manager)
    data = article_form_data(
        school_article.category,
        practice_manager,
        slug=school_article.slug,
        audience="all",
    )

    client.post(reverse("feedback_staff:article_edit", args=[school_article.pk]), data)

    school_article.refresh_from_db()
    assert school_article.audience == Article.Audience.ALL_CLIENTS
    assert not ArticleAudience.objects.filter(article=school_article).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    assert event.changes["audience_kinds"] == [["school"], []]


def test_republishing_keeps_first_publish_time(
    client, practice_manager, article_for_all
):
    first = article_for_all.published_at
    client.force_login(practice_manager)
    data = article_form_data(
        article_for_all.category, practice_manager, slug=article_for_all.slug
    )

    client.post(reverse("feedback_staff:article_edit", args=[article_for_all.pk]), data)

    article_for_all.refresh_from_db()
    assert article_for_all.published_at == first


def test_article_detail_shows_vote_counts(
    client, lawyer, article_for_all, portal_user, client_org
):
    ArticleVote.objects.create(
        article=article_for_all,
        user=portal_user,
        client=client_org,
        helpful=False,
        comment="<b>Too long</b>",
    )
    client.force_login(lawyer)

    response = client.get(article_for_all.get_absolute_url())

    content = response.content.decode()
    assert "0 said helpful, 1 said not helpful" in content
    assert "&lt;b&gt;Too long&lt;/b&gt;" in content


def test_manager_deletes_article_after_confirming(
    client, practice_manager, article_for_all
):
    client.force_login(practice_manager)
    url = reverse("feedback_staff:article_delete", args=[article_for_all.pk])

    confirm = client.get(url)
    response = client.post(url)

    assert "cannot be undone" in confirm.content.decode()
    assert response.status_code == 302
    assert not Article.objects.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DELETE).exists()


def test_manager_adds_category(client, practice_manager):
    client.force_login(practice_manager)

    response = client.post(
        reverse("feedback_staff:category_create"),
        {"name": "Procurement", "slug": "procurement", "position": 3},
    )

    assert response.status_code == 302
    assert ArticleCategory.objects.get().name == "Procurement"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE).exists()


def test_article_list_filters_review_due(client, lawyer, category):
    ArticleFactory(
        title="Stale", category=category, review_date=dt.date(2020, 1, 1), owner=lawyer
    )
    ArticleFactory(title="Fresh", category=category, owner=lawyer)
    client.force_login(lawyer)

    response = client.get(reverse("feedback_staff:article_list"), {"review": "due"})

    content = response.content.decode()
    assert "Stale" in content
    assert "Fresh" not in content


def test_article_list_sorts_by_helpful(client, lawyer, category):
    client.force_login(lawyer)

    response = client.get(reverse("feedback_staff:article_list"), {"sort": "-helpful"})

    assert response.status_code == 200


# Audiences in the portal
# ---------------------------------------------------------------------------


def test_school_sees_school_article(client, portal_user, school_article):
    client.force_login(portal_user)

    response = client.get(school_article.get_portal_url())

    assert response.status_code == 200


def test_parish_cannot_see_school_article(client, other_portal_user, school_article):
    client.force_login(other_portal_user)

    listing = client.get(reverse("portal:guidance")).content.decode()
    detail = client.get(school_article.get_portal_url())

    assert "Exclusion appeals" not in listing
    assert detail.status_code == 404


def test_categories_list_only_visible_articles(
    client, other_portal_user, school_article, article_for_all
):
    client.force_login(other_portal_user)

    content = client.get(reverse("portal:guidance")).content.decode()

    assert "Working with us" in content
    assert reverse("portal:guidance_category", args=["schools"]) not in content


# Query counts
# ---------------------------------------------------------------------------


def build_articles(size, *, owner, voters):
    category = ArticleCategory.objects.create(name=f"Bulk {size}", slug=f"bulk-{size}")
    articles = Article.objects.bulk_create(
        [
            Article(
                title=f"Article {size}-{n:03}",
                slug=f"article-{size}-{n}",
                summary="Summary",
                body="Body",
                category=category,
                audience="kinds" if n % 2 else "all",
                status="published",
                published_at=timezone.now(),
                owner=owner,
                review_date=dt.date(2027, 1, 1),
            )
            for n in range(size)
        ]
    )
    ArticleAudience.objects.bulk_create(
        [ArticleAudience(article=a, kind=Client.Kind.SCHOOL) for a in articles]
    )
    ArticleVote.objects.bulk_create(
        [
            ArticleVote(
                article=a, user=user, client=membership_client, helpful=n % 2 == 0
            )
            for a in articles
            for n, (user, membership_client) in enumerate(voters)
        ]
    )


def count_queries(http, url):
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("viewer", "url"),
    [
        ("lawyer", "/service/articles/"),
        ("lawyer", "/service/articles/?sort=-helpful&q=article"),
        ("lawyer", "/service/categories/"),
        ("portal_user", "/portal/guidance/"),
        ("portal_user", "/portal/guidance/?q=article"),
        ("portal_user", "/portal/"),
    ],
)
def test_article_pages_query_count_flat(
    client, request, lawyer, portal_user, client_org, viewer, url
):
    voters = [(portal_user, client_org)] + [
        (m.user, m.client) for m in PortalMembershipFactory.create_batch(2)
    ]
    client.force_login(request.getfixturevalue(viewer))

    build_articles(5, owner=lawyer, voters=voters)
    count_queries(client, url)
    small = count_queries(client, url)
    build_articles(50, owner=lawyer, voters=voters)
    large = count_queries(client, url)

    assert small == large
    assert large <= MAX_QUERIES_PER_PAGE


# Review reminders
# ---------------------------------------------------------------------------

TODAY = dt.date(2026, 3, 10)


def test_reminder_sent_after_review_date(db, mailoutbox, category):
    owner = StaffFactory(email="owner@example.org")
    article = ArticleFactory(
        category=category, owner=owner, review_date=TODAY - dt.timedelta(days=1)
    )

    sent = guidance.send_review_reminders(day=TODAY)

    assert sent == 1
    assert mailoutbox[0].to == ["owner@example.org"]
    assert article.title in mailoutbox[0].subject
    assert article.get_absolute_url() in mailoutbox[0].body
    reminder = ArticleReviewReminder.objects.get()
    assert reminder.sent_at is not None


def test_no_reminder_on_review_date(db, mailoutbox, category):
    ArticleFactory(category=category, review_date=TODAY)

    assert guidance.send_review_reminders(day=TODAY) == 0


def test_reminder_sent_once_per_review_date(db, mailoutbox, category):
    article = ArticleFactory(category=category, review_date=TODAY - dt.timedelta(1))

    first = guidance.send_review_reminders(day=TODAY)
    second = guidance.send_review_reminders(day=TODAY + dt.timedelta(days=1))
    article.review_date = TODAY + dt.timedelta(days=1)
    article.save()
    after_new_date = guidance.send_review_reminders(day=TODAY + dt.timedelta(days=5))

    assert (first, second, after_new_date) == (1, 0, 1)
    assert len(mailoutbox) == 2


@pytest.mark.parametrize(
    "change",
    [{"status": "draft", "published_at": None}, {"owner__is_active": False}],
)
def test_reminder_skips_drafts_and_inactive_owners(db, mailoutbox, category, change):
    owner = StaffFactory(is_active=change.get("owner__is_active", True))
    fields = {k: v for k, v in change.items() if not k.startswith("owner")}
    ArticleFactory(
        category=category, owner=owner, review_date=TODAY - dt.timedelta(1), **fields
    )

    assert guidance.send_review_reminders(day=TODAY) == 0


def test_failed_reminder_retried_later(db, mailoutbox, category, monkeypatch):
    ArticleFactory(category=category, review_date=TODAY - dt.timedelta(1))

    def fail(self, *args, **kwargs):
        raise OSError("SMTP down")

    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.EmailMessage.send", fail)
        failed = guidance.send_review_reminders(day=TODAY)
    retried = guidance.send_review_reminders(day=TODAY)

    assert (failed, retried) == (0, 1)
    assert ArticleReviewReminder.objects.count() == 1


def test_beat_schedule_runs_review_task():
    app.finalize()
    entry = app.conf.beat_schedule["article-review-reminders"]

    assert entry["task"] == tasks.send_article_review_reminders.name
    assert entry["task"] in app.tasks


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_workers_remind_each_owner_once(
    start_live_worker, smtp_sink, celery_app_on_redis, category
):
    workers = [start_live_worker(env={"EMAIL_URL": smtp_sink.url}) for _ in range(2)]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    owners = [StaffFactory() for _ in range(3)]
    for owner in owners:
        ArticleFactory(category=category, owner=owner, review_date=yesterday)

    task_ids = [tasks.send_article_review_reminders.delay().id for _ in range(4)]
    wait_for_tasks(task_ids, workers)

    recipients = sorted(r for email in smtp_sink.received for r in email.rcpt_tos)
    assert recipients == sorted(owner.email for owner in owners)
    assert ArticleReviewReminder.objects.filter(sent_at__isnull=False).count() == 3
