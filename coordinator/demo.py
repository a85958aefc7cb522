"""Demo accounts and projects for a first run on the embedded default
(a Tianjin setting). Never used when the app is configured for production."""
from __future__ import annotations

import datetime as dt
import io
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from .accounts.models import Organisation, OrganisationKind, Role, User
from .accounts.service import create_user
from .agents.service import claim, request_agent
from .extensions import db
from .governance.service import current_calendar, current_rules
from .hookups.service import claim_hookup, hookups_of, report_progress
from .intermediaries.award import award
from .intermediaries.service import qualify, register_agency, requests_of, submit_quote
from .intermediaries.service import report_progress as report_agency_progress
from .materials.service import materials_to_provide, upload
from .projects.models import Project
from .projects.service import create_project
from .rendering.pdf import pdf_font
from .tracking.service import rate, transition

DEMO_USERS = ("demo-owner", "demo-officer", "demo-utility", "demo-admin", "demo-agency", "demo-agency-2",
              "demo-agent")
#: The demo agencies: code, name, services, the user (two, so that comparing quotes means something).
DEMO_AGENCIES = (
    ("agency_binhai_eco", "天津滨海环科咨询有限公司", ("eia", "energy", "soil_water", "survey"), "demo-agency"),
    ("agency_bohai_eng", "渤海工程咨询有限公司", ("eia", "energy", "soil_water", "safety_evaluation", "survey"),
     "demo-agency-2"),
)
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
IN_PROGRESS = "临港冷链物流中心"


@dataclass(frozen=True)
class Step:
    """One move of the demo story: ``day`` working days after the project's
    start, the item ``code`` goes ``to`` a state (the owner submits, the
    item's department does the rest)."""

    day: int
    code: str
    to: str
    reason: str = ""
    missing: tuple[str, ...] = ()


#: The cold-chain warehouse, started 20 working days ago: filing and EIA
#: registration done, the design scheme returned once and approved, the land
#: transfer under way, the drawing review waiting for 住建 to accept it.
COLD_CHAIN_STORY = (
    Step(0, "project_filing", "submitted"), Step(1, "project_filing", "accepted"),
    Step(1, "project_filing", "approved"),
    Step(0, "eia_registration", "submitted"), Step(1, "eia_registration", "accepted"),
    Step(1, "eia_registration", "approved"),
    Step(1, "land_transfer", "submitted"), Step(2, "land_transfer", "accepted"),
    Step(2, "design_scheme_review", "submitted"), Step(3, "design_scheme_review", "accepted"),
    Step(6, "design_scheme_review", "returned", "总平面图未标注消防车道和登高操作场地",
         ("总平面图（标注消防车道和登高操作场地）",)),
    Step(8, "design_scheme_review", "submitted"), Step(9, "design_scheme_review", "accepted"),
    Step(12, "design_scheme_review", "approved"),
    Step(19, "construction_drawing_review", "submitted"),
)

#: The chemical plant, started 8 working days ago: filed; its assessments
#: submitted, under review, or (the EIA report) returned for correction.
CHEMICAL_PLANT_STORY = (
    Step(0, "project_filing", "submitted"), Step(1, "project_filing", "accepted"),
    Step(1, "project_filing", "approved"),
    Step(2, "land_transfer", "submitted"), Step(3, "land_transfer", "accepted"),
    Step(2, "energy_review", "submitted"), Step(3, "energy_review", "accepted"),
    Step(3, "eia_report", "submitted"),
    Step(5, "eia_report", "returned", "环境影响报告书缺少大气环境影响预测章节",
         ("环境影响报告书（含大气环境影响预测）", "公众参与说明")),
    Step(4, "soil_water_plan", "submitted"), Step(5, "soil_water_plan", "accepted"),
    Step(6, "archaeology_survey", "submitted"), Step(7, "municipal_access_permit", "submitted"),
)


