"""Complaint targets in working days, and the staff feedback queue."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from feedback import feedback_queue
from feedback.models import Feedback

from .auth import sign_in
from .factories import ContactFactory, FeedbackFactory, StaffFactory

LONDON = ZoneInfo("Europe/London")


def london(*args):
    return dt.datetime(*args, tzinfo=LONDON)


# Working-day targets
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received_at", "acknowledge_by", "resolve_by"),
    [
        # A Monday: three working days is Thursday, twenty is four weeks on.
        (london(2026, 3, 2, 10), dt.date(2026, 3, 5), dt.date(2026, 3, 30)),
        # A Friday: weekends do not count, nor do Good Friday and Easter
        # Monday (3 and 6 April) on the way to the resolution target.
        (london(2026, 3, 6, 16), dt.date(2026, 3, 11), dt.date(2026, 4, 7)),
        # Received on a Saturday: counting starts on Monday.
        (london(2026, 3, 7, 9), dt.date(2026, 3, 11), dt.date(2026, 4, 7)),
        # Maundy Thursday: Easter is skipped, and so is May Day (4 May).
        (london(2026, 4, 2, 9), dt.date(2026, 4, 9), dt.date(2026, 5, 5)),
        # Christmas Eve: Christmas, Boxing Day (on Saturday, so moved to
        # Monday 28th) and New Year's Day are skipped.
        (london(2026, 12, 24, 9), dt.date(2026, 12, 31), dt.date(2027, 1, 26)),
        # 23:30 in London on a Monday is still Monday there, in summer time.
        (
            dt.datetime(2026, 6, 1, 22, 30, tzinfo=dt.UTC),
            dt.date(2026, 6, 4),
            dt.date(2026, 6, 29),
        ),
    ],
)
def test_complaint_targets_in_working_days(received_at, acknowledge_by, resolve_by):
    assert feedback_queue.complaint_targets(received_at) == (acknowledge_by, resolve_by)


def test_targets_follow_settings(settings):
    settings.COMPLAINT_ACKNOWLEDGE_WORKING_DAYS = 1
    settings.COMPLAINT_RESOLVE_WORKING_DAYS = 5

    targets = feedback_queue.complaint_targets(london(2026, 3, 6, 12))

    assert targets == (dt.date(2026, 3, 9), dt.date(2026, 3, 13))


def test_only_complaints_get_targets(client_org, portal_user):
    suggestion = feedback_queue.submit_from_portal(
        client=client_org, user=portal_user, kind="suggestion", subject="s", message="m"
    )
    complaint = feedback_queue.submit_from_portal(
        client=client_org, user=portal_user, kind="complaint", subject="c", message="m"
    )

    assert suggestion.acknowledge_due is None
    assert suggestion.resolve_due is None
    assert complaint.acknowledge_due is not None
    assert complaint.resolve_due is not None


# Overdue flags
# ---------------------------------------------------------------------------


def complaint(client, **fields):
    today = timezone.localdate()
    defaults = {
        "kind": "complaint",
        "acknowledge_due": today + dt.timedelta(days=2),
        "resolve_due": today + dt.timedelta(days=20),
    }
    return FeedbackFactory(client=client, **{**defaults, **fields})


YESTERDAY = -1


@pytest.mark.parametrize(
    ("fields", "acknowledgement_late", "resolution_late"),
    [
        ({}, False, False),
        ({"acknowledge_due": YESTERDAY}, True, False),
        ({"acknowledge_due": YESTERDAY, "acknowledged": True}, False, False),
        ({"resolve_due": YESTERDAY}, False, True),
        ({"resolve_due": YESTERDAY, "resolved": True}, False, False),
        ({"acknowledge_due": 0}, False, False),
    ],
)
def test_overdue_flags(client_org, fields, acknowledgement_late, resolution_late):
    today = timezone.localdate()
    values = {}
    for name in ("acknowledge_due", "resolve_due"):
        if name in fields:
            values[name] = today + dt.timedelta(days=fields[name])
    if fields.get("acknowledged"):
        values["acknowledged_at"] = timezone.now()
    if fields.get("resolved"):
        values["resolved_at"] = timezone.now()
    item = complaint(client_org, **values)

    overdue_ids = set(Feedback.objects.overdue(today).values_list("pk", flat=True))

    assert item.acknowledgement_overdue is acknowledgement_late
    assert item.resolution_overdue is resolution_late
    assert (item.pk in overdue_ids) is (acknowledgement_late or resolution_late)


def test_late_acknowledgement_counts_as_missed(client_org):
    item = complaint(
        client_org,
        acknowledge_due=dt.date(2026, 3, 5),
        acknowledged_at=london(2026, 3, 6, 9),
        resolve_due=dt.date(2026, 3, 30),
        resolved_at=london(2026, 3, 30, 17),
    )

    assert item.acknowledged_on_time is False
    assert item.resolved_on_time is True


def test_queue_highlights_overdue_complaint(client, practice_manager, client_org):
    late = complaint(
        client_org,
        subject="Unanswered complaint",
        acknowledge_due=timezone.localdate() - dt.timedelta(days=1),
    )
    client.force_login(practice_manager)

    response = client.get(reverse("feedback_staff:feedback_queue"))
    overdue_only = client.get(
        reverse("feedback_staff:feedback_queue"), {"overdue": "on"}
    )

    content = response.content.decode()
    assert "Acknowledgement overdue" in content
    assert 'class="table-danger"' in content
    assert "1 complaint is past its target" in content
    assert late.subject in overdue_only.content.decode()


def test_overdue_filter_hides_on_time_items(client, practice_manager, client_org):
    complaint(client_org, subject="On time")
    client.force_login(practice_manager)

    response = client.get(reverse("feedback_staff:feedback_queue"), {"overdue": "on"})

    assert "On time" not in response.content.decode()


# Queue actions
# ---------------------------------------------------------------------------


@pytest.fixture
def item(client_org, portal_user):
    return feedback_queue.submit_from_portal(
        client=client_org,
        user=portal_user,
        kind="complaint",
        subject="Late lease",
        message="The lease was late.",
    )


def act(http, item, action, data=None):
    url = reverse("feedback_staff:feedback_action", args=[item.pk, action])
    return http.post(url, data or {})


def test_acknowledge_keeps_time_and_audits(client, practice_manager, item):
    client.force_login(practice_manager)

    act(client, item, "acknowledge")
    first_time = Feedback.objects.get().acknowledged_at
    act(client, item, "acknowledge")

    item.refresh_from_db()
    assert item.status == Feedback.Status.ACKNOWLEDGED
    assert item.acknowledged_by == practice_manager
    assert item.acknowledged_at == first_time
    event = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).get()
    assert "acknowledged_at" in event.changes


def test_assign_records_handler(client, practice_manager, lawyer, item):
    client.force_login(practice_manager)

    act(client, item, "assign", {"assigned_to": lawyer.pk})

    item.refresh_from_db()
    assert item.assigned_to == lawyer
    assert item.assigned_at is not None
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    assert event.changes["assigned_to"] == [None, str(lawyer.pk)]


def test_assign_rejects_portal_user(client, practice_manager, portal_user, item):
    client.force_login(practice_manager)

    act(client, item, "assign", {"assigned_to": portal_user.pk})

    item.refresh_from_db()
    assert item.assigned_to is None


def test_respond_acknowledges_and_shows_client(
    client, practice_manager, portal_user, item
):
    client.force_login(practice_manager)

    act(client, item, "respond", {"response": "We are sorry; it is now sent."})

    item.refresh_from_db()
    assert item.status == Feedback.Status.RESPONDED
    assert item.response == "We are sorry; it is now sent."
    assert item.responded_by == practice_manager
    assert item.acknowledged_at == item.responded_at
    client.force_login(portal_user)
    page = client.get(item.get_portal_url()).content.decode()
    assert "We are sorry; it is now sent." in page


def test_empty_response_rejected(client, practice_manager, item):
    client.force_login(practice_manager)

    response = act(client, item, "respond", {"response": "  "})

    assert response.status_code == 400
    item.refresh_from_db()
    assert item.responded_at is None


def test_resolve_sets_time_once(client, practice_manager, item):
    client.force_login(practice_manager)

    act(client, item, "resolve")
    first = Feedback.objects.get().resolved_at
    act(client, item, "resolve")

    item.refresh_from_db()
    assert item.status == Feedback.Status.RESOLVED
    assert item.resolved_at == first
    assert item.resolved_by == practice_manager


def test_unknown_action_not_found(client, practice_manager, item):
    client.force_login(practice_manager)

    response = act(client, item, "delete")

    assert response.status_code == 404


def test_lawyer_cannot_act_on_queue(client, lawyer, item):
    client.force_login(lawyer)

    response = act(client, item, "resolve")

    assert response.status_code == 403
    item.refresh_from_db()
    assert item.resolved_at is None


# Logging feedback received by phone or letter
# ---------------------------------------------------------------------------


def test_lawyer_logs_phoned_complaint(client, lawyer, client_org):
    contact = ContactFactory(client=client_org, full_name="Gwen Davies")
    client.force_login(lawyer)
    url = reverse("feedback_staff:feedback_log") + f"?client={client_org.pk}"

    response = client.post(
        url,
        {
            "kind": "complaint",
            "channel": "phone",
            "received_at": "2026-03-06T16:00",
            "contact": contact.pk,
            "subject": "Called about delay",
            "message": "Unhappy with the delay.",
        },
    )

    item = Feedback.objects.get()
    assert response.status_code == 302
    assert item.logged_by == lawyer
    assert item.contact == contact
    assert item.channel == Feedback.Channel.PHONE
    assert item.acknowledge_due == dt.date(2026, 3, 11)


def test_log_rejects_contact_of_other_client(
    client, lawyer, client_org, other_client_org
):
    foreign = ContactFactory(client=other_client_org)
    client.force_login(lawyer)
    url = reverse("feedback_staff:feedback_log") + f"?client={client_org.pk}"

    response = client.post(
        url,
        {
            "kind": "question",
            "channel": "letter",
            "received_at": "2026-03-06T16:00",
            "contact": foreign.pk,
            "subject": "Letter",
            "message": "Kept text",
        },
    )

    assert response.status_code == 400
    assert "Kept text" in response.content.decode()
    assert not Feedback.objects.exists()


def test_log_rejects_future_time(client, lawyer, client_org):
    client.force_login(lawyer)
    url = reverse("feedback_staff:feedback_log") + f"?client={client_org.pk}"
    tomorrow = timezone.localtime() + dt.timedelta(days=1)

    response = client.post(
        url,
        {
            "kind": "question",
            "channel": "letter",
            "received_at": tomorrow.strftime("%Y-%m-%dT%H:%M"),
            "subject": "Letter",
            "message": "Text",
        },
    )

    assert response.status_code == 400
    assert "cannot be received in the future" in response.content.decode()


def test_log_page_asks_for_client_first(client, lawyer, client_org):
    client.force_login(lawyer)

    response = client.get(reverse("feedback_staff:feedback_log"))

    assert "Client organisation" in response.content.decode()
    assert 'name="subject"' not in response.content.decode()


# Who reaches the queue
# ---------------------------------------------------------------------------

ALL_STAFF = {"lawyer", "practice_manager", "senior_legal_manager", "administrator"}
ROLES = [*sorted(ALL_STAFF), "portal_user", "other_portal_user"]
QUEUE_PAGES = [
    ("feedback_staff:feedback_queue", False),
    ("feedback_staff:feedback_log", False),
    ("feedback_staff:feedback_detail", True),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "needs_item"), QUEUE_PAGES)
def test_queue_page_by_role(client, request, item, role, name, needs_item):
    sign_in(client, request.getfixturevalue(role))

    response = client.get(reverse(name, args=[item.pk] if needs_item else []))

    assert response.status_code == (200 if role in ALL_STAFF else 403)


@pytest.mark.parametrize(("name", "needs_item"), QUEUE_PAGES)
def test_queue_page_anonymous(client, item, name, needs_item):
    response = client.get(reverse(name, args=[item.pk] if needs_item else []))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_detail_hides_actions_from_lawyer(client, lawyer, item):
    client.force_login(lawyer)

    content = client.get(item.get_absolute_url()).content.decode()

    assert "Mark resolved" not in content


# Query counts
# ---------------------------------------------------------------------------


def build_feedback(size, *, clients, staff):
    today = timezone.localdate()
    Feedback.objects.bulk_create(
        [
            Feedback(
                client=clients[n % len(clients)],
                kind="complaint" if n % 2 else "question",
                subject=f"Item {n}",
                message="Text",
                channel="portal",
                assigned_to=staff,
                acknowledge_due=today - dt.timedelta(days=n % 3),
                resolve_due=today + dt.timedelta(days=10),
            )
            for n in range(size)
        ]
    )


@pytest.mark.parametrize(
    "url",
    [
        "/service/feedback/",
        "/service/feedback/?overdue=on&status=open&sort=-resolve_due&q=item",
        "/service/feedback/?handler=me&kind=complaint",
    ],
)
def test_queue_query_count_flat(
    client, practice_manager, client_org, other_client_org, url
):
    client.force_login(practice_manager)
    staff = StaffFactory()

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    build_feedback(5, clients=[client_org, other_client_org], staff=staff)
    count()
    small = count()
    build_feedback(50, clients=[client_org, other_client_org], staff=staff)
    large = count()

    assert small == large
    assert large <= 20
