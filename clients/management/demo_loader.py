"""Builder of the demo data that the ``seed_demo`` command loads.

Rows go in with ``bulk_create``, a few statements per table rather than one
per row, which keeps a full load fast on SQLite.
"""

import random
import unicodedata
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import PortalMembership, StaffProfile, Team, User
from accounts.roles import Role
from clients.management import demo_content as content
from clients.management.demo_key_accounts import (
    KeyAccountDemoLoader,
    planned_assessments,
)
from clients.management.demo_matters import MatterDemoLoader
from clients.models import Client, Contact, Interaction, Tag
from feedback.portal_demo import load_portal_demo
from feedback.surveys.demo import load_survey_demo

# Every random choice comes from one generator with this seed, and the
# choices are made in a fixed order, so every run produces the same content.
RANDOM_SEED = 2026

# Client kinds grouped the way the content tables are keyed.
KIND_GROUPS = {
    Client.Kind.INTERNAL_DIRECTORATE: "internal",
    Client.Kind.INTERNAL_SERVICE: "internal",
    Client.Kind.SCHOOL: "school",
    Client.Kind.PARISH_COUNCIL: "parish",
    Client.Kind.OTHER_AUTHORITY: "authority",
}
# Relative share of contacts and of logged interactions per client group.
CONTACT_WEIGHTS = {"internal": 1.5, "school": 1.0, "parish": 1.2, "authority": 1.5}
INTERACTION_WEIGHTS = {"internal": 3.0, "school": 1.0, "parish": 0.8, "authority": 3.0}
STATUS_WEIGHTS = {"active": 1.0, "dormant": 0.3, "former": 0.4, "prospective": 0.3}
# How many primary contacts of each client kind get a portal sign-in.
PORTAL_VOTERS = {Client.Kind.SCHOOL: 8, Client.Kind.PARISH_COUNCIL: 4}


