"""Demo guidance and feedback for ``seed_demo``.

It runs after the demo staff, clients, portal users and matters are loaded.
It adds three categories and articles for all clients, for schools and for
parish councils, one of them a draft and one past its review date. It also
adds feedback from the demo portal user and one complaint logged by staff; the
portal complaint is past its acknowledgement target. Over the last year it
adds the portal users' votes on the articles, and complaints and compliments
logged by staff, the complaints resolved with some past their target. Both
are spread evenly over the year, so every recent month has some.
"""

import random
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import PortalMembership, User
from clients.management import demo_content as content
from clients.models import Client, Contact, Matter
from clients.working_days import is_working_day

from .feedback_queue import complaint_targets
from .models import Article, ArticleAudience, ArticleCategory, ArticleVote, Feedback

# A generator of its own, so that these rows leave the rest of the demo as it was.
RANDOM_SEED = 7
HISTORY_DAYS = 400
# The published articles went live this many days before the load, the
# first one earliest, so that the year of votes comes after them.
PUBLISHED_DAYS_AGO = 430
VOTE_SHARE = 0.7
HELPFUL_SHARE = 0.8
NOT_HELPFUL_COMMENTS = [
    "It did not cover academies.",
    "Too long; a checklist would help.",
    "",
]
# Days between two complaints resolved, and between two compliments.
COMPLAINT_STEP_DAYS = 15
COMPLIMENT_STEP_DAYS = 19
# One complaint in this many is resolved after its target date.
LATE_EVERY = 5
COMPLAINT_SUBJECTS = [
    "Advice arrived after the committee deadline",
    "Nobody returned our calls",
    "The draft had the wrong party names",
    "Charged for time we did not expect",
    "Told three different dates for the same work",
]
COMPLIMENT_SUBJECTS = [
    "Thank you for the quick turnaround",
    "Clear advice that we could act on",
    "The training session was excellent",
    "Thanks for keeping us informed",
]

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
    rng = random.Random(RANDOM_SEED)
    categories = _load_categories()
    articles = _load_articles(categories, owner=lawyer, today=today, now=now)
    votes = _load_votes(rng, articles, now=now)
    feedback = _load_feedback(now=now, handler=manager)
    feedback += _load_logged_feedback(rng, today=today, now=now, handler=manager)
    return {
        "guidance articles": len(articles),
        "guidance votes": len(votes),
        "feedback items": len(feedback),
    }


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
                published_at=now - timedelta(days=PUBLISHED_DAYS_AGO - n)
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


# Votes on guidance
# ---------------------------------------------------------------------------


def _load_votes(rng, articles, *, now):
    """Let each portal user vote on some of the articles they can read."""
    memberships = PortalMembership.objects.select_related("client").order_by("pk")
    audiences = {
        article.pk: set(row[3] or [])
        for article, row in zip(articles, ARTICLES, strict=True)
    }
    votes = []
    for membership in memberships:
        for article in articles:
            kinds = audiences[article.pk]
            readable = article.status == "published" and (
                not kinds or membership.client.kind in kinds
            )
            if readable and rng.random() < VOTE_SHARE:
                votes.append(_vote(rng, membership, article))
    rng.shuffle(votes)
    votes = ArticleVote.objects.bulk_create(votes)
    # Spread evenly over the year, newest last. The insert stamps the created
    # and updated times with now, so they are set after it.
    for number, vote in enumerate(votes):
        ago = timedelta(days=HISTORY_DAYS) * (len(votes) - 1 - number) / len(votes)
        vote.created_at = vote.updated_at = now - ago
    ArticleVote.objects.bulk_update(votes, ["created_at", "updated_at"])
    return votes


def _vote(rng, membership, article):
    helpful = rng.random() < HELPFUL_SHARE
    return ArticleVote(
        article=article,
        user_id=membership.user_id,
        client=membership.client,
        helpful=helpful,
        comment="" if helpful else rng.choice(NOT_HELPFUL_COMMENTS),
    )


# Complaints and compliments logged by staff
# ---------------------------------------------------------------------------


