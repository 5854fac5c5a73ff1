"""Demo guidance and feedback for ``seed_demo``.

It runs after the demo staff, clients and portal user are loaded. It adds
three categories and articles for all clients, for schools and for parish
councils, one of them a draft and one past its review date. It also adds
feedback from the demo portal user and one complaint logged by staff. The
portal complaint is past its acknowledgement target.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.models import User
from clients.management import demo_content as content
from clients.models import Client

from .feedback_queue import complaint_targets
from .models import Article, ArticleAudience, ArticleCategory, Feedback

CATEGORIES = [
    ("working-with-us", "Working with us", "How to instruct us and what to expect."),
    ("schools", "Schools and academies", "Guidance for heads and governors."),
    ("governance", "Governance", "Decisions, meetings and records."),
]

# (slug, title, category, audience kinds or None for all, status, summary, body)
ARTICLES = [
    (
        "how-to-instruct-us",
        "How to instruct us",
        "working-with-us",
        None,
        "published",
        "What to send us when you need legal advice, and what happens next.",
        "## What to send\n\n- what you need and by when\n- the papers you have\n"
        "- who we should talk to\n\n## What happens next\n\nWe acknowledge a "
        "new instruction within two working days and tell you who is dealing "
        "with it.",
    ),
    (
        "our-service-standards",
        "Our service standards",
        "working-with-us",
        None,
        "published",
        "The promises we make about how quickly we respond.",
        "We aim to **acknowledge** every instruction within two working days. "
        "If we miss a promise we tell you why.\n\n| Work | Promise |\n|---|---|\n"
        "| New instruction | 2 working days |\n| Contract review | 10 working days |",
    ),
    (
        "how-we-handle-complaints",
        "How we handle complaints",
        "working-with-us",
        None,
        "published",
        "How to complain, and how quickly we acknowledge and resolve it.",
        "Tell us through the portal, by phone or in writing. We acknowledge a "
        "complaint within 3 working days and aim to resolve it within 20.",
    ),
    (
        "exclusion-appeals",
        "Exclusion appeals: a guide for governors",
        "schools",
        [Client.Kind.SCHOOL],
        "published",
        "What governors need to know before an exclusion review panel.",
        "## Before the meeting\n\nRead the head teacher's report and the "
        "parents' representations.\n\n## At the meeting\n\nKeep a clear "
        "record of the reasons for the decision.",
    ),
    (
        "admissions-appeals-timetable",
        "Admissions appeals timetable",
        "schools",
        [Client.Kind.SCHOOL],
        "published",
        "The dates that admission authorities must meet.",
        "Appeals for the September intake must be heard within 40 school days "
        "of the deadline for lodging them.",
    ),
    (
        "parish-meetings",
        "Running a lawful parish meeting",
        "governance",
        [Client.Kind.PARISH_COUNCIL],
        "published",
        "Notice, agendas and minutes for parish and town councils.",
        "Give at least three clear days' notice of a meeting and publish the "
        "agenda with it.",
    ),
    (
        "data-protection-draft",
        "Data protection requests (draft)",
        "governance",
        None,
        "draft",
        "Answering subject access requests on time.",
        "Draft: to be reviewed by the information governance team.",
    ),
]

# (kind, subject, message, days ago received, staff response or "")
PORTAL_FEEDBACK = [
    (
        Feedback.Kind.COMPLIMENT,
        "Thank you for the lease advice",
        "The advice on the playing field lease was clear and quick.",
        40,
        "Thank you. We have passed this on to the team.",
    ),
    (
        Feedback.Kind.QUESTION,
        "Who deals with admissions appeals?",
        "We have an appeal coming up. Who should we contact?",
        6,
        "",
    ),
    (
        Feedback.Kind.COMPLAINT,
        "No reply about the staff grievance",
        "We sent papers two weeks ago and have heard nothing.",
        9,
        "",
    ),
]


def load_portal_demo(*, today: date, now: datetime) -> dict[str, int]:
    """Load the demo guidance and feedback, replacing those of an earlier run."""
    staff = {user.email: user for user in User.objects.filter(is_active=True)}
    lawyer = staff[content.LAWYER_EMAIL]
    manager = staff["manager@example.org"]

    Article.objects.filter(slug__in=[row[0] for row in ARTICLES]).delete()
    categories = _load_categories()
    articles = _load_articles(categories, owner=lawyer, today=today, now=now)
    feedback = _load_feedback(now=now, handler=manager)
    return {"guidance articles": len(articles), "feedback items": len(feedback)}


def _load_categories():
    categories = {}
    for position, (slug, name, description) in enumerate(CATEGORIES):
        categories[slug], _ = ArticleCategory.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "description": description, "position": position},
        )
    return categories


def _load_articles(categories, *, owner, today, now):
    articles = []
    for n, (slug, title, category, kinds, status, summary, body) in enumerate(ARTICLES):
        # The second article's review date has passed, so its owner gets a
        # reminder when the review job next runs.
        review = today - timedelta(days=3) if n == 1 else today + timedelta(days=180)
        articles.append(
            Article(
                slug=slug,
                title=title,
                summary=summary,
                body=body,
                category=categories[category],
                audience="kinds" if kinds else "all",
                status=status,
                published_at=now - timedelta(days=30 - n)
                if status == "published"
                else None,
                owner=owner,
                review_date=review,
            )
        )
    articles = Article.objects.bulk_create(articles)
    ArticleAudience.objects.bulk_create(
        [
            ArticleAudience(article=article, kind=kind)
            for article, row in zip(articles, ARTICLES, strict=True)
            for kind in row[3] or []
        ]
    )
    return articles


def _load_feedback(*, now, handler):
    school = Client.objects.get(name=content.PORTAL_SCHOOL)
    portal_user = User.objects.get(email=content.PORTAL_EMAIL)

    items = []
    for kind, subject, message, days_ago, response in PORTAL_FEEDBACK:
        received = timezone.make_aware(
            datetime.combine(now.date() - timedelta(days=days_ago), time(10, 0))
        )
        item = Feedback(
            client=school,
            submitted_by=portal_user,
            kind=kind,
            subject=subject,
            message=message,
            channel=Feedback.Channel.PORTAL,
            received_at=received,
        )
        if kind == Feedback.Kind.COMPLAINT:
            item.acknowledge_due, item.resolve_due = complaint_targets(received)
        if response:
            item.response = response
            item.status = Feedback.Status.RESOLVED
            item.acknowledged_at = item.responded_at = item.resolved_at = received
            item.acknowledged_by = item.responded_by = item.resolved_by = handler
        items.append(item)
    items.append(_phoned_complaint(now=now, handler=handler))
    return Feedback.objects.bulk_create(items)


def _phoned_complaint(*, now, handler):
    parish = Client.objects.get(name=content.PARISH_COUNCILS[0])
    received = now - timedelta(days=2)
    acknowledge_due, resolve_due = complaint_targets(received)
    return Feedback(
        client=parish,
        kind=Feedback.Kind.COMPLAINT,
        subject="Allotment lease still not signed",
        message="The clerk phoned: the lease was promised last month.",
        channel=Feedback.Channel.PHONE,
        logged_by=handler,
        assigned_to=handler,
        received_at=received,
        acknowledge_due=acknowledge_due,
        resolve_due=resolve_due,
    )