class DemoLoader:
    """Loader of the demo records, drawing every random choice from one generator."""

    def __init__(self, *, today, now):
        self.rng = random.Random(RANDOM_SEED)
        self.today = today
        self.now = now
        self.zone = timezone.get_default_timezone()
        # Filled by create_staff: (user, start date, leave date, StaffMember).
        self.members = []
        self.users_by_email = {}
        self.password_hash = ""

    def load(self):
        teams = self.create_teams()
        self.create_staff(teams)
        clients = self.create_clients()
        self.tag_clients(clients)
        contacts_by_client = self.create_contacts(clients)
        self.create_portal_user(clients)
        self.create_portal_voters(clients, contacts_by_client)
        interactions = self.create_interactions(clients, contacts_by_client)
        load_survey_demo(today=self.today, now=self.now)
        open_follow_ups = sum(
            1 for i in interactions if i.follow_up_due and not i.follow_up_done
        )
        matter_counts = MatterDemoLoader(self).load(clients, KIND_GROUPS)
        # After the matters, which some complaints are about, and before the
        # key accounts, whose health counts open complaints.
        portal_counts = load_portal_demo(today=self.today, now=self.now)
        account_counts = KeyAccountDemoLoader(self).load(clients, KIND_GROUPS)
        return {
            "teams": len(teams),
            "staff": len(self.members),
            "clients": len(clients),
            "contacts": sum(len(c) for c in contacts_by_client.values()),
            "interactions": len(interactions),
            "open follow-ups": open_follow_ups,
            **matter_counts,
            **portal_counts,
            **account_counts,
        }

    # Staff

    def create_teams(self):
        teams = {}
        for name, description in content.TEAMS.items():
            team, _ = Team.objects.get_or_create(
                name=name, defaults={"description": description}
            )
            teams[name] = team
        return teams

    def create_staff(self, teams):
        # Hashing is slow with Argon2, and every demo account has the same
        # password, so the hash is computed once.
        password_hash = make_password(content.DEMO_PASSWORD)
        users = User.objects.bulk_create(
            [self.build_staff_user(m, password_hash) for m in content.STAFF]
        )
        StaffProfile.objects.bulk_create(
            [
                self.build_profile(user, member, teams)
                for user, member in zip(users, content.STAFF, strict=True)
            ]
        )
        add_to_groups(
            (user, Role[member.role])
            for user, member in zip(users, content.STAFF, strict=True)
        )
        self.members = [
            (user, self.day(member.start), self.leave_date(member), member)
            for user, member in zip(users, content.STAFF, strict=True)
        ]
        self.users_by_email = {user.email: user for user in users}
        self.password_hash = password_hash

    def build_staff_user(self, member, password_hash):
        leave = self.leave_date(member)
        is_admin = member.role == "ADMINISTRATOR"
        return User(
            email=member.email,
            full_name=member.full_name,
            password=password_hash,
            is_active=leave is None or leave >= self.today,
            is_staff=is_admin,
            is_superuser=is_admin,
            date_joined=self.at(self.day(member.start), time(9, 0)),
        )

    def build_profile(self, user, member, teams):
        return StaffProfile(
            user=user,
            job_title=member.job_title,
            team=teams.get(member.team),
            hourly_rate=money(member.hourly_rate),
            start_date=self.day(member.start),
            leave_date=self.leave_date(member),
            relationship_duties=(
                "Schools and parish councils in the north of the county."
                if member.email == content.LAWYER_EMAIL
                else ""
            ),
        )

    def leave_date(self, member):
        return None if member.leave is None else self.day(member.leave)

    def lawyers(self, team=None, *, on=None):
        """Return the lawyers of a team (or of the service) employed on a day."""
        on = on or self.today
        return [
            user
            for user, start, leave, member in self.members
            if member.role == "LAWYER"
            and (team is None or member.team == team)
            and start <= on
            and (leave is None or on <= leave)
        ]

    # Clients

    def create_clients(self):
        directorates = Client.objects.bulk_create(
            [
                self.build_client(name, Client.Kind.INTERNAL_DIRECTORATE, team, code)
                for name, code, team, _services in content.DIRECTORATES
            ]
        )
        services = []
        for parent, (_n, _c, team, rows) in zip(
            directorates, content.DIRECTORATES, strict=True
        ):
            for name, code in rows:
                service = self.build_client(
                    name, Client.Kind.INTERNAL_SERVICE, team, code
                )
                service.parent = parent
                services.append(service)
        external = [
            *(
                self.build_client(n, Client.Kind.SCHOOL, content.EDUCATION)
                for n in content.SCHOOLS
            ),
            *(
                self.build_client(n, Client.Kind.PARISH_COUNCIL, content.GOVERNANCE)
                for n in content.PARISH_COUNCILS
            ),
            *(
                self.build_client(n, Client.Kind.OTHER_AUTHORITY, content.CONTRACTS)
                for n in content.OTHER_AUTHORITIES
            ),
        ]
        return directorates + Client.objects.bulk_create(services + external)

    def build_client(self, name, kind, team, cost_centre=""):
        if name in content.LAWYER_CLIENTS:
            owner = self.users_by_email[content.LAWYER_EMAIL]
        else:
            owner = self.rng.choice(self.lawyers(team))
        return Client(
            name=name,
            kind=kind,
            status=content.CLIENT_STATUS.get(name, Client.Status.ACTIVE),
            relationship_owner=owner,
            cost_centre_code=cost_centre,
            notes=content.CLIENT_NOTES.get(name, ""),
        )

    def tag_clients(self, clients):
        tags = {name: Tag.objects.get_or_create(name=name)[0] for name in content.TAGS}
        rows = []
        for client in clients:
            for tag_name in self.tags_for(client):
                rows.append(Client.tags.through(client=client, tag=tags[tag_name]))
        Client.tags.through.objects.bulk_create(rows)

    def tags_for(self, client):
        names = []
        if client.name in content.KEY_ACCOUNTS:
            names.append("Key account")
        if "Academy" in client.name:
            names.append("Academy")
        if client.kind == Client.Kind.SCHOOL and client.status == Client.Status.ACTIVE:
            if self.rng.random() < 0.6:
                names.append("Service level agreement")
        if not client.is_internal and self.rng.random() < 0.4:
            names.append("Traded service")
        return names

    # Contacts

    def create_contacts(self, clients):
        per_client = {client.pk: 1 for client in clients}
        weights = [CONTACT_WEIGHTS[KIND_GROUPS[c.kind]] for c in clients]
        extra = content.CONTACT_COUNT - len(clients)
        for client in self.rng.choices(clients, weights=weights, k=extra):
            per_client[client.pk] += 1

        names = NamePicker(self.rng)
        phones = PhonePicker(self.rng)
        contacts = []
        for client in clients:
            for position in range(per_client[client.pk]):
                contacts.append(self.build_contact(client, position, names, phones))
        Contact.objects.bulk_create(contacts)

        by_client = {client.pk: [] for client in clients}
        for contact in contacts:
            by_client[contact.client_id].append(contact)
        return by_client

    def build_contact(self, client, position, names, phones):
        group = KIND_GROUPS[client.kind]
        is_primary = position == 0
        if is_primary and client.name == content.PORTAL_SCHOOL:
            full_name = names.take(content.PORTAL_USER_NAME)
        else:
            full_name = names.pick()
        channel = self.rng.choices(list(Contact.Channel), weights=(6, 3, 1, 1))[0]
        has_email = channel == Contact.Channel.EMAIL or self.rng.random() < 0.85
        needs_phone = channel == Contact.Channel.PHONE or not has_email
        return Contact(
            client=client,
            full_name=full_name,
            job_title=self.job_title(client, group, is_primary),
            email=names.email(full_name) if has_email else "",
            phone=phones.pick() if needs_phone or self.rng.random() < 0.8 else "",
            preferred_channel=channel,
            familiarity=self.rng.choices(
                list(Contact.Familiarity), weights=content.FAMILIARITY_WEIGHTS[group]
            )[0],
            is_primary=is_primary,
            is_active=is_primary or self.rng.random() > 0.08,
            lawful_basis=self.lawful_basis(group),
        )

    def job_title(self, client, group, is_primary):
        if is_primary and client.kind == Client.Kind.INTERNAL_DIRECTORATE:
            return f"Director of {client.name}"
        if is_primary and client.kind == Client.Kind.INTERNAL_SERVICE:
            return f"Head of {client.name}"
        titles = content.JOB_TITLES[group]
        return titles[0] if is_primary else self.rng.choice(titles[1:])

    def lawful_basis(self, group):
        basis = Contact.LawfulBasis
        if group == "school" and self.rng.random() < 0.3:
            return basis.LEGITIMATE_INTERESTS
        if group == "parish" and self.rng.random() < 0.6:
            return basis.CONTRACT
        return basis.PUBLIC_TASK

    # Portal user

    def create_portal_user(self, clients):
        school = next(c for c in clients if c.name == content.PORTAL_SCHOOL)
        user = User.objects.create(
            email=content.PORTAL_EMAIL,
            full_name=content.PORTAL_USER_NAME,
            password=self.password_hash,
        )
        add_to_groups([(user, Role.CLIENT)])
        PortalMembership.objects.create(
            user=user,
            client=school,
            created_by=self.users_by_email["admin@example.org"],
        )

    def create_portal_voters(self, clients, contacts_by_client):
        """Give primary contacts at some schools and parishes a portal sign-in.

        They have no password yet, as if invited but never signed in, and
        they cast the demo's votes on guidance articles.
        """
        used_emails = set(self.users_by_email) | {content.PORTAL_EMAIL}
        remaining = dict(PORTAL_VOTERS)
        contacts = []
        for client in clients:
            primary = contacts_by_client[client.pk][0]
            eligible = (
                client.status == Client.Status.ACTIVE
                and client.name != content.PORTAL_SCHOOL
                and primary.email
                and primary.email not in used_emails
            )
            if eligible and remaining.get(client.kind, 0) > 0:
                remaining[client.kind] -= 1
                contacts.append(primary)
        users = User.objects.bulk_create(
            User(email=c.email, full_name=c.full_name, password=make_password(None))
            for c in contacts
        )
        add_to_groups((user, Role.CLIENT) for user in users)
        admin = self.users_by_email["admin@example.org"]
        PortalMembership.objects.bulk_create(
            PortalMembership(user=user, client=contact.client, created_by=admin)
            for user, contact in zip(users, contacts, strict=True)
        )

    # Interactions

    def create_interactions(self, clients, contacts_by_client):
        assessments = self.key_account_assessments(clients)
        random_count = (
            content.INTERACTION_COUNT
            - len(content.LAWYER_FOLLOW_UPS)
            - len(assessments)
        )
        weights = [
            INTERACTION_WEIGHTS[KIND_GROUPS[c.kind]] * STATUS_WEIGHTS[c.status]
            for c in clients
        ]
        picked = self.rng.choices(clients, weights=weights, k=random_count)
        planned = [(c, self.random_day(c), None, None) for c in picked]
        planned += self.lawyer_follow_ups(clients)
        planned += assessments

        interactions, attached = [], []
        for client, day, due, kind in planned:
            contacts = self.pick_contacts(contacts_by_client[client.pk])
            interactions.append(
                self.build_interaction(client, day, due, contacts, kind=kind)
            )
            attached.append(contacts)

        order = sorted(
            range(len(interactions)), key=lambda n: interactions[n].occurred_at
        )
        interactions = [interactions[n] for n in order]
        attached = [attached[n] for n in order]
        Interaction.objects.bulk_create(interactions)
        Interaction.contacts.through.objects.bulk_create(
            Interaction.contacts.through(interaction=interaction, contact=contact)
            for interaction, contacts in zip(interactions, attached, strict=True)
            for contact in contacts
        )
        return interactions

    def lawyer_follow_ups(self, clients):
        """Plan the demo lawyer's recent contacts whose follow-ups are still open."""
        own = [
            c
            for c in clients
            if c.name in content.LAWYER_CLIENTS and c.status == Client.Status.ACTIVE
        ]
        return [
            (
                self.rng.choice(own),
                self.weekday_on_or_before(self.day(-days_ago)),
                self.day(due_in),
                None,
            )
            for days_ago, due_in in content.LAWYER_FOLLOW_UPS
        ]

    def key_account_assessments(self, clients):
        """Plan each key account's latest one-to-one needs assessment."""
        by_name = {client.name: client for client in clients}
        return [
            (
                by_name[name],
                self.weekday_on_or_before(day),
                None,
                Interaction.Kind.NEEDS_ASSESSMENT,
            )
            for name, day in planned_assessments(self.today)
        ]

    def random_day(self, client):
        if client.status == Client.Status.FORMER:
            days_ago = self.rng.randint(366, content.HISTORY_DAYS)
        elif client.status == Client.Status.PROSPECTIVE:
            days_ago = self.rng.randint(1, 120)
        else:
            days_ago = self.rng.randint(1, content.HISTORY_DAYS)
        return self.weekday_on_or_before(self.day(-days_ago))

    def pick_contacts(self, contacts):
        active = [c for c in contacts if c.is_active] or contacts
        size = min(len(active), self.rng.choices((1, 2, 3), weights=(14, 5, 1))[0])
        return self.rng.sample(active, size)

    def build_interaction(self, client, day, due, contacts, *, kind=None):
        """Build one interaction with random content.

        A ``due`` date gives it an open follow-up due that day. With None, the
        generator decides whether it has a follow-up and whether that is done.
        A ``kind`` fixes the kind of contact, which is otherwise drawn too.
        """
        staff = self.pick_staff(client, day)
        if kind is None:
            kind = self.rng.choices(
                list(content.KIND_WEIGHTS), weights=content.KIND_WEIGHTS.values()
            )[0]
        channels = content.CHANNEL_WEIGHTS[kind]
        occurred_at = self.at(
            day, time(self.rng.randint(9, 16), self.rng.choice((0, 15, 30, 45)))
        )
        words = {
            "contact": contacts[0].full_name,
            "org": client.name,
            "topic": self.rng.choice(content.TOPICS[KIND_GROUPS[client.kind]]),
            "training": self.rng.choice(content.TRAINING_TOPICS),
        }
        interaction = Interaction(
            client=client,
            staff=staff,
            created_by=staff,
            occurred_at=occurred_at,
            channel=self.rng.choices(list(channels), weights=channels.values())[0],
            kind=kind,
            summary=self.rng.choice(content.SUMMARIES[kind]).format(**words),
            outcome=self.rng.choice(content.OUTCOMES[kind]),
        )
        if due is not None or self.rng.random() < 0.3:
            self.add_follow_up(interaction, day, due, words)
        return interaction

    def pick_staff(self, client, day):
        # The demo lawyer logged every recent contact with their own clients,
        # so that their recent activity looks complete.
        if client.name in content.LAWYER_CLIENTS and day >= self.day(-30):
            return self.users_by_email[content.LAWYER_EMAIL]

        owner = client.relationship_owner
        owner_team = next(m.team for u, _s, _l, m in self.members if u == owner)
        colleagues = self.lawyers(owner_team, on=day)
        if owner in colleagues and self.rng.random() < 0.65:
            return owner
        return self.rng.choice(colleagues or self.lawyers(on=day))

    def add_follow_up(self, interaction, day, due, words):
        interaction.follow_up_action = self.rng.choice(
            content.FOLLOW_UP_ACTIONS
        ).format(**words)
        if due is not None:
            interaction.follow_up_due = due
            return

        due = day + timedelta(days=self.rng.randint(2, 21))
        interaction.follow_up_due = due
        # Old follow-ups are all done, recent overdue ones mostly done, and a
        # few that are not yet due were done early.
        if due < self.day(-30):
            done = True
        elif due < self.today:
            done = self.rng.random() < 0.85
        else:
            done = self.rng.random() < 0.15
        if done:
            latest = min(self.at(due, time(17, 0)), self.now)
            span = latest - interaction.occurred_at
            interaction.follow_up_done = True
            interaction.follow_up_done_at = (
                interaction.occurred_at + span * self.rng.random()
            )

    # Dates

    def day(self, offset):
        return self.today + timedelta(days=offset)

    def at(self, day, clock):
        return datetime.combine(day, clock, tzinfo=self.zone)

    @staticmethod
    def weekday_on_or_before(day):
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        return day


