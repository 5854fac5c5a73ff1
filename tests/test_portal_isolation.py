"""A portal user reaches nothing of another organisation, and nothing of staff.

Northfield Primary School (a school) has ``portal_user``; Southbrook Parish
Council (a parish council here) has ``other_portal_user``. Each test tries
one way in: a URL with the other's id, a form with an id added, a search,
the organisation switcher, a tampered session, or a staff page.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import PortalMembership
from clients.models import Client
from feedback.models import ArticleVote, Feedback
from feedback.portal_scope import SESSION_CLIENT_KEY

from .factories import (
    ArticleCategoryFactory,
    ArticleFactory,
    ContactFactory,
    FeedbackFactory,
    InvitationFactory,
    MatterFactory,
    PortalMembershipFactory,
)


@pytest.fixture
def parish_article(lawyer, parish_org):
    """Published for parish councils only: Northfield must never reach it."""
    category = ArticleCategoryFactory(name="Parish matters", slug="parish-matters")
    article = ArticleFactory(
        title="Parish allotment leases",
        slug="allotment-leases",
        summary="Letting allotments as a parish council.",
        body="Only for parish councils: the word quinquennial appears here.",
        category=category,
        owner=lawyer,
        audience="kinds",
    )
    article.audience_kinds.create(kind=Client.Kind.PARISH_COUNCIL)
    return article


@pytest.fixture
def other_matter(parish_org):
    return MatterFactory(client=parish_org, title="Southbrook village hall lease")


@pytest.fixture
def signed_in(client, portal_user, parish_org):
    client.force_login(portal_user)
    return client


# URLs with another organisation's ids
# ---------------------------------------------------------------------------


def test_article_of_other_kind_not_found(signed_in, parish_article):
    response = signed_in.get(parish_article.get_portal_url())

    assert response.status_code == 404


def test_category_of_other_kind_not_found(signed_in, parish_article):
    url = reverse("portal:guidance_category", args=[parish_article.category.slug])

    assert signed_in.get(url).status_code == 404


def test_vote_on_other_kind_article_refused(signed_in, parish_article):
    url = reverse("portal:article_vote", args=[parish_article.slug])

    response = signed_in.post(url, {"helpful": "yes"})

    assert response.status_code == 404
    assert not ArticleVote.objects.exists()


def test_other_organisation_feedback_not_found(signed_in, other_feedback):
    response = signed_in.get(other_feedback.get_portal_url())

    assert response.status_code == 404


def test_colleague_feedback_not_found(signed_in, client_org):
    colleague = PortalMembershipFactory(client=client_org).user
    theirs = FeedbackFactory(client=client_org, submitted_by=colleague)

    response = signed_in.get(theirs.get_portal_url())

    assert response.status_code == 404


def test_other_organisation_matter_not_listed(signed_in, other_matter):
    home = signed_in.get(reverse("portal:home")).content.decode()
    matters = signed_in.get(reverse("portal:matters")).content.decode()

    assert other_matter.title not in home
    assert other_matter.title not in matters
    assert other_matter.reference not in matters


def test_other_organisation_survey_not_opened(signed_in, parish_org):
    contact = ContactFactory(client=parish_org, email="other.portal@example.org")
    invitation = InvitationFactory(contact=contact)

    url = reverse("surveys:answer_from_portal", args=[invitation.pk])

    assert signed_in.get(url).status_code == 404


def test_home_and_lists_show_nothing_foreign(
    signed_in, parish_article, other_feedback, other_matter
):
    pages = [
        reverse("portal:home"),
        reverse("portal:guidance"),
        reverse("portal:feedback"),
        reverse("portal:matters"),
        reverse("portal:feedback_new"),
    ]

    for url in pages:
        content = signed_in.get(url).content.decode()
        for foreign in (
            "Southbrook Parish Council",
            parish_article.title,
            other_feedback.subject,
            other_matter.title,
        ):
            assert foreign not in content, (url, foreign)


# Forms posted with foreign ids added
# ---------------------------------------------------------------------------


def test_feedback_with_foreign_ids_stays_own(
    signed_in, portal_user, client_org, parish_org, other_portal_user
):
    response = signed_in.post(
        reverse("portal:feedback_new"),
        {
            "kind": "suggestion",
            "subject": "Own suggestion",
            "message": "Text",
            "client": parish_org.pk,
            "client_id": parish_org.pk,
            "submitted_by": other_portal_user.pk,
            "channel": "phone",
            "status": "resolved",
            "response": "Forged answer",
        },
    )

    item = Feedback.objects.get()
    assert response.status_code == 302
    assert item.client == client_org
    assert item.submitted_by == portal_user
    assert item.channel == Feedback.Channel.PORTAL
    assert item.status == Feedback.Status.RECEIVED
    assert item.response == ""


def test_feedback_about_foreign_matter_rejected(signed_in, other_matter):
    response = signed_in.post(
        reverse("portal:feedback_new"),
        {
            "kind": "complaint",
            "subject": "About their matter",
            "message": "Text",
            "matter": other_matter.pk,
        },
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Feedback.objects.exists()


def test_foreign_matter_not_offered(signed_in, other_matter, client_org):
    own = MatterFactory(client=client_org, title="Own matter")

    content = signed_in.get(reverse("portal:feedback_new")).content.decode()

    assert f'value="{own.pk}"' in content
    assert f'value="{other_matter.pk}"' not in content


def test_vote_with_foreign_ids_stays_own(
    signed_in, portal_user, client_org, parish_org, other_portal_user, article_for_all
):
    parish_only = ArticleFactory(slug="parish-only", audience="kinds")
    parish_only.audience_kinds.create(kind=Client.Kind.PARISH_COUNCIL)

    signed_in.post(
        reverse("portal:article_vote", args=[article_for_all.slug]),
        {
            "helpful": "yes",
            "article": parish_only.pk,
            "article_id": parish_only.pk,
            "client": parish_org.pk,
            "user": other_portal_user.pk,
        },
    )

    vote = ArticleVote.objects.get()
    assert vote.article == article_for_all
    assert vote.client == client_org
    assert vote.user == portal_user


# The organisation switcher and the session
# ---------------------------------------------------------------------------


def test_switcher_refuses_foreign_organisation(signed_in, parish_org, client_org):
    response = signed_in.post(
        reverse("portal:switch_organisation"), {"client": parish_org.pk}
    )
    home = signed_in.get(reverse("portal:home")).content.decode()

    assert response.status_code == 404
    assert signed_in.session.get(SESSION_CLIENT_KEY) is None
    assert "Southbrook Parish Council" not in home


@pytest.mark.parametrize("value", ["", "not-a-number", "999999", "-1"])
def test_switcher_refuses_bad_values(signed_in, value):
    response = signed_in.post(reverse("portal:switch_organisation"), {"client": value})

    assert response.status_code == 404


def test_switcher_rejects_get(signed_in, client_org):
    response = signed_in.get(
        reverse("portal:switch_organisation"), {"client": client_org.pk}
    )

    assert response.status_code == 405


def test_tampered_session_falls_back_to_own(signed_in, parish_org, other_feedback):
    session = signed_in.session
    session[SESSION_CLIENT_KEY] = parish_org.pk
    session.save()

    listing = signed_in.get(reverse("portal:feedback")).content.decode()
    detail = signed_in.get(other_feedback.get_portal_url())

    assert "Southbrook" not in listing
    assert "Northfield Primary School" in listing
    assert detail.status_code == 404


def test_removed_membership_loses_access(
    signed_in, portal_user, client_org, own_feedback
):
    PortalMembership.objects.filter(user=portal_user, client=client_org).delete()

    response = signed_in.get(own_feedback.get_portal_url())

    assert response.status_code == 404


# Search
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["quinquennial", "allotment", "Parish allotment"])
def test_search_never_finds_other_kind(signed_in, parish_article, query):
    response = signed_in.get(reverse("portal:guidance"), {"q": query})

    content = response.content.decode()
    assert parish_article.title not in content
    assert parish_article.get_portal_url() not in content


def test_search_in_category_stays_scoped(signed_in, parish_article, article_for_all):
    url = reverse("portal:guidance_category", args=[article_for_all.category.slug])

    response = signed_in.get(url, {"q": "allotment"})

    assert parish_article.title not in response.content.decode()


def test_draft_never_found_by_search(signed_in, draft_article):
    response = signed_in.get(reverse("portal:guidance"), {"q": "procurement"})

    assert draft_article.title not in response.content.decode()


# Downloads
# ---------------------------------------------------------------------------


def test_portal_offers_no_downloads(signed_in, own_feedback, article_for_all):
    # The portal has no exports or file downloads, so every page it links to
    # is HTML. This fails if a download is added without its own isolation test.
    for name in ("portal:home", "portal:guidance", "portal:feedback", "portal:matters"):
        response = signed_in.get(reverse(name))
        assert response["Content-Type"].startswith("text/html"), name
        assert not response.has_header("Content-Disposition"), name


# Staff pages
# ---------------------------------------------------------------------------

# URL namespaces a portal user may open: the portal itself, signing in and
# out, and the survey answer pages (which check their own token).
PORTAL_SIDE_NAMESPACES = {"portal", "accounts", "surveys"}


def staff_urls():
    """Every URL of the site outside the portal side, with placeholder ids."""
    found = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(
                    pattern.url_patterns,
                    prefix + str(pattern.pattern),
                    pattern.namespace or namespace,
                )
            elif isinstance(pattern, URLPattern):
                found.append((namespace, prefix + str(pattern.pattern)))

    walk(get_resolver().url_patterns, "/", None)
    return [
        _fill_placeholders(route)
        for namespace, route in found
        if namespace not in PORTAL_SIDE_NAMESPACES
        and namespace != "admin"
        and route not in ("/", "/health/", "/favicon.ico")
        and "(?P" not in route
    ]


def _fill_placeholders(route):
    return re.sub(
        r"<(?:(\w+):)?\w+>", lambda m: "1" if m.group(1) == "int" else "x", route
    )


@pytest.mark.parametrize("method", ["get", "post"])
def test_portal_user_reaches_no_staff_page(client, portal_user, client_org, method):
    client.force_login(portal_user)
    urls = staff_urls()

    reached = []
    for url in urls:
        response = getattr(client, method)(url)
        if response.status_code not in (403, 404, 405):
            reached.append((url, response.status_code))

    assert len(urls) > 20
    assert reached == []


def test_staff_home_sends_portal_user_to_portal(client, portal_user):
    client.force_login(portal_user)

    response = client.get(reverse("home"))

    assert response["Location"] == reverse("portal:home")


def test_portal_user_refused_django_admin(client, portal_user):
    client.force_login(portal_user)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
