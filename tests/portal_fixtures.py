"""Fixtures for the client portal: guidance for two kinds of client, and feedback.

``client_org`` (Northfield) is a school and ``other_client_org`` (Southbrook)
is made a parish council here, so that an article for schools is one that
Southbrook's portal user must never reach.
"""

import pytest

from clients.models import Client

from .factories import ArticleCategoryFactory, ArticleFactory, FeedbackFactory


@pytest.fixture
def parish_org(other_client_org):
    other_client_org.kind = Client.Kind.PARISH_COUNCIL
    other_client_org.save(update_fields=["kind"])
    return other_client_org


@pytest.fixture
def category(db):
    return ArticleCategoryFactory(name="Working with us", slug="working-with-us")


@pytest.fixture
def article_for_all(category, lawyer):
    """Published for every client."""
    return ArticleFactory(
        title="How to instruct us",
        slug="how-to-instruct-us",
        category=category,
        owner=lawyer,
    )


@pytest.fixture
def school_category(db):
    return ArticleCategoryFactory(name="Schools", slug="schools")


@pytest.fixture
def school_article(school_category, lawyer, parish_org):
    """Published for schools only: Northfield may read it, Southbrook may not."""
    article = ArticleFactory(
        title="Exclusion appeals for schools",
        slug="exclusion-appeals",
        summary="What governors need to know about exclusion appeals.",
        category=school_category,
        owner=lawyer,
        audience="kinds",
    )
    article.audience_kinds.create(kind=Client.Kind.SCHOOL)
    return article


@pytest.fixture
def draft_article(category, lawyer):
    return ArticleFactory(
        title="Draft on procurement",
        slug="draft-procurement",
        category=category,
        owner=lawyer,
        status="draft",
        published_at=None,
    )


@pytest.fixture
def own_feedback(portal_user, client_org):
    """Feedback Northfield's portal user sent."""
    return FeedbackFactory(
        client=client_org, submitted_by=portal_user, subject="Slow reply on a lease"
    )


@pytest.fixture
def other_feedback(other_portal_user, parish_org):
    """Feedback Southbrook's portal user sent: Northfield's user never sees it."""
    return FeedbackFactory(
        client=parish_org,
        submitted_by=other_portal_user,
        subject="Southbrook private complaint",
        kind="complaint",
    )
