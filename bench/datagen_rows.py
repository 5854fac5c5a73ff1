"""The steps of ``bench.datagen.load``: staff, clients, work, accounts, guidance.

Each step takes the ``Loader`` and stores on it the keys later steps need.
Every random choice comes from ``loader.rng``, so a seed always gives the
same rows in the same order.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from bench.copying import copy_rows, ids

# Kinds by a client's position in each block of ten: a directorate, three of
# its services (internal, recharged), then the external kinds.
KIND_CYCLE = (
    "internal_directorate",
    "internal_service",
    "internal_service",
    "internal_service",
    "school",
    "parish_council",
    "school",
    "other_authority",
    "public_body",
    "charity",
)
INTERNAL_KINDS = ("internal_directorate", "internal_service")
CHANNELS = ("meeting", "phone", "email", "video_call", "visit", "training_event")
INTERACTION_KINDS = (
    "needs_assessment",
    "relationship_review",
    "service_query",
    "complaint",
    "training",
    "general",
)
ACTIVITIES = ("advice", "drafting", "meeting", "correspondence", "research")
MATTER_TYPES = ("Contract advice", "Employment", "Property", "Litigation", "Planning")
OUTCOMES = ("successful", "partly_successful", "unsuccessful", "not_applicable")
PENNY = Decimal("0.01")
# The days of history, ending today, that the generated work spreads over.
HISTORY_DAYS = 730


def load_staff(loader) -> None:
    """Load teams, staff with roles and profiles, and two dated rates each."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import StaffProfile, Team, User

    scale = loader.scale
    copy_rows(Team, ({"name": f"Team {n + 1}"} for n in range(scale.teams)))
    loader.teams = ids(Team)
    roles = _staff_roles(scale.staff)
    # One hash for everyone: Argon2 is slow by design.
    password = make_password(loader.password)
    copy_rows(User, (_staff_user(loader, n, role, password) for n, role in roles))
    staff = ids(User)
    loader.roles = {role: [] for _n, role in roles}
    for user_id, (_n, role) in zip(staff, roles, strict=True):
        loader.roles[role].append(user_id)
    loader.lawyers = loader.roles["lawyer"]
    loader.team_of = {
        u: loader.teams[i % len(loader.teams)] for i, u in enumerate(staff)
    }
    loader.rates = {
        u: (Decimal(60 + i % 50), Decimal(65 + i % 50)) for i, u in enumerate(staff)
    }
    loader.rate_change = loader.today - dt.timedelta(days=365)
    copy_rows(StaffProfile, (_profile(loader, u) for u in staff))
    _load_rates(loader, staff)
    _add_to_groups(loader)
    _add_authenticator_apps(loader)