def seed_organisations() -> None:
    """One organisation per department of the rule base (idempotent), the
    coordinator office, its 帮办代办 station for 滨海新区, and the utility
    providers of ``rules/providers.yaml``."""
    rules = current_rules()
    existing = set(db.session.scalars(select(Organisation.code)))
    for dept in rules.departments.values():
        if dept.kind != "utility" and dept.code not in existing:
            db.session.add(Organisation(kind=OrganisationKind.department, code=dept.code, name=dept.name))
    extra = [Organisation(kind=OrganisationKind.coordinator, code="gov_service", name="区政务服务办公室"),
             Organisation(kind=OrganisationKind.service_station, code="binhai_service_station",
                          name="滨海新区政务服务中心帮办代办窗口", districts=["滨海新区"])]
    extra += [Organisation(kind=OrganisationKind.utility, code=p.code, name=p.name, utility=p.utility,
                           districts=list(p.districts)) for p in rules.providers]
    db.session.add_all(o for o in extra if o.code not in existing)
    db.session.commit()

#: The precision-parts plant in 西青区, outside Binhai, started 6 working days
#: ago: filed with the district's 发改委 in a day, its energy review (1,200 tce
#: a year) waiting there to be accepted, its design scheme with 规划.
PARTS_PLANT = "西青区精密零部件厂房"
PARTS_PLANT_STORY = (
    Step(0, "project_filing", "submitted"), Step(1, "project_filing", "accepted"),
    Step(1, "project_filing", "approved"),
    Step(2, "energy_review", "submitted"), Step(4, "design_scheme_review", "submitted"),
)


def ensure_demo(production: bool, password: str | None = None) -> str | None:
    """On a first run of a non-production app, create the demo data and
    return its password; otherwise create nothing and return ``None``."""
    if production or db.session.scalar(select(func.count()).select_from(User)):
        return None
    return seed_demo(password)


def officer_usernames() -> list[str]:
    """``demo-officer-<code>`` for every department of the rule base."""
    return [f"demo-officer-{d.code}" for d in current_rules().departments.values() if d.kind != "utility"]


def seed_demo(password: str | None = None, today: dt.date | None = None) -> str:
    """Create the demo accounts (an officer for every department) and four
    demo projects, three of them under way; return the password."""
    password = password or secrets.token_urlsafe(9)
    seed_organisations()
    org = {o.code: o for o in db.session.scalars(select(Organisation))}
    hashed = generate_password_hash(password)

    def user(username: str, role: Role, name: str, organisation: Organisation | None = None) -> User:
        return create_user(username, password, role, name, organisation, password_hash=hashed)

    owner = user("demo-owner", Role.owner, "滨海示范仓储有限公司")
    officers = {"housing": user("demo-officer", Role.officer, "区住建委审批员", org["housing"])}
    for dept in current_rules().departments.values():
        if dept.kind != "utility":
            officer = user(f"demo-officer-{dept.code}", Role.officer, f"{dept.name}审批员", org[dept.code])
            officers.setdefault(dept.code, officer)
    utility = user("demo-utility", Role.utility, "滨海供电客户经理", org["power_binhai"])
    user("demo-admin", Role.admin, "区政务服务办", org["gov_service"])
    agent = user("demo-agent", Role.agent, "滨海新区帮办代办员", org["binhai_service_station"])
    today = today or dt.date.today()
    agency_staff = {}
    for code, name, services, username in DEMO_AGENCIES:
        agency = register_agency(code, name, ["滨海新区"])
        for service in services:
            qualify(agency, service, f"{current_rules().services[service].name}资质证书", f"{code.upper()}-{service}",
                    today + dt.timedelta(days=3 * 365))
        agency_staff[username] = user(username, Role.agency, f"{name}项目经理", agency)
    db.session.commit()
    cal = current_calendar()
    warehouse = _example("warehouse")
    in_hand = create_project(owner, "滨海新区智能物流仓库", warehouse, land_date=today + dt.timedelta(days=90),
                             today=today)
    claim(agent, request_agent(owner, in_hand.id, today=today).id, today=today)  # demo-agent holds it

    started = cal.shift(today, -8)
    plant = create_project(owner, "南港工业区精细化工厂房", _example("chemical_plant"), today=started)
    _play(plant, owner, officers, started, CHEMICAL_PLANT_STORY)

    started = cal.shift(today, -20)
    cold_chain = dict(warehouse, floor_area_m2=20000, utilities=dict(warehouse["utilities"], power_kva=1250))
    project = create_project(owner, IN_PROGRESS, cold_chain, land_date=cal.shift(today, 25), today=started)
    _play(project, owner, officers, started, COLD_CHAIN_STORY)
    items = {i.code: i.id for i in project.current_plan.items}
    rate(owner, items["project_filing"], 5, "网上备案，当天办结")
    rate(owner, items["design_scheme_review"], 4, "一次性告知了需补正的材料")
    power = next(r for r in hookups_of(project) if r.utility == "power")
    claim_hookup(power.id, utility, today=cal.shift(started, 1))
    report_progress(power.id, utility, "surveyed", "现场勘察完成，拟由10kV线路接入", on=cal.shift(started, 4))
    report_progress(power.id, utility, "designed", "供电方案已答复，设计审查通过", on=cal.shift(started, 12))
    _engage_agency(project, owner, agency_staff, started, "survey")

    started = cal.shift(today, -6)
    parts = dict(warehouse, project_type="industrial_plant", district="西青区", in_park=False, floor_area_m2=8000,
                 annual_energy_tce=1200)
    _play(create_project(owner, PARTS_PLANT, parts, today=started), owner, officers, started, PARTS_PLANT_STORY)
    return password


