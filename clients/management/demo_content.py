"""Fixed content for the ``seed_demo`` command: a fictional county council.

Wessex County Council and every place, organisation and person here are
invented. The place names come from Thomas Hardy's fictional Wessex, and all
email addresses are on example.org, a domain reserved for documentation
(RFC 2606). Phone numbers are in Ofcom's ranges kept for drama: 01632 960000 to
960999 and 07700 900000 to 900999.
"""

from typing import NamedTuple

COUNCIL_NAME = "Wessex County Council"

# It passes every validator in AUTH_PASSWORD_VALIDATORS, and the README lists it.
DEMO_PASSWORD = "demo-password-2026"

LAWYER_EMAIL = "lawyer@example.org"
PORTAL_EMAIL = "client@example.org"


class StaffMember(NamedTuple):
    """A member of the legal service.

    Dates are day offsets from the day the command runs. ``start`` counts back
    and ``leave`` counts forward, so a negative ``leave`` means the person has
    already left.
    """

    email: str
    full_name: str
    role: str
    team: str | None
    job_title: str
    hourly_rate: str | None
    start: int
    leave: int | None = None


GOVERNANCE = "Governance and Information"
PROPERTY = "Property and Planning"
CONTRACTS = "Contracts and Procurement"
EMPLOYMENT = "Employment"
EDUCATION = "Children and Education"
LITIGATION = "Litigation and Social Care"

TEAMS = {
    GOVERNANCE: "Constitution, councillors, information law and parish councils.",
    PROPERTY: "Land, leases, planning agreements and highways.",
    CONTRACTS: "Procurement, commercial contracts and shared services with other "
    "authorities.",
    EMPLOYMENT: "Employment advice and tribunal claims for the council and schools.",
    EDUCATION: "Schools, admissions, exclusions and special educational needs.",
    LITIGATION: "Court work, debt recovery and adult social care.",
}

# fmt: off
STAFF = [
    StaffMember(LAWYER_EMAIL, "Rhiannon Price", "LAWYER", GOVERNANCE,
                "Senior solicitor", "78.00", -3650),
    StaffMember("manager@example.org", "Priya Raman", "PRACTICE_MANAGER",
                GOVERNANCE, "Practice manager", "65.00", -2900),
    StaffMember("senior@example.org", "Jonathan Ashworth", "SENIOR_LEGAL_MANAGER",
                GOVERNANCE, "Head of Legal Services", "120.00", -5100),
    StaffMember("admin@example.org", "Grace Okonkwo", "ADMINISTRATOR", None,
                "Systems administrator", None, -2200),
    StaffMember("lucy.hartley@example.org", "Lucy Hartley", "LAWYER", GOVERNANCE,
                "Solicitor", "73.00", -1800),
    StaffMember("dafydd.hughes@example.org", "Dafydd Hughes", "LAWYER", PROPERTY,
                "Principal solicitor", "92.00", -4300),
    StaffMember("siobhan.oneill@example.org", "Siobhán O'Neill", "LAWYER",
                PROPERTY, "Solicitor", "74.00", -1500),
    StaffMember("tom.fairweather@example.org", "Tom Fairweather", "LAWYER",
                PROPERTY, "Legal executive", "58.00", -2600),
    StaffMember("aisha.rahman@example.org", "Aisha Rahman", "LAWYER", CONTRACTS,
                "Principal solicitor", "95.00", -3900),
    StaffMember("marcus.bell@example.org", "Marcus Bell", "LAWYER", CONTRACTS,
                "Solicitor", "72.00", -1300),
    StaffMember("eleri.vaughan@example.org", "Eleri Vaughan", "LAWYER", CONTRACTS,
                "Trainee solicitor", "45.00", -150),
    StaffMember("helen.carter@example.org", "Helen Carter", "LAWYER", EMPLOYMENT,
                "Senior solicitor", "82.00", -3300),
    StaffMember("kwame.mensah@example.org", "Kwame Mensah", "LAWYER", EMPLOYMENT,
                "Solicitor", "70.00", -2400, leave=-200),
    StaffMember("ffion.llewellyn@example.org", "Ffion Llewellyn", "LAWYER",
                EMPLOYMENT, "Paralegal", "40.00", -900),
    StaffMember("sarah.whitlock@example.org", "Sarah Whitlock", "LAWYER",
                EDUCATION, "Principal solicitor", "96.00", -4700),
    StaffMember("owain.pritchard@example.org", "Owain Pritchard", "LAWYER",
                EDUCATION, "Solicitor", "74.00", -1700),
    StaffMember("chloe.darcy@example.org", "Chloe D'Arcy", "LAWYER", EDUCATION,
                "Solicitor", "72.00", -1100, leave=45),
    StaffMember("daniel.moore@example.org", "Daniel Moore", "LAWYER", LITIGATION,
                "Senior solicitor", "84.00", -3000),
    StaffMember("bethan.rees-jones@example.org", "Bethan Rees-Jones", "LAWYER",
                LITIGATION, "Solicitor", "71.00", -2000),
    StaffMember("imran.siddiqui@example.org", "Imran Siddiqui", "LAWYER",
                LITIGATION, "Legal executive", "56.00", -1200),
]
# fmt: on

