"""The guidance library's writes and its Markdown rendering.

Article bodies are Markdown written by staff and read by clients. They are
rendered with the ``markdown`` package and then sanitised with ``nh3``
against the allow-lists below. Whatever a body contains, no script, event
handler, style, image or link to a scheme other than http, https or mailto
reaches a client's page.
"""

import logging
import xml.etree.ElementTree as etree
from collections import Counter
from datetime import date

import markdown
import nh3
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from accounts import audit
from accounts.models import AuditEvent, User
from clients.models import Client

from .models import Article, ArticleAudience, ArticleReviewReminder, ArticleVote

logger = logging.getLogger(__name__)

# Markdown rendering
# ---------------------------------------------------------------------------

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer"


class _DemoteHeadings(markdown.treeprocessors.Treeprocessor):
    """Move every heading one level down, because the page's title is the h1."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag in {"h1", "h2", "h3", "h4", "h5"}:
                element.tag = f"h{int(element.tag[1]) + 1}"


class _DemoteHeadingsExtension(markdown.extensions.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_DemoteHeadings(md), "demote_headings", 5)


def render_markdown(text: str) -> SafeString:
    """Render Markdown to HTML and sanitise it, ready to place in a page."""
    html = markdown.markdown(
        text,
        extensions=[
            "fenced_code",
            "sane_lists",
            "tables",
            _DemoteHeadingsExtension(),
        ],
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    # nh3 has removed everything outside the allow-lists above.
    return mark_safe(cleaned)


# Articles
# ---------------------------------------------------------------------------


@transaction.atomic
def save_article(
    *,
    article: Article,
    audience_kinds: list[str],
    actor: User,
    request=None,
) -> Article:
    """Save ``article`` and its audience kinds, and record the change.

    ``published_at`` is set the first time the article is published and kept
    after that, so the portal's "new guidance" stays in publishing order.
    """
    creating = article.pk is None
    before = {} if creating else _article_snapshot(Article.objects.get(pk=article.pk))
    if article.is_published and article.published_at is None:
        article.published_at = timezone.now()
    if article.audience == Article.Audience.ALL_CLIENTS:
        audience_kinds = []
    article.full_clean()
    article.save()
    _replace_audience_kinds(article, audience_kinds)

    after = _article_snapshot(article)
    audit.record(
        action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE,
        actor=actor,
        target=article,
        changes=after if creating else audit.changed_fields(before, after),
        request=request,
    )
    return article


def _replace_audience_kinds(article: Article, kinds: list[str]) -> None:
    article.audience_kinds.exclude(kind__in=kinds).delete()
    existing = set(article.audience_kinds.values_list("kind", flat=True))
    ArticleAudience.objects.bulk_create(
        [
            ArticleAudience(article=article, kind=kind)
            for kind in sorted(set(kinds) - existing)
        ]
    )


def _article_snapshot(article: Article) -> dict:
    values = audit.snapshot(
        article,
        [
            "title",
            "slug",
            "summary",
            "body",
            "category",
            "audience",
            "status",
            "owner",
            "review_date",
        ],
    )
    values["audience_kinds"] = sorted(
        article.audience_kinds.values_list("kind", flat=True)
    )
    return values


def record_vote(
    *,
    article: Article,
    user: User,
    client: Client,
    helpful: bool,
    comment: str,
) -> ArticleVote:
    """Store a portal user's helpful or not helpful vote, replacing an earlier one."""
    vote, _ = ArticleVote.objects.update_or_create(
        article=article,
        user=user,
        defaults={"client": client, "helpful": helpful, "comment": comment.strip()},
    )
    return vote


# Review reminders
# ---------------------------------------------------------------------------


def send_review_reminders(*, day: date | None = None) -> int:
    """Email each owner of a published article whose review date is before ``day``.

    ``day`` defaults to today in Europe/London. Each review date of each
    article gets one reminder, however often this runs and in however many
    workers, because an ``ArticleReviewReminder`` row is committed before the
    email goes out. A failed send deletes the row, so a later run retries.
    An article whose owner is inactive is skipped until it has a new owner.

    Call it outside any transaction, as the Celery task does. Returns the
    number of emails sent.
    """
    day = day or timezone.localdate()
    reminded = ArticleReviewReminder.objects.filter(
        article=OuterRef("pk"), review_date=OuterRef("review_date")
    )
    articles = (
        Article.objects.published()
        .review_due(day)
        .filter(owner__is_active=True)
        .exclude(Exists(reminded))
        .select_related("owner")
        .order_by("pk")
    )

    outcomes = Counter(_remind_owner(article) for article in articles)
    logger.info(
        "Article review reminders for %s: %d sent, %d already claimed, %d failed",
        day.isoformat(),
        outcomes["sent"],
        outcomes["claimed"],
        outcomes["failed"],
    )
    return outcomes["sent"]


def _remind_owner(article: Article) -> str:
    try:
        with transaction.atomic():
            reminder = ArticleReviewReminder.objects.create(
                article=article,
                review_date=article.review_date,
                recipient=article.owner,
            )
    except IntegrityError:
        return "claimed"

    try:
        _review_reminder_email(article).send()
    except Exception:
        # Whatever failed, the owner has no reminder, so the claim is released
        # for a later run to try again.
        ArticleReviewReminder.objects.filter(pk=reminder.pk).delete()
        logger.exception(
            "Review reminder for article %s failed; a later run will retry",
            article.pk,
        )
        return "failed"

    reminder.sent_at = timezone.now()
    reminder.save(update_fields=["sent_at"])
    return "sent"


def _review_reminder_email(article: Article) -> EmailMessage:
    context = {
        "article": article,
        "owner": article.owner,
        "edit_url": settings.SITE_URL + article.get_absolute_url(),
    }
    return EmailMessage(
        subject=f"Legal CRM: guidance article due for review: {article.title}",
        body=render_to_string("feedback/staff/email/review_reminder.txt", context),
        to=[article.owner.email],
    )