def _staff_roles(count: int) -> list[tuple[int, str]]:
    managers = max(1, count // 30)
    seniors = max(1, count // 20)
    roles = ["administrator"] + ["practice_manager"] * managers
    roles += ["senior_legal_manager"] * seniors
    roles += ["lawyer"] * (count - len(roles))
    numbers = {}
    numbered = []
    for role in roles:
        numbers[role] = numbers.get(role, 0) + 1
        numbered.append((numbers[role], role))
    return numbered


def _staff_user(loader, number, role, password):
    prefix = {"practice_manager": "manager", "senior_legal_manager": "senior"}
    is_admin = role == "administrator"
    return {
        "email": loader.email(prefix.get(role, role), number),
        "full_name": f"{role.replace('_', ' ').title()} {number}",
        "password": password,
        "is_staff": is_admin,
        "is_superuser": is_admin,
        "date_joined": loader.moment(loader.first_day),
    }


def _profile(loader, user_id):
    return {
        "user_id": user_id,
        "job_title": "Solicitor",
        "team_id": loader.team_of[user_id],
        "hourly_rate": loader.rates[user_id][1],
        "start_date": loader.first_day - dt.timedelta(days=user_id % 900),
    }


def _load_rates(loader, staff) -> None:
    from clients.models import HourlyRate

    copy_rows(
        HourlyRate,
        (
            {"staff_id": u, "rate": loader.rates[u][index], "effective_from": day}
            for u in staff
            for index, day in enumerate((loader.first_day, loader.rate_change))
        ),
    )


def _add_to_groups(loader) -> None:
    from accounts.models import User
    from accounts.roles import Role

    copy_rows(
        User.groups.through,
        (
            {"user_id": user_id, "group_id": Role(role).group().pk}
            for role, users in loader.roles.items()
            for user_id in users
        ),
    )


def _add_authenticator_apps(loader) -> None:
    """Give each administrator the authenticator app their role must sign in with."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.bulk_create(
        [
            TOTPDevice(user_id=user_id, name="Authenticator app", key=loader.totp_key)
            for user_id in loader.roles["administrator"]
        ]
    )


def load_clients(loader) -> None:
    """Load clients in blocks of ten: a directorate, its services, then others."""
    from clients.models import Client

    count = loader.scale.clients
    loader.client_kinds = [KIND_CYCLE[n % 10] for n in range(count)]
    loader.owners = [loader.lawyers[n % len(loader.lawyers)] for n in range(count)]
    copy_rows(Client, (_client(loader, n) for n in range(count)))
    loader.clients = ids(Client)
    parents = [
        (loader.clients[n], loader.clients[n - n % 10])
        for n in range(count)
        if loader.client_kinds[n] == "internal_service"
    ]
    for child, parent in parents:
        Client.objects.filter(pk=child).update(parent_id=parent)
    # Key accounts alternate between an internal service and a school, spread
    # evenly over the clients.
    step = count // loader.scale.key_accounts
    loader.key_account_clients = [
        k * step + (1 if k % 2 == 0 else 4) for k in range(loader.scale.key_accounts)
    ]
    loader.recharged_client = loader.key_account_clients[0]


def _client(loader, n):
    kind = loader.client_kinds[n]
    status = "dormant" if n % 17 == 16 else "active"
    return {
        "name": f"{kind.replace('_', ' ').title()} {n + 1:05d}",
        "kind": kind,
        "status": status,
        "relationship_owner_id": loader.owners[n],
        "cost_centre_code": f"CC{n + 1:05d}" if kind in INTERNAL_KINDS else "",
        "notes": "Generated for benchmarks.",
    }


def load_contacts(loader) -> None:
    """Load the same number of contacts at every client, the first as primary."""
    from clients.models import Contact

    per_client = loader.scale.contacts // loader.scale.clients
    copy_rows(
        Contact,
        (
            _contact(loader, c, n)
            for c in range(len(loader.clients))
            for n in range(per_client)
        ),
    )
    contacts = ids(Contact)
    loader.contacts = contacts
    loader.contacts_of = [
        contacts[c * per_client : (c + 1) * per_client]
        for c in range(len(loader.clients))
    ]


def _contact(loader, c, n):
    return {
        "client_id": loader.clients[c],
        "full_name": f"Contact {c + 1}-{n + 1}",
        "job_title": ("Head of service", "Business manager", "Clerk")[n % 3],
        "email": f"contact{c + 1}-{n + 1}@client{c + 1}.example.org",
        "phone": f"01632 {960000 + c * 10 + n}",
        "is_primary": n == 0,
        "familiarity": ("informed", "some", "unfamiliar")[n % 3],
    }


def load_interactions(loader) -> None:
    """Load two years of logged contacts, one contact each, some with follow-ups."""
    from clients.models import Interaction

    rng = loader.rng
    per_client = loader.scale.interactions // loader.scale.clients
    picks = [
        (c, rng.randrange(HISTORY_DAYS), rng.choice(loader.contacts_of[c]))
        for c in range(len(loader.clients))
        for _n in range(per_client)
    ]
    copy_rows(
        Interaction,
        (_interaction(loader, c, offset, n) for n, (c, offset, _p) in enumerate(picks)),
    )
    interactions = ids(Interaction)
    copy_rows(
        Interaction.contacts.through,
        (
            {"interaction_id": i, "contact_id": contact}
            for i, (_c, _o, contact) in zip(interactions, picks, strict=True)
        ),
    )


def _interaction(loader, c, offset, n):
    day = loader.day(offset)
    staff = loader.owners[c] if n % 5 < 3 else loader.lawyers[n % len(loader.lawyers)]
    row = {
        "client_id": loader.clients[c],
        "staff_id": staff,
        "created_by_id": staff,
        "occurred_at": loader.moment(day, 9 + n % 8),
        "channel": CHANNELS[n % len(CHANNELS)],
        "kind": INTERACTION_KINDS[n % len(INTERACTION_KINDS)],
        "summary": f"Discussed the client's questions on item {n + 1}.",
        "outcome": "Advice given; next steps agreed." if n % 2 else "",
    }
    if n % 12 == 0:
        due = day + dt.timedelta(days=14)
        done = due < loader.today - dt.timedelta(days=7)
        row |= {
            "follow_up_action": "Send the written advice.",
            "follow_up_due": due,
            "follow_up_done": done,
            "follow_up_done_at": loader.moment(due) if done else None,
        }
    return row


def load_matters(loader) -> None:
    """Load matters opened over two years, about four in ten of them closed."""
    from clients.models import Matter, MatterType, ServicePromise

    MatterType.objects.bulk_create(
        [MatterType(name=name) for name in MATTER_TYPES], ignore_conflicts=True
    )
    types = list(
        MatterType.objects.filter(name__in=MATTER_TYPES).values_list("pk", flat=True)
    )
    promise = ServicePromise.objects.filter(is_active=True).order_by("pk").first()
    per_client = loader.scale.matters // loader.scale.clients
    rows = [
        _matter(loader, c, n, types, promise)
        for c in range(len(loader.clients))
        for n in range(per_client)
    ]
    copy_rows(Matter, rows)
    loader.matters = list(zip(ids(Matter), rows, strict=True))


def _matter(loader, c, n, types, promise):
    rng = loader.rng
    number = c * 1000 + n
    lawyer = loader.owners[c] if n % 2 else loader.lawyers[number % len(loader.lawyers)]
    opened = loader.day(rng.randrange(HISTORY_DAYS - 30))
    closed = None
    if rng.random() < 0.4:
        closed = min(opened + dt.timedelta(days=rng.randrange(20, 300)), loader.today)
    target = opened + dt.timedelta(days=14)
    met = opened + dt.timedelta(days=rng.randrange(3, 20))
    status = "open"
    if closed:
        status = "closed"
    elif n % 19 == 0:
        status = "on_hold"
    return {
        "client_id": loader.clients[c],
        "client_contact_id": loader.contacts_of[c][0],
        "reference": f"BEN/{c + 1:05d}/{n + 1:03d}",
        "title": f"{MATTER_TYPES[n % len(MATTER_TYPES)]} for client {c + 1}, {n + 1}",
        "matter_type_id": types[n % len(types)],
        "team_id": loader.team_of[lawyer],
        "responsible_lawyer_id": lawyer,
        "opened_on": opened,
        "closed_on": closed,
        "status": status,
        "is_chargeable": loader.client_kinds[c] in INTERNAL_KINDS,
        "service_promise_id": promise.pk if promise else None,
        "target_date": target if promise else None,
        "promise_met_on": met if promise and n % 5 and met <= loader.today else None,
        "outcome": OUTCOMES[n % len(OUTCOMES)] if closed else "",
    }


def load_time_entries(loader) -> None:
    """Load the same number of entries on every matter, from opening to close."""
    from clients.models import TimeEntry

    per_matter = loader.scale.time_entries // loader.scale.matters
    amounts = {}
    copy_rows(
        TimeEntry,
        (
            _time_entry(loader, matter_id, matter, amounts)
            for matter_id, matter in loader.matters
            for _n in range(per_matter)
        ),
    )


def _time_entry(loader, matter_id, matter, amounts):
    rng = loader.rng
    opened = matter["opened_on"]
    last = matter["closed_on"] or loader.today
    day = opened + dt.timedelta(days=rng.randrange((last - opened).days + 1))
    staff = matter["responsible_lawyer_id"]
    if rng.random() < 0.2:
        staff = rng.choice(loader.lawyers)
    rate = loader.rates[staff][day >= loader.rate_change]
    minutes = 6 * rng.randrange(1, 21)
    if (minutes, rate) not in amounts:
        amount = (Decimal(minutes) * rate / 60).quantize(PENNY, rounding=ROUND_HALF_UP)
        amounts[minutes, rate] = amount
    return {
        "matter_id": matter_id,
        "staff_id": staff,
        "created_by_id": staff,
        "worked_on": day,
        "minutes": minutes,
        "is_chargeable": matter["is_chargeable"] and rng.random() < 0.9,
        "hourly_rate": rate,
        "amount": amounts[minutes, rate],
        "activity": ACTIVITIES[minutes % len(ACTIVITIES)],
        "note": "Work on the file.",
    }


def load_recharges(loader) -> None:
    """Issue the last two months' statements of the first recharged key account.

    They go through the product's service, so the lines, totals and links to
    the time entries are exactly what the statement page expects.
    """
    from accounts.models import User
    from clients.models import RechargeStatement
    from clients.services_recharges import issue_statement, month_start

    client_id = loader.clients[loader.recharged_client]
    actor = User.objects.get(pk=loader.roles["practice_manager"][0])
    this_month = month_start(loader.today)
    months = [month_start(this_month - dt.timedelta(days=d)) for d in (40, 10)]
    for month in months:
        statement = RechargeStatement.objects.create(
            client_id=client_id, month=month, created_by=actor
        )
        issue_statement(statement=statement, actor=actor)
    loader.statement = statement.pk


def load_key_accounts(loader) -> None:
    """Load key accounts with a team of two, an agreed plan, needs and actions."""
    from clients.models import KeyAccount

    seniors = loader.roles["senior_legal_manager"]
    copy_rows(
        KeyAccount,
        (
            {
                "client_id": loader.clients[c],
                "tier": ("strategic", "major", "developing")[k % 3],
                "owner_id": loader.owners[c],
                "sponsor_id": seniors[k % len(seniors)],
                "contact_frequency_days": 30,
                "review_frequency_months": 6,
                "next_review_on": loader.today + dt.timedelta(days=k % 150 - 30),
                "reason": "A large share of the service's work.",
                "designated_by_id": loader.roles["practice_manager"][0],
            }
            for k, c in enumerate(loader.key_account_clients)
        ),
    )
    accounts = ids(KeyAccount)
    lawyers = loader.lawyers
    copy_rows(
        KeyAccount.team.through,
        (
            {"keyaccount_id": account, "user_id": lawyers[(k + step) % len(lawyers)]}
            for k, account in enumerate(accounts)
            for step in (1, 2)
        ),
    )
    _load_plans(loader, accounts)


def _load_plans(loader, accounts) -> None:
    from clients.models import ClientPlan, PlanAction, PlanNeed, PlanObjective

    aims = _aims()
    year = loader.today.year if loader.today.month >= 4 else loader.today.year - 1
    sponsor = loader.roles["senior_legal_manager"][0]
    copy_rows(
        ClientPlan,
        (
            {
                "key_account_id": account,
                "period_start": dt.date(year, 4, 1),
                "status": "agreed",
                "vision": "A trusted adviser on every major decision.",
                "preferred_channel": "email",
                "contact_frequency": "monthly",
                "advice_format": "brief",
                "review_on": dt.date(year + 1, 2, 1),
                "agreed_by_id": sponsor,
                "agreed_at": loader.now,
                "created_by_id": sponsor,
            }
            for account in accounts
        ),
    )
    plans = ids(ClientPlan)
    owners = {
        plan: loader.owners[c]
        for plan, c in zip(plans, loader.key_account_clients, strict=True)
    }
    copy_rows(
        PlanObjective,
        (
            {
                "plan_id": plan,
                "description": f"Objective {n + 1}",
                "aim_id": aims[n % len(aims)],
            }
            for plan in plans
            for n in range(2)
        ),
    )
    copy_rows(
        PlanNeed,
        (
            {
                "plan_id": plan,
                "description": f"Need {n + 1}",
                "created_by_id": owners[plan],
            }
            for plan in plans
            for n in range(2)
        ),
    )
    copy_rows(
        PlanAction,
        (
            {
                "plan_id": plan,
                "description": f"Action {n + 1}",
                "owner_id": owners[plan],
                "due_on": loader.today + dt.timedelta(days=30 * n - 45),
                "status": ("done", "in_progress", "not_started", "not_started")[n],
                "shared_with_client": n % 2 == 0,
            }
            for plan in plans
            for n in range(4)
        ),
    )


def _aims() -> list[int]:
    from kpis.models import AuthorityAim

    if not AuthorityAim.objects.exists():
        AuthorityAim.objects.bulk_create(
            [
                AuthorityAim(code=f"AIM{n}", name=name)
                for n, name in enumerate(
                    ("Thriving communities", "Value for money", "Safe places"), 1
                )
            ]
        )
    return list(AuthorityAim.objects.order_by("pk").values_list("pk", flat=True))


def load_feedback(loader) -> None:
    """Load two years of compliments, complaints, suggestions and questions."""
    from feedback.models import Feedback

    kinds = ("compliment", "complaint", "suggestion", "question")
    rng = loader.rng
    rows = []
    for n in range(loader.scale.feedback):
        c = n % len(loader.clients)
        received = loader.day(rng.randrange(HISTORY_DAYS))
        kind = kinds[n % 4]
        resolved = received + dt.timedelta(days=15) <= loader.today and n % 3
        rows.append(
            {
                "client_id": loader.clients[c],
                "kind": kind,
                "subject": f"{kind.title()} {n + 1}",
                "message": "Thank you for the advice on the contract.",
                "channel": "email",
                "logged_by_id": loader.owners[c],
                "received_at": loader.moment(received),
                "status": "resolved" if resolved else "received",
                "acknowledge_due": received + dt.timedelta(days=2)
                if kind == "complaint"
                else None,
                "resolve_due": received + dt.timedelta(days=28)
                if kind == "complaint"
                else None,
                "resolved_at": loader.moment(received + dt.timedelta(days=15))
                if resolved
                else None,
            }
        )
    copy_rows(Feedback, rows)


def load_articles(loader) -> None:
    """Load guidance in five categories, most of it published to all clients."""
    from feedback.models import Article, ArticleAudience, ArticleCategory

    names = ("Contracts", "Employment", "Property", "Governance", "Information law")
    copy_rows(
        ArticleCategory,
        (
            {"name": name, "slug": name.lower().replace(" ", "-"), "position": n}
            for n, name in enumerate(names)
        ),
    )
    categories = ids(ArticleCategory)
    owner = loader.roles["administrator"][0]
    copy_rows(
        Article,
        (_article(loader, n, categories, owner) for n in range(loader.scale.articles)),
    )
    chosen = [a for n, a in enumerate(ids(Article)) if n % 10 == 9]
    copy_rows(
        ArticleAudience,
        (
            {"article_id": a, "kind": kind}
            for a in chosen
            for kind in ("school", "charity")
        ),
    )


ARTICLE_BODY = """## What this covers

Guidance for clients on **{title}**, written by the legal service.

1. Read the summary.
2. Check the [instructions page](https://example.org/instruct).
3. Ask your lawyer when in doubt.

| step | who |
| --- | --- |
| instruct | you |
| advise | us |
"""


def _article(loader, n, categories, owner):
    title = f"Guidance note {n + 1}"
    published = n % 10 != 8
    return {
        "title": title,
        "slug": f"guidance-note-{n + 1}",
        "summary": f"A short summary of guidance note {n + 1}.",
        "body": ARTICLE_BODY.format(title=title),
        "category_id": categories[n % len(categories)],
        "audience": "kinds" if n % 10 == 9 else "all",
        "status": "published" if published else "draft",
        "published_at": loader.moment(loader.day(n % HISTORY_DAYS))
        if published
        else None,
        "owner_id": owner,
        "review_date": loader.today + dt.timedelta(days=n % 365 - 30),
    }


def load_portal_users(loader) -> None:
    """Load portal users, each of one external client, the first of a key account."""
    from accounts.models import PortalMembership, User
    from accounts.roles import Role

    external = [
        c for c, kind in enumerate(loader.client_kinds) if kind not in INTERNAL_KINDS
    ]
    first = loader.key_account_clients[1 % len(loader.key_account_clients)]
    if loader.client_kinds[first] not in INTERNAL_KINDS:
        external.remove(first)
        external.insert(0, first)
    password = User.objects.filter(pk=loader.lawyers[0]).values_list(
        "password", flat=True
    )[0]
    count = loader.scale.portal_users
    copy_rows(
        User,
        (
            {
                "email": loader.email("portal", n + 1),
                "full_name": f"Portal user {n + 1}",
                "password": password,
                "date_joined": loader.moment(loader.first_day),
            }
            for n in range(count)
        ),
    )
    users = list(
        User.objects.filter(email__startswith="portal")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    group = Role.CLIENT.group().pk
    copy_rows(User.groups.through, ({"user_id": u, "group_id": group} for u in users))
    copy_rows(
        PortalMembership,
        (
            {
                "user_id": u,
                "client_id": loader.clients[external[n % len(external)]],
                "created_by_id": loader.roles["administrator"][0],
            }
            for n, u in enumerate(users)
        ),
    )


STEPS = [
    load_staff,
    load_clients,
    load_contacts,
    load_interactions,
    load_matters,
    load_time_entries,
    load_recharges,
    load_key_accounts,
    load_feedback,
    load_articles,
    load_portal_users,
]