def _load_logged_feedback(rng, *, today, now, handler):
    clients = list(Client.objects.filter(status=Client.Status.ACTIVE).order_by("name"))
    matters = _matters_by_client()
    contacts = dict(
        Contact.objects.filter(is_primary=True).values_list("client_id", "pk")
    )
    items = []
    for number in range(HISTORY_DAYS // COMPLAINT_STEP_DAYS):
        resolved_on = _working_day_on_or_before(
            today - timedelta(days=number * COMPLAINT_STEP_DAYS)
        )
        client = rng.choice(clients)
        item = _resolved_complaint(
            rng, client, resolved_on, late=number % LATE_EVERY == LATE_EVERY - 1
        )
        _finish_logged(item, rng, matters, contacts, handler)
        item.resolved_at = min(_at(resolved_on, time(15, 30)), now)
        item.acknowledged_at = min(item.acknowledged_at, item.resolved_at)
        item.responded_at = item.resolved_at
        items.append(item)
    for number in range(HISTORY_DAYS // COMPLIMENT_STEP_DAYS):
        received_on = _working_day_on_or_before(
            today - timedelta(days=3 + number * COMPLIMENT_STEP_DAYS)
        )
        item = _compliment(rng, rng.choice(clients), received_on)
        _finish_logged(item, rng, matters, contacts, handler)
        item.resolved_at = item.responded_at = item.acknowledged_at
        items.append(item)
    return Feedback.objects.bulk_create(items)


def _resolved_complaint(rng, client, resolved_on, *, late):
    # A span of N calendar days contains fewer than N working days once it
    # passes a weekend, so the first range is on time for any target of a week
    # or more. The second adds a week for bank holidays, so it is late.
    target = settings.COMPLAINT_RESOLVE_WORKING_DAYS
    if late:
        days = rng.randint(target * 7 // 5 + 7, target * 7 // 5 + 17)
    else:
        days = rng.randint(min(4, target), target)
    received_on = _working_day_on_or_before(resolved_on - timedelta(days=days))
    received = _at(received_on, time(rng.randint(9, 15), rng.choice((0, 20, 40))))
    subject = rng.choice(COMPLAINT_SUBJECTS)
    acknowledge_due, resolve_due = complaint_targets(received)
    return Feedback(
        client=client,
        kind=Feedback.Kind.COMPLAINT,
        subject=subject,
        message=f"{subject}. The client asked for an explanation and an apology.",
        received_at=received,
        acknowledge_due=acknowledge_due,
        resolve_due=resolve_due,
        acknowledged_at=received + timedelta(days=1),
        response="We have apologised, explained the delay and agreed a new date.",
    )


def _compliment(rng, client, received_on):
    received = _at(received_on, time(rng.randint(9, 16), 0))
    subject = rng.choice(COMPLIMENT_SUBJECTS)
    return Feedback(
        client=client,
        kind=Feedback.Kind.COMPLIMENT,
        subject=subject,
        message=f"{subject}. Please pass our thanks to the team.",
        received_at=received,
        acknowledged_at=received + timedelta(hours=2),
        response="Thank you. We have passed this on to the team.",
    )


def _finish_logged(item, rng, matters, contacts, handler):
    """Mark an item as logged by staff, resolved and, where possible, about a matter."""
    item.channel = rng.choice(
        [Feedback.Channel.PHONE, Feedback.Channel.EMAIL, Feedback.Channel.LETTER]
    )
    item.contact_id = contacts.get(item.client_id)
    choices = matters.get(item.client_id)
    if choices:
        item.matter_id = rng.choice(choices)
    item.status = Feedback.Status.RESOLVED
    item.logged_by = item.assigned_to = handler
    item.acknowledged_by = item.responded_by = item.resolved_by = handler
    item.assigned_at = item.received_at


def _matters_by_client():
    matters = {}
    for matter_id, client_id in Matter.objects.order_by("pk").values_list(
        "pk", "client_id"
    ):
        matters.setdefault(client_id, []).append(matter_id)
    return matters


def _working_day_on_or_before(day):
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def _at(day, clock):
    return timezone.make_aware(datetime.combine(day, clock))