def _engage_agency(project: Project, owner: User, agencies: dict[str, User], started: dt.date,
                   service: str) -> None:
    """Both demo agencies (``agencies`` by username) quote for the project's
    ``service`` within the response time; the owner awards demo-agency,
    which starts drafting."""
    request = next((r for r in requests_of(project) if r.service == service), None)
    if request is None:  # the rule base in force asks no report of it
        return
    cal = current_calendar()
    chosen = submit_quote(request.id, agencies["demo-agency"], 36000, 20, "含地形测绘与岩土工程勘察",
                          today=cal.shift(started, 1))
    submit_quote(request.id, agencies["demo-agency-2"], 42000, 18, "可加急", today=cal.shift(started, 1))
    award(request.id, owner, chosen.id, today=cal.shift(started, 2))
    report_agency_progress(request.id, agencies["demo-agency"], "drafting", "已完成地形测绘，勘察报告编制中",
                           on=cal.shift(started, 3))


def _upload_demo_materials(owner: User, item) -> None:
    """The owner's files for what the item needs before it is (re)submitted:
    a one-page PDF per essential or requested material, so that officers
    have real files to open in the demo."""
    for state in materials_to_provide(item):
        upload(owner, item, state.name, f"{state.name}.pdf", demo_pdf(item.project.name, state.name))


def demo_pdf(project: str, material: str) -> bytes:
    """A one-page PDF that says which demo project and material it stands for."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4)
    font = pdf_font().name
    c.setFont(font, 16)
    c.drawString(72, 760, material)
    c.setFont(font, 11)
    c.drawString(72, 730, f"演示材料 · {project}")
    c.showPage()
    c.save()
    return buf.getvalue()


def _example(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def _play(project: Project, owner: User, officers: dict[str, User], started: dt.date, story) -> None:
    """Move the project's items through ``story`` on the working days it names."""
    cal = current_calendar()
    items = {i.code: i for i in project.current_plan.items}
    for number, step in enumerate(sorted(story, key=lambda s: s.day), start=1):
        item = items.get(step.code)
        if item is None:  # the rule base in force plans differently
            continue
        actor = owner if step.to == "submitted" else officers[item.department]
        on = cal.shift(started, step.day)
        if step.to == "submitted":
            _upload_demo_materials(owner, item)
        transition(actor, item.id, step.to, reason=step.reason, missing_materials=step.missing,
                   document_number=f"津滨审批〔{on.year}〕{100 + number}号", today=on)