def add_to_groups(users_and_roles):
    through = User.groups.through
    groups = {}
    rows = []
    for user, role in users_and_roles:
        if role not in groups:
            groups[role] = role.group()
        rows.append(through(user_id=user.pk, group_id=groups[role].pk))
    through.objects.bulk_create(rows)


class NamePicker:
    """Source of unique contact names, each with a unique email address."""

    def __init__(self, rng):
        self.rng = rng
        self.used = set()
        self.local_parts = set()

    def take(self, full_name):
        self.used.add(full_name)
        return full_name

    def pick(self):
        while True:
            full_name = (
                f"{self.rng.choice(content.FIRST_NAMES)} "
                f"{self.rng.choice(content.SURNAMES)}"
            )
            if full_name not in self.used:
                return self.take(full_name)

    def email(self, full_name):
        return email_for(full_name, self.local_parts)


class PhonePicker:
    """Source of unique phone numbers from Ofcom's ranges kept for drama."""

    def __init__(self, rng):
        numbers = [f"01632 960{n:03d}" for n in range(1000)]
        numbers += [f"07700 900{n:03d}" for n in range(1000)]
        rng.shuffle(numbers)
        self.numbers = iter(numbers)

    def pick(self):
        return next(self.numbers)


def money(text):
    return None if text is None else Decimal(text)


def email_for(full_name, used_local_parts):
    """Return a unique first.last@example.org address for a contact's name."""
    ascii_name = (
        unicodedata.normalize("NFKD", full_name).encode("ascii", "ignore").decode()
    )
    first, _, last = ascii_name.lower().partition(" ")
    surname = "".join(ch for ch in last if ch.isalnum() or ch == "-")
    local = f"{first}.{surname}"
    candidate, number = local, 1
    while candidate in used_local_parts:
        number += 1
        candidate = f"{local}{number}"
    used_local_parts.add(candidate)
    return f"{candidate}@example.org"