# Directorates with their services: name, cost centre code, the team whose
# lawyers look after them, and the services as (name, cost centre code).
DIRECTORATES = [
    (
        "Adult Social Care",
        "WCC-AS-1000",
        LITIGATION,
        [
            ("Safeguarding Adults", "WCC-AS-1100"),
            ("Care Commissioning", "WCC-AS-1200"),
        ],
    ),
    (
        "Children's Services",
        "WCC-CS-2000",
        EDUCATION,
        [
            ("Children's Social Care", "WCC-CS-2100"),
            ("Education and Inclusion", "WCC-CS-2200"),
        ],
    ),
    (
        "Place and Environment",
        "WCC-PE-3000",
        PROPERTY,
        [
            ("Highways and Transport", "WCC-PE-3100"),
            ("Planning and Development Control", "WCC-PE-3200"),
            ("Waste and Countryside", "WCC-PE-3300"),
        ],
    ),
    (
        "Resources",
        "WCC-RE-4000",
        EMPLOYMENT,
        [("Human Resources", "WCC-RE-4100")],
    ),
]

SCHOOLS = [
    "Anglebury Primary School",
    "Budmouth Academy",
    "Casterbridge Grammar Academy",
    "Chaseborough Community Primary School",
    "Durnover Infant School",
    "Egdon Heath Primary School",
    "Emminster Church of England Primary School",
    "Evershead Village School",
    "Great Hintock Primary School",
    "Ivell Primary School",
    "Kingsbere Junior School",
    "Knollsea Primary School",
    "Longpuddle Primary School",
    "Marlott Primary School",
    "Melchester Academy",
    "Mellstock Church of England Primary School",
    "Nether Mynton First School",
    "Overcombe Primary School",
    "Port Bredy Academy",
    "St Aldhelm's Catholic Primary School",
    "St Swithun's Church of England Junior School",
    "Shaston Abbey School",
    "Sherton Abbas Academy",
    "Shottsford Forum Upper School",
    "Stourcastle Primary School",
    "Tolchurch Primary School",
    "Weatherbury Primary School",
    "Wintoncester Academy",
    "Lulstead Special School",
    "Egdon Vale Learning Centre",
]

# The school whose head teacher signs in to the portal as PORTAL_EMAIL.
PORTAL_SCHOOL = "Marlott Primary School"
PORTAL_USER_NAME = "Siân O'Brien"

# Schools and parish councils looked after by the demo lawyer, so that the
# lawyer's own pages have data.
LAWYER_CLIENTS = [
    PORTAL_SCHOOL,
    "Mellstock Church of England Primary School",
    "St Aldhelm's Catholic Primary School",
    "Weatherbury Primary School",
    "Weatherbury Parish Council",
    "Mellstock Parish Council",
    "Kingsbere Town Council",
    "Abbot's Cernel Parish Council",
    "Shaston Town Council",
]

PARISH_COUNCILS = [
    "Weatherbury Parish Council",
    "Mellstock Parish Council",
    "Marlott Parish Council",
    "Kingsbere Town Council",
    "Shaston Town Council",
    "Emminster Town Council",
    "Little Hintock Parish Council",
    "Great Hintock Parish Council",
    "Longpuddle Parish Council",
    "Tolchurch Parish Council",
    "Nether Mynton Parish Council",
    "Evershead Parish Council",
    "Chaseborough Town Council",
    "Knollsea Parish Council",
    "Abbot's Cernel Parish Council",
]

OTHER_AUTHORITIES = [
    "Casterbridge Borough Council",
    "Melchester City Council",
    "Wessex Fire and Rescue Authority",
]

# Clients whose status is not active. Every other client is active.
CLIENT_STATUS = {
    "Evershead Village School": "dormant",
    "Lulstead Special School": "dormant",
    "Shottsford Forum Upper School": "former",
    "Wintoncester Academy": "prospective",
    "Little Hintock Parish Council": "dormant",
    "Tolchurch Parish Council": "dormant",
    "Knollsea Parish Council": "prospective",
}

TAGS = ["Key account", "Service level agreement", "Academy", "Traded service"]

KEY_ACCOUNTS = [
    "Children's Social Care",
    "Planning and Development Control",
    "Casterbridge Grammar Academy",
    PORTAL_SCHOOL,
    "Kingsbere Town Council",
    "Casterbridge Borough Council",
]

CLIENT_NOTES = {
    PORTAL_SCHOOL: "Buys the schools legal service each year. The head "
    "teacher prefers short written advice by email.",
    "Casterbridge Grammar Academy": "Single-academy trust; the trust board "
    "meets twice a term.",
    "Kingsbere Town Council": "New town clerk since last spring; wants "
    "training for councillors.",
    "Casterbridge Borough Council": "Shared legal service agreement for "
    "planning enforcement work.",
    "Children's Social Care": "Highest volume of care proceedings in the "
    "county. Monthly performance meeting.",
}

# Contact names. Welsh names and names with apostrophes are here on purpose,
# so that the demo shows them being stored, escaped and sorted correctly.
FIRST_NAMES = [
    "Siân", "Dafydd", "Rhys", "Gwen", "Ffion", "Iolo", "Carys", "Eluned",
    "Geraint", "Bethan", "Aled", "Nia", "Llinos", "Cerys", "Emrys", "Angharad",
    "Llŷr", "Seren", "Gareth", "Mererid", "Amelia", "Oliver", "Priya",
    "Mohammed", "Grace", "Harriet", "Samuel", "Joanne", "Patrick", "Niamh",
    "Chidi", "Zara", "Ewan", "Fiona", "Hannah", "Lewis", "Martin", "Yasmin",
    "Catherine", "Stuart", "Abigail", "Nikhil", "Joanna", "Colin", "Rebecca",
    "Tariq", "Megan", "Alasdair", "Wei", "Bogdan",
]  # fmt: skip
SURNAMES = [
    "O'Brien", "O'Connor", "D'Souza", "Jones", "Davies", "Evans", "Williams",
    "Pritchard", "Llewellyn", "Morgan", "Griffiths", "ap Rhys", "Vaughan",
    "Powell", "Thomas", "Hughes", "Smith", "Patel", "Khan", "Brown", "Okafor",
    "Nowak", "Taylor", "Fletcher", "Greenwood", "McAllister", "Chen",
    "Harrington", "Ashby", "Kowalski", "Osei", "Whitfield", "Marsh", "Quinn",
    "Dunmore", "Pemberton", "Ellis", "Sharma", "Wright", "Hale",
]  # fmt: skip

# Job titles by client group. The first title goes to the primary contact.
JOB_TITLES = {
    "internal": [
        "Director",
        "Head of service",
        "Service manager",
        "Team manager",
        "Commissioning officer",
        "Contracts officer",
    ],
    "school": [
        "Head teacher",
        "School business manager",
        "Chair of governors",
        "Deputy head teacher",
        "Clerk to the governors",
        "Special educational needs coordinator",
    ],
    "parish": [
        "Clerk to the council",
        "Chair of the council",
        "Responsible financial officer",
        "Vice-chair of the council",
    ],
    "authority": [
        "Monitoring officer",
        "Head of legal services",
        "Solicitor",
        "Procurement manager",
    ],
}

# Relative weights of the familiarity choices (informed, some, unfamiliar).
FAMILIARITY_WEIGHTS = {
    "internal": (6, 3, 1),
    "school": (2, 4, 3),
    "parish": (1, 3, 5),
    "authority": (7, 2, 1),
}

TOPICS = {
    "internal": [
        "the new home-to-school transport contract",
        "a Freedom of Information request about agency spend",
        "a section 106 agreement for the Durnover Fields development",
        "recovery of an unpaid care charge",
        "a data sharing agreement with the local NHS trust",
        "a pre-action letter threatening judicial review",
        "a variation to the highways maintenance contract",
        "a disciplinary appeal hearing",
        "the procurement of a new case management system",
        "a deprivation of liberty authorisation",
        "the lease of the Anglebury depot",
        "a public path diversion order",
    ],
    "school": [
        "an admissions appeal",
        "a permanent exclusion",
        "a subject access request from a parent",
        "a staff grievance",
        "the conversion to academy status",
        "a tribunal claim about special educational needs provision",
        "the licence for community use of the sports hall",
        "a complaint escalated by a parent",
        "CCTV in the playground and data protection",
        "renewing the catering contract",
    ],
    "parish": [
        "the allotment tenancy agreements",
        "a code of conduct complaint against a councillor",
        "the lease of the village hall",
        "the burial ground regulations",
        "an asset of community value nomination",
        "adopting new standing orders",
        "the transfer of the play area from the county council",
        "a dispute over a boundary hedge",
        "the clerk's contract of employment",
        "the neighbourhood plan consultation",
    ],
    "authority": [
        "the shared legal service agreement",
        "a delegation of functions under section 101",
        "the joint procurement framework",
        "the safeguarding information sharing protocol",
        "the recharge arrangements for the coming year",
        "the memorandum of understanding on emergency planning",
    ],
}

TRAINING_TOPICS = [
    "decision-making and record keeping",
    "the council's contract procedure rules",
    "responding to subject access requests",
    "the Equality Act 2010 and reasonable adjustments",
    "the code of conduct for councillors",
    "managing contracts after award",
    "sharing information to safeguard children",
    "giving evidence in court",
]

# Summaries, outcomes and the relative weights of each channel, by
# Interaction.Kind value. Placeholders: {contact}, {org}, {topic}, {training}.
KIND_WEIGHTS = {
    "needs_assessment": 8,
    "relationship_review": 10,
    "service_query": 35,
    "complaint": 4,
    "training": 8,
    "general": 35,
}

CHANNEL_WEIGHTS = {
    "needs_assessment": {"meeting": 4, "video_call": 3, "visit": 2, "phone": 1},
    "relationship_review": {"meeting": 4, "video_call": 4, "visit": 1},
    "service_query": {"phone": 5, "email": 6, "video_call": 1},
    "complaint": {"phone": 4, "email": 4, "meeting": 1},
    "training": {"training_event": 6, "video_call": 2},
    "general": {"email": 3, "phone": 3, "meeting": 1, "visit": 1},
}

SUMMARIES = {
    "needs_assessment": [
        "One-to-one needs assessment with {contact}: went through the legal "
        "support {org} expects over the next year, starting with {topic}.",
        "Met {contact} to review where legal advice would help {org} most, "
        "including {topic}.",
        "Needs assessment call with {contact}. Their main concern is {topic}, "
        "and they want us involved earlier.",
    ],
    "relationship_review": [
        "Relationship review with {contact}. Covered turnaround times, open "
        "matters and {topic}.",
        "Reviewed the service level agreement with {contact} and discussed "
        "charging and {topic}.",
        "Annual review of how the legal service works with {org}. {contact} "
        "raised {topic}.",
    ],
    "service_query": [
        "{contact} asked for advice on {topic}.",
        "Query from {contact} about {topic}. Gave initial advice and asked for "
        "the documents.",
        "{contact} wanted to know how long advice on {topic} would take and "
        "what it would cost.",
    ],
    "complaint": [
        "{contact} complained about the time taken to respond on {topic}.",
        "Complaint from {contact}: a draft on {topic} contained errors and had "
        "to be reissued.",
        "{contact} was unhappy that nobody returned their call about {topic}.",
    ],
    "training": [
        "Ran a training session for staff at {org} on {training}.",
        "Briefed {contact} and colleagues on {training}.",
        "Online workshop on {training}, arranged by {contact}.",
    ],
    "general": [
        "Caught up with {contact} about {topic}.",
        "Introductory meeting with {contact}, who has just joined {org}.",
        "Sent {contact} the latest guidance note on {topic}.",
    ],
}

OUTCOMES = {
    "needs_assessment": [
        "Agreed three priorities and a named lawyer for each.",
        "The client will send a list of upcoming projects.",
        "Needs recorded in the client file; a client plan will follow.",
    ],
    "relationship_review": [
        "Satisfied overall; asked for fortnightly updates on open matters.",
        "Agreed to move to a monthly call.",
        "Rated the service good and asked for shorter advice notes.",
    ],
    "service_query": [
        "Advice given by email the same day.",
        "Opened a new matter.",
        "Referred to the property team.",
        "The client will send the documents; advice to follow within five "
        "working days.",
    ],
    "complaint": [
        "Apologised and agreed a revised date.",
        "Passed to the practice manager under the complaints procedure.",
        "Resolved on the call; no further action.",
    ],
    "training": [
        "Twelve attendees; feedback forms collected.",
        "Slides and a summary note sent afterwards.",
        "Attendees asked for a follow-up session.",
    ],
    "general": [
        "No action needed.",
        "Noted for the next relationship review.",
        "",
    ],
}

FOLLOW_UP_ACTIONS = [
    "Send {contact} a written advice note on {topic}.",
    "Book the next review meeting with {contact}.",
    "Check the draft documents from {org}.",
    "Call {contact} back with a fee estimate.",
    "Share the guidance note on {training} with {contact}.",
    "Confirm the revised deadline with {contact}.",
]

# The demo lawyer's recent contacts with open follow-ups, so that the home page
# lists some due today, some overdue and some coming up:
# (days before today of the contact, follow-up due in days from today).
LAWYER_FOLLOW_UPS = [
    (6, 0),
    (3, 0),
    (1, 0),
    (20, -12),
    (14, -7),
    (10, -3),
    (9, -1),
    (2, 2),
    (4, 5),
    (1, 9),
    (8, 14),
]

INTERACTION_COUNT = 1000
CONTACT_COUNT = 150
HISTORY_DAYS = 730
