"""Load and validate the rule base (``rules/*.yaml``) into plain objects.

Every problem is reported with the file, the YAML path, the line and the
reason; a rule base with any problem is rejected as a whole.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import networkx as nx
import yaml
from marshmallow import RAISE, Schema, ValidationError, fields, utils, validate, validates_schema

from . import limits
from .conditions import Condition, ConditionError, compile_condition

QUESTION_TYPES = ("choice", "bool", "number", "text")
ITEM_KINDS = ("approval", "utility", "milestone", "preparation")
MODES = ("standard", "commitment", "gaps", "before_land", "land_day")
UTILITIES = ("water", "power", "gas", "heat", "sewer")
# The utilities of the advance hookup service (水电气热排水报装靠前服务): a
# request is pushed to the providers of each one the project needs.
HOOKUP_UTILITIES = UTILITIES
# Who does a preparation item: the owner (with its own designers) or a
# qualified intermediary hired for it (中介服务), and which service that is.
PARTIES = ("owner", "intermediary")
SERVICES = ("eia", "energy", "soil_water", "safety_evaluation", "survey")
LAND_DAY_FACT = "land_day_start"
# The milestones on which the land is acquired: 出让合同 (auction) or
# 划拨决定书 (allocation); a plan holds at most one of them.
LAND_MILESTONES = ("land_contract", "land_allocation")
# The question whose options are the districts providers serve.
DISTRICT_QUESTION = "district"
# Facts set by the planning options rather than derived from answers.
OPTION_FACTS = ("commitment",)

DEFAULT_RULES_DIR = Path(__file__).resolve().parents[2] / "rules"


# --------------------------------------------------------------------------
# Errors


@dataclass(frozen=True)
class RuleError:
    """One problem in the rule base."""

    file: str
    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path or '(top)'}: {self.reason}"


class RuleBaseError(Exception):
    """The rule base is invalid; ``errors`` lists every problem found."""

    def __init__(self, errors: list[RuleError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


# --------------------------------------------------------------------------
# The loaded rule base


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    label_en: str


@dataclass(frozen=True)
class Question:
    """One question of the questionnaire; ``id`` may be dotted (``utilities.power``)."""

    id: str
    section: str
    order: int
    text: str
    text_en: str
    type: str
    required: bool
    help: str = ""
    help_en: str = ""
    basis: str = ""
    options: tuple[Option, ...] = ()
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    integer: bool = False
    default: Any = None
    show_if: Condition | None = None

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    def label_of(self, value: Any) -> str:
        for o in self.options:
            if o.value == value:
                return o.label
        if isinstance(value, bool):
            return "是" if value else "否"
        return "—" if value is None else str(value)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    title_en: str


@dataclass(frozen=True)
class Stage:
    code: str
    name: str
    name_en: str
    order: int


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    name_en: str
    kind: str


@dataclass(frozen=True)
class Provider:
    """A utility company (供水/供电/供气/供热) and the districts it serves."""

    code: str
    name: str
    name_en: str
    utility: str
    districts: tuple[str, ...]


@dataclass(frozen=True)
class Service:
    """An intermediary service (中介服务) of ``rules/services.yaml``: what
    agencies are qualified for, and how many working days they have to quote."""

    code: str
    name: str
    name_en: str
    respond_days: int
    basis: tuple["Basis", ...]


@dataclass(frozen=True)
class Material:
    name: str
    essential: bool = True
    note: str = ""
    condition: Condition | None = None


@dataclass(frozen=True)
class Basis:
    """A legal or policy source; ``condition`` limits it to the projects it speaks of."""

    document: str
    article: str = ""
    condition: Condition | None = None

    def __str__(self) -> str:
        return f"{self.document} {self.article}".strip()


@dataclass(frozen=True)
class Reason:
    """A sentence saying why an item applies, shown only while ``condition`` holds."""

    text: str
    condition: Condition | None = None


@dataclass(frozen=True)
class DepartmentRule:
    """Route the item to ``department`` while ``condition`` holds (first match wins)."""

    condition: Condition
    department: str
    basis: tuple[Basis, ...] = ()


@dataclass(frozen=True)
class DaysRule:
    """Use ``days`` while ``condition`` holds (first match wins)."""

    condition: Condition
    days: int
    basis: tuple[Basis, ...] = ()


@dataclass(frozen=True)
class Requirement:
    """A prerequisite, active only while ``condition`` holds (always if None)."""

    item: str
    condition: Condition | None = None


@dataclass(frozen=True)
class ModeRule:
    mode: str
    condition: Condition | None = None


@dataclass(frozen=True)
class Consultation:
    """The departments always asked for an opinion on an item (征求意见 /
    联合审查), the working days they have, and the law that joins them."""

    departments: tuple[str, ...]
    working_days: int
    basis: tuple[Basis, ...]


@dataclass(frozen=True)
class CommitmentBreach:
    """How long a company that broke a 告知承诺 commitment plans without it."""

    months: int
    basis: tuple[Basis, ...]


@dataclass(frozen=True)
class Item:
    """An approval item, utility hookup step, preparation step or milestone."""

    code: str
    name: str
    name_en: str
    kind: str
    stage: str
    department: str | None
    legal_days: int | None
    committed_days: int
    commitment_days: int | None
    days_if: tuple[DaysRule, ...]
    modes: tuple[ModeRule, ...]
    materials: tuple[Material, ...]
    basis: tuple[Basis, ...]
    applies_if: Condition | None
    requires: tuple[Requirement, ...]
    why: tuple[Reason, ...] = ()
    utility: str | None = None
    lag_from: str | None = None
    lag_answer: str | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    file: str = ""
    department_if: tuple[DepartmentRule, ...] = ()
    party: str | None = None
    service: str | None = None
    days_answer: str | None = None
    review: bool = False
    consulted: Consultation | None = None
    #: the material of the items requiring it that the intermediary's
    #: delivered report becomes (an intermediary preparation item's)
    delivers: str | None = None

    def in_force(self, on: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_until is None or on <= self.valid_until
        )


@dataclass(frozen=True)
class Criterion:
    condition: Condition
    passed: str
    failed: str


@dataclass(frozen=True)
class Fact:
    """A named, derived truth about a project (a condition or a list of criteria).

    ``notice`` is told to the owner, in words, when the fact holds: what the
    classification means for the project and on what basis."""

    name: str
    title: str
    condition: Condition | None = None
    criteria: tuple[Criterion, ...] = ()
    notice: str = ""
    basis: tuple[Basis, ...] = ()


@dataclass(frozen=True)
class CalendarOverride:
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    years: frozenset[int] = frozenset()


@dataclass
class RuleBase:
    """The whole validated rule base, ready for the planner."""

    version: str
    title: str
    digest: str
    sections: tuple[Section, ...]
    questions: dict[str, Question]
    stages: dict[str, Stage]
    departments: dict[str, Department]
    items: dict[str, Item]
    facts: dict[str, Fact]
    fact_order: tuple[str, ...]
    required_codes: tuple[str, ...]
    calendar: CalendarOverride
    top_level_keys: frozenset[str] = field(default_factory=frozenset)
    providers: tuple[Provider, ...] = ()
    services: dict[str, Service] = field(default_factory=dict)
    commitment_breach: CommitmentBreach | None = None

    def question_groups(self) -> dict[str, list[Question]]:
        """Top-level answer key → its questions (one, or several for an object)."""
        groups: dict[str, list[Question]] = {}
        for q in self.questions.values():
            groups.setdefault(q.id.split(".", 1)[0], []).append(q)
        return groups


# --------------------------------------------------------------------------
# Schemas (structure and types); cross references are checked afterwards


class _Entries(fields.List):
    """A list whose entries the builder checks one by one (``requires``,
    ``modes``, ``materials``): only the list itself is validated here, without
    a field call per entry."""

    def __init__(self, **kwargs):
        super().__init__(fields.Raw(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> list:
        if not utils.is_collection(value):
            raise self.make_error("invalid")
        return list(value)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class OptionSchema(_Strict):
    value = fields.String(required=True, validate=validate.Length(min=1, max=limits.CHOICE))
    label = fields.String(required=True)
    label_en = fields.String(required=True)


class QuestionSchema(_Strict):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$"))
    text = fields.String(required=True)
    text_en = fields.String(required=True)
    help = fields.String(load_default="")
    help_en = fields.String(load_default="")
    basis = fields.String(load_default="")
    type = fields.String(required=True, validate=validate.OneOf(QUESTION_TYPES))
    options = fields.List(fields.Nested(OptionSchema), load_default=list)
    unit = fields.String(load_default="")
    minimum = fields.Float(load_default=None, allow_none=True)
    maximum = fields.Float(load_default=None, allow_none=True)
    exclusive_minimum = fields.Boolean(load_default=False)
    integer = fields.Boolean(load_default=False)
    required = fields.Boolean(load_default=True)
    default = fields.Raw(load_default=None, allow_none=True)
    show_if = fields.Raw(load_default=None, allow_none=True)

    @validates_schema
    def _options(self, data, **kwargs):
        if data["type"] == "choice" and not data["options"]:
            raise ValidationError("a choice question needs options", "options")
        if data["type"] != "choice" and data["options"]:
            raise ValidationError("only choice questions have options", "options")


class SectionSchema(_Strict):
    id = fields.String(required=True)
    title = fields.String(required=True)
    title_en = fields.String(required=True)
    questions = fields.List(fields.Nested(QuestionSchema), required=True)


class QuestionsFileSchema(_Strict):
    sections = fields.List(fields.Nested(SectionSchema), required=True, validate=validate.Length(min=1))


class StageSchema(_Strict):
    code = fields.String(required=True, validate=validate.Length(min=1, max=limits.STAGE))
    name = fields.String(required=True)
    name_en = fields.String(required=True)


class StagesFileSchema(_Strict):
    stages = fields.List(fields.Nested(StageSchema), required=True, validate=validate.Length(min=1))


class DepartmentSchema(_Strict):
    code = fields.String(required=True, validate=validate.Length(min=1, max=limits.CODE))
    name = fields.String(required=True)
    name_en = fields.String(required=True)
    kind = fields.String(load_default="government", validate=validate.OneOf(("government", "utility", "agency")))


class DepartmentsFileSchema(_Strict):
    departments = fields.List(fields.Nested(DepartmentSchema), required=True, validate=validate.Length(min=1))


class ProviderSchema(_Strict):
    code = fields.String(required=True, validate=validate.Length(min=1, max=limits.CODE))
    name = fields.String(required=True, validate=validate.Length(min=1, max=limits.NAME))
    name_en = fields.String(required=True)
    utility = fields.String(required=True, validate=validate.OneOf(HOOKUP_UTILITIES))
    districts = fields.List(fields.String(validate=validate.Length(min=1, max=limits.ANSWER_TEXT)), required=True,
                            validate=validate.Length(min=1))


class ProvidersFileSchema(_Strict):
    providers = fields.List(fields.Nested(ProviderSchema), load_default=list)


class ServiceSchema(_Strict):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(required=True)
    respond_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=60))
    basis = fields.List(fields.Nested(lambda: BasisSchema()), required=True, validate=validate.Length(min=1))


class ServicesFileSchema(_Strict):
    services = fields.List(fields.Nested(ServiceSchema), load_default=list)


class MaterialSchema(_Strict):
    name = fields.String(required=True)
    essential = fields.Boolean(load_default=True)
    note = fields.String(load_default="")
    condition = fields.Raw(load_default=None, allow_none=True, data_key="if")


class BasisSchema(_Strict):
    document = fields.String(required=True)
    article = fields.String(load_default="")
    condition = fields.Raw(load_default=None, allow_none=True, data_key="if")


class DepartmentIfSchema(_Strict):
    condition = fields.Raw(required=True, data_key="if")
    department = fields.String(required=True)
    basis = fields.List(fields.Nested(BasisSchema), load_default=list)


class ConsultationSchema(_Strict):
    departments = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    working_days = fields.Integer(load_default=5, strict=True, validate=validate.Range(min=1, max=60))
    basis = fields.List(fields.Nested(BasisSchema), required=True, validate=validate.Length(min=1))


class CommitmentBreachSchema(_Strict):
    months = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=120))
    basis = fields.List(fields.Nested(BasisSchema), required=True, validate=validate.Length(min=1))


class ItemSchema(_Strict):
    code = fields.String(required=True, validate=[validate.Regexp(r"^[a-z][a-z0-9_]*$"),
                                                  validate.Length(max=limits.CODE)])
    name = fields.String(required=True, validate=validate.Length(min=1, max=limits.NAME))
    name_en = fields.String(required=True)
    kind = fields.String(load_default="approval", validate=validate.OneOf(ITEM_KINDS))
    stage = fields.String(required=True)
    department = fields.String(load_default=None, allow_none=True)
    legal_days = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=0))
    committed_days = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0))
    commitment_days = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=0))
    days_if = fields.List(fields.Dict(), load_default=list)
    modes = _Entries(load_default=lambda: ["standard"])
    materials = _Entries(load_default=list)
    basis = fields.List(fields.Nested(BasisSchema), load_default=list)
    applies_if = fields.Raw(load_default=None, allow_none=True)
    requires = _Entries(load_default=list)
    why = fields.Raw(load_default="")
    utility = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(UTILITIES))
    lag = fields.Dict(keys=fields.String(), values=fields.String(), load_default=None, allow_none=True)
    valid_from = fields.Date(load_default=None, allow_none=True)
    valid_until = fields.Date(load_default=None, allow_none=True)
    department_if = fields.List(fields.Nested(DepartmentIfSchema), load_default=list)
    party = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(PARTIES))
    service = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SERVICES))
    days_answer = fields.String(load_default=None, allow_none=True)
    review = fields.Boolean(load_default=None, allow_none=True)
    consulted = fields.Nested(ConsultationSchema, load_default=None, allow_none=True)
    delivers = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))

    @validates_schema
    def _kinds(self, data, **kwargs):
        kind = data["kind"]
        if kind in ("approval", "utility") and not data.get("department"):
            raise ValidationError("approval and utility items need a department", "department")
        if kind != "milestone" and not data.get("basis"):
            raise ValidationError("every item cites its legal or policy basis", "basis")
        if kind == "preparation":
            if not data.get("party"):
                raise ValidationError("preparation items name their party (owner or intermediary)", "party")
            if data["party"] == "intermediary" and not data.get("service"):
                raise ValidationError(
                    f"intermediary preparation items name their service ({', '.join(SERVICES)})", "service")
            if data["party"] == "owner" and data.get("service"):
                raise ValidationError("only intermediary preparation items name a service", "service")
        elif data.get("party") or data.get("service"):
            raise ValidationError("only preparation items have a party and a service", "party")
        if data.get("delivers") and not (kind == "preparation" and data.get("party") == "intermediary"):
            raise ValidationError("only intermediary preparation items deliver a material", "delivers")
        if data.get("review") and kind != "approval":
            raise ValidationError("only approval items count as government review time", "review")
        if data["kind"] == "utility" and not data.get("utility"):
            raise ValidationError("utility items name their utility (water, power, gas, heat, sewer)", "utility")
        legal, committed = data.get("legal_days"), data.get("committed_days", 0)
        if legal is not None and committed > legal:
            raise ValidationError(
                f"committed time limit ({committed}) exceeds the legal one ({legal})", "committed_days"
            )
        commitment = data.get("commitment_days")
        if commitment is not None and commitment > committed:
            raise ValidationError(
                f"commitment time limit ({commitment}) exceeds the committed one ({committed})", "commitment_days"
            )
        if data.get("valid_from") and data.get("valid_until") and data["valid_from"] > data["valid_until"]:
            raise ValidationError("valid_from is after valid_until", "valid_until")


class ItemsFileSchema(_Strict):
    items = fields.List(fields.Nested(ItemSchema), required=True)


class CriterionSchema(_Strict):
    # ``if`` is a Python keyword: map it explicitly.
    condition = fields.Raw(required=True, data_key="if")
    passed = fields.String(required=True, data_key="pass")
    failed = fields.String(required=True, data_key="fail")


class FactSchema(_Strict):
    name = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    title = fields.String(required=True)
    condition = fields.Raw(load_default=None, data_key="if")
    criteria = fields.List(fields.Nested(CriterionSchema), load_default=list)
    notice = fields.String(load_default="")
    basis = fields.List(fields.Nested(BasisSchema), load_default=list)

    @validates_schema
    def _one_form(self, data, **kwargs):
        if (data.get("condition") is None) == (not data.get("criteria")):
            raise ValidationError("a fact has either 'if' or 'criteria'", "if")


class FactsFileSchema(_Strict):
    facts = fields.List(fields.Nested(FactSchema), required=True)


class RuleBaseFileSchema(_Strict):
    version = fields.String(required=True)
    title = fields.String(required=True)
    required_codes = fields.List(fields.String(), required=True)
    commitment_breach = fields.Nested(CommitmentBreachSchema, load_default=None, allow_none=True)


class CalendarFileSchema(_Strict):
    years = fields.List(fields.Integer(strict=True), load_default=list)
    holidays = fields.List(fields.Date(), load_default=list)
    workdays = fields.List(fields.Date(), load_default=list)


@functools.cache
def _schema(schema: type[Schema], many: bool = False) -> Schema:
    """One instance of each schema, shared by every load: building a schema
    copies its fields, which cost more than validating a small entry."""
    return schema(many=many)


# --------------------------------------------------------------------------
# YAML with line numbers


# libyaml's parser when PyYAML was built with it (several times faster).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: The largest rule file (or rule test file, or admin edit of one) read, in
#: bytes of UTF-8: the seed's largest is 18 KB. A whole bundle is capped by
#: ``governance.bundles.MAX_BUNDLE_BYTES``.
MAX_YAML_BYTES = 256 * 1024
#: The most nodes a file may hold once its aliases are expanded (the seed's
#: largest has about 1,000; a generated file of 100 items 5,400).
MAX_YAML_NODES = 100_000


class YamlRefused(yaml.YAMLError):
    """A YAML text that is well-formed but not read: too large, or too many
    nodes once its aliases are expanded (a few lines of nested anchors and
    aliases stand for billions of nodes: the "billion laughs"), or an alias
    inside its own anchor."""

    def __init__(self, problem: str, mark: Any = None):
        super().__init__(problem)
        self.problem, self.problem_mark = problem, mark


def _check_size(text: str) -> None:
    if len(text) > MAX_YAML_BYTES or len(text.encode("utf-8")) > MAX_YAML_BYTES:
        raise YamlRefused(f"larger than {MAX_YAML_BYTES // 1024} KiB")


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_MAPPING_TAGS = (None, "!", "tag:yaml.org,2002:map")
_SEQUENCE_TAGS = (None, "!", "tag:yaml.org,2002:seq")
_OPEN = object()  # an anchor whose node is still being read
_NO_KEY = object()  # a mapping waiting for its next key


class _Collection:
    """A mapping or sequence being read: its value so far, its YAML path
    (None under a mapping key: not indexed), and its merges (``<<``)."""

    __slots__ = ("value", "path", "mark", "anchor", "start", "key", "sub", "merges", "recorded")

    def __init__(self, value, path, mark, anchor, start):
        self.value, self.path, self.mark, self.anchor, self.start = value, path, mark, anchor, start
        self.key, self.sub, self.merges, self.recorded = _NO_KEY, None, None, None


def _load_yaml(text: str, lines: dict[str, int] | None = None) -> Any:
    """The single document of ``text``, read in one pass over the parser's
    events (libyaml's when PyYAML has it): builds the values as
    ``yaml.safe_load`` does (``<<`` merges included; collection tags other
    than ``!!map``/``!!seq`` are refused), records in ``lines`` the line of
    every YAML path (``items[3].requires[0]``), and counts the values as
    :class:`YamlRefused` requires — aliases count as the values they stand
    for, so the count stops a "billion laughs" after
    :data:`MAX_YAML_NODES` of them, and an alias inside its own anchor is
    refused."""
    loader = _Loader(text)
    try:
        return _read_events(loader, lines)
    finally:
        loader.dispose()


def _read_events(loader, lines: dict[str, int] | None) -> Any:
    """:func:`_load_yaml`'s pass; each node's value is attached to the
    collection open above it as soon as it is complete."""
    anchors: dict[str, Any] = {}  # anchor → _OPEN or (value, values counted, path, mark, recorded lines)
    tags: dict[str, str] = {}  # plain scalar → its resolved tag
    stack: list[_Collection] = []
    recorders: list[list[tuple[str, int]]] = []  # the lines recorded under each open anchor
    root, count, document, top = None, 0, None, None
    get_event = loader.get_event
    while True:
        event = get_event()
        kind = type(event)
        merge = False
        if kind is yaml.ScalarEvent or kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            mark, anchor = event.start_mark, event.anchor
            if anchor is not None:
                if anchors.get(anchor) is not None:
                    first = anchors[anchor]
                    raise yaml.composer.ComposerError(f"found duplicate anchor {anchor!r}; first occurrence",
                                                      None if first is _OPEN else first[3], "second occurrence", mark)
                anchors[anchor] = _OPEN
            count += 1
            if count > MAX_YAML_NODES:
                raise YamlRefused(f"more than {MAX_YAML_NODES:,} values once its anchors and aliases are expanded",
                                  mark)
            # The node's YAML path: None for a mapping key and what lies under one.
            if top is None:
                path = ""
            elif top.path is None:
                path = None
            elif top.key is not _NO_KEY:
                path = top.sub
            elif type(top.value) is list:
                path = f"{top.path}[{len(top.value)}]"
            else:
                path = None
            if lines is not None and path is not None and path not in lines:
                lines[path] = mark.line + 1
                for recorder in recorders:
                    recorder.append((path, mark.line + 1))
            if kind is not yaml.ScalarEvent:
                mapping = kind is yaml.MappingStartEvent
                if event.tag not in (_MAPPING_TAGS if mapping else _SEQUENCE_TAGS):
                    raise yaml.constructor.ConstructorError(
                        None, None, f"could not determine a constructor for the tag {event.tag!r}", mark)
                top = _Collection({} if mapping else [], path, mark, anchor, count - 1)
                if anchor is not None and lines is not None and path is not None:
                    top.recorded = []
                    recorders.append(top.recorded)
                stack.append(top)
                continue
            tag, value = event.tag, event.value
            if tag is None or tag == "!":
                if not event.implicit[0]:
                    tag = _STR
                elif (tag := tags.get(value)) is None:
                    tag = tags[value] = loader.resolve(yaml.ScalarNode, value, event.implicit)
            if tag == _STR:
                pass
            elif tag == _MERGE and top is not None and top.key is _NO_KEY and type(top.value) is dict:
                merge = True
            else:
                try:
                    value = loader.construct_object(yaml.ScalarNode(tag, value, mark, event.end_mark, event.style))
                except ValueError as exc:  # well-formed but impossible, e.g. the date 2027-02-30
                    raise yaml.constructor.ConstructorError(None, None, str(exc), mark) from None
            if anchor is not None:
                anchors[anchor] = (value, 1, path, mark, ())
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            done = stack.pop()
            top = stack[-1] if stack else None
            value, mark = done.value, done.mark
            if done.merges:
                value = {}
                for merged in done.merges:
                    value.update(merged)
                value.update(done.value)
            if done.anchor is not None:
                if done.recorded is not None:
                    recorders.remove(done.recorded)
                anchors[done.anchor] = (value, count - done.start, done.path, done.mark, done.recorded or ())
        elif kind is yaml.AliasEvent:
            mark, anchored = event.start_mark, anchors.get(event.anchor)
            if anchored is None:
                raise yaml.composer.ComposerError(None, None, f"found undefined alias {event.anchor!r}", mark)
            if anchored is _OPEN:
                raise YamlRefused("an alias inside its own anchor", mark)
            value, size, anchor_path, anchor_mark, recorded = anchored
            count += size
            if count > MAX_YAML_NODES:
                raise YamlRefused(f"more than {MAX_YAML_NODES:,} values once its anchors and aliases are expanded",
                                  mark)
            if top is None:
                path = ""
            elif top.path is None or (top.key is _NO_KEY and type(top.value) is dict):
                path = None
            else:
                path = top.sub if top.key is not _NO_KEY else f"{top.path}[{len(top.value)}]"
            if lines is not None and path is not None:
                for sub, line in ((anchor_path, anchor_mark.line + 1), *recorded):
                    sub = path + sub[len(anchor_path):]
                    if sub not in lines:
                        lines[sub] = line
                        for recorder in recorders:
                            recorder.append((sub, line))
        elif kind is yaml.DocumentStartEvent:
            if document is not None:
                raise yaml.composer.ComposerError("expected a single document in the stream", document,
                                                  "but found another document", event.start_mark)
            document = event.start_mark
            continue
        elif kind is yaml.StreamEndEvent:
            return root
        else:
            continue  # the stream's start, a document's end
        # Attach the complete value to the collection above it.
        if top is None:
            root = value
        elif type(top.value) is list:
            top.value.append(value)
        elif top.key is _NO_KEY:
            try:
                hash(value)
            except TypeError:
                raise yaml.constructor.ConstructorError("while constructing a mapping", top.mark,
                                                        "found unhashable key", mark) from None
            top.key = _MERGE if merge else value
            if top.path is not None:
                top.sub = f"{top.path}.{value}" if top.path else str(value)
                if lines is not None:
                    lines[top.sub] = mark.line + 1
                    for recorder in recorders:
                        recorder.append((top.sub, mark.line + 1))
        else:
            if top.key is _MERGE:
                merged = value if type(value) is list else [value]
                if not all(type(m) is dict for m in merged):
                    raise yaml.constructor.ConstructorError("while constructing a mapping", top.mark,
                                                            "expected a mapping or list of mappings for merging", mark)
                top.merges = (top.merges or []) + merged[::-1]
            else:
                top.value[top.key] = value
            top.key = _NO_KEY


def safe_load(text: str | bytes) -> Any:
    """``yaml.safe_load`` for rule-base texts, with their limits: at most
    :data:`MAX_YAML_BYTES` and :data:`MAX_YAML_NODES` (:class:`YamlRefused`,
    a ``yaml.YAMLError``). Every YAML the app reads from a file or a person
    goes through here or :func:`_read_yaml`."""
    text = text.decode("utf-8") if isinstance(text, bytes) else text
    _check_size(text)
    return _load_yaml(text)


def _read_yaml(content: str | bytes, display: str, errors: list[RuleError]) -> tuple[Any, dict[str, int]]:
    """Parse one file's content; return (data, {yaml path: line}) or record the error."""
    try:
        text = content.decode("utf-8") if isinstance(content, bytes) else content
    except UnicodeDecodeError as exc:
        errors.append(RuleError(display, "", f"not UTF-8 text: {exc.reason} at byte {exc.start}"))
        return None, {}
    lines: dict[str, int] = {}
    try:
        _check_size(text)
        data = _load_yaml(text, lines)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        errors.append(RuleError(display, "", f"not valid YAML: {getattr(exc, 'problem', exc)}",
                                mark.line + 1 if mark else None))
        return None, {}
    return data, lines


class _Reporter:
    """Collects errors for one file, attaching line numbers from its YAML."""

    def __init__(self, file: str, lines: dict[str, int], errors: list[RuleError]):
        self.file, self.lines, self.errors = file, lines, errors

    def __call__(self, path: str, reason: str) -> None:
        probe = path
        while probe and probe not in self.lines:
            probe = probe.rsplit(".", 1)[0] if "." in probe else (probe.rsplit("[", 1)[0] if "[" in probe else "")
        self.errors.append(RuleError(self.file, path, reason, self.lines.get(probe)))

    def marshmallow(self, messages: Any, path: str = "") -> None:
        if isinstance(messages, dict):
            for key, sub in messages.items():
                if key == "_schema":
                    self.marshmallow(sub, path)
                    continue
                sub_path = f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else str(key))
                self.marshmallow(sub, sub_path)
        elif isinstance(messages, list):
            for m in messages:
                if isinstance(m, (dict, list)):
                    self.marshmallow(m, path)
                else:
                    self(path, str(m))
        else:
            self(path, str(messages))


def _load_file(content: str | bytes | None, display: str, schema: Schema, errors: list[RuleError], optional=False):
    """Parse and schema-check one file; return (data, reporter) or (None, reporter)."""
    if content is None:
        if not optional:
            errors.append(RuleError(display, "", "file is missing"))
        return None, None
    before = len(errors)
    data, lines = _read_yaml(content, display, errors)
    report = _Reporter(display, lines, errors)
    if len(errors) > before:
        return None, report
    if data is None and optional:
        return schema.load({}), report
    if not isinstance(data, dict):
        report("", "the top level must be a mapping")
        return None, report
    try:
        return schema.load(data), report
    except ValidationError as exc:
        report.marshmallow(exc.messages)
        return None, report


# --------------------------------------------------------------------------
# Loading


RuleBundle = Mapping[str, "str | bytes"]
"""A rule base as files: relative path (``items/1_x.yaml``, ``tests/fire.yaml``) → content."""


def read_bundle(directory: str | Path | None = None) -> dict[str, bytes]:
    """Every ``*.yaml`` file under ``directory`` (default: ``rules/``), by relative path."""
    directory = Path(directory) if directory else DEFAULT_RULES_DIR
    if not directory.is_dir():
        raise RuleBaseError([RuleError(str(directory), "", "not a directory")])
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*.yaml"))}


def item_files(bundle: RuleBundle) -> list[str]:
    """The bundle's item files (``items/*.yaml``), sorted."""
    return sorted(n for n in bundle if n.startswith("items/") and n.count("/") == 1 and n.endswith(".yaml"))


def load_rule_base(directory: str | Path | None = None) -> RuleBase:
    """Load and validate the rule base in ``directory`` (default: ``rules/``).

    Raises :class:`RuleBaseError` listing every problem found."""
    return load_bundle(read_bundle(directory))


def load_bundle(bundle: RuleBundle) -> RuleBase:
    """Load and validate a rule base given as files (see :data:`RuleBundle`).

    Raises :class:`RuleBaseError` listing every problem found."""
    with _cycle_collection_paused():
        return _load_bundle(bundle)


@contextlib.contextmanager
def _cycle_collection_paused():
    """Loading allocates a tree of some hundred thousand objects and frees
    almost none: the cyclic garbage collector, run every 700 allocations,
    would walk the growing tree again and again (a fifth of the loading
    time). Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_bundle(bundle: RuleBundle) -> RuleBase:
    errors: list[RuleError] = []

    def load(name: str, schema: Schema, optional: bool = False):
        return _load_file(bundle.get(name), name, schema, errors, optional)

    meta, meta_report = load("rulebase.yaml", _schema(RuleBaseFileSchema))
    qfile, q_report = load("questions.yaml", _schema(QuestionsFileSchema))
    sfile, s_report = load("stages.yaml", _schema(StagesFileSchema))
    dfile, d_report = load("departments.yaml", _schema(DepartmentsFileSchema))
    ffile, f_report = load("facts.yaml", _schema(FactsFileSchema))
    cfile, _ = load("calendar.yaml", _schema(CalendarFileSchema), optional=True)
    pfile, p_report = load("providers.yaml", _schema(ProvidersFileSchema), optional=True)
    svfile, sv_report = load("services.yaml", _schema(ServicesFileSchema), optional=True)
    item_names = item_files(bundle)
    if not item_names:
        errors.append(RuleError("items/", "", "no item files (items/*.yaml)"))
    loaded_items = [(name, *load(name, _schema(ItemsFileSchema))) for name in item_names]
    if errors:
        raise RuleBaseError(errors)

    sections, questions = _build_questions(qfile, q_report)
    stages = _unique(sfile["stages"], "code", "stages", s_report)
    departments = _unique(dfile["departments"], "code", "departments", d_report)
    facts, fact_order = _build_facts(ffile["facts"], questions, f_report)
    providers = _unique((pfile or {}).get("providers", []), "code", "providers", p_report) if p_report else {}
    district = questions.get(DISTRICT_QUESTION)
    if district is not None and district.type == "choice":
        for code, provider in providers.items():
            for i, name in enumerate(provider["districts"]):
                if name not in district.option_values:
                    p_report(f"providers[{list(providers).index(code)}].districts[{i}]",
                             f"'{name}' is not a district of the questionnaire ({DISTRICT_QUESTION})")
    services = _unique((svfile or {}).get("services", []), "code", "services", sv_report) if sv_report else {}
    if LAND_DAY_FACT not in facts:
        f_report("facts", f"the fact '{LAND_DAY_FACT}' (拿地即开工 eligibility) must be defined")
    items, where = _build_items(loaded_items, questions, frozenset(facts) | frozenset(OPTION_FACTS), stages, departments)
    for code, item in items.items():
        if item.service is not None and item.service not in services:
            report, path = where[code]
            report(f"{path}.service", f"unknown service '{item.service}' (not in services.yaml)")
        if item.delivers and not any(other.kind == "approval" and code in [r.item for r in other.requires]
                                     and item.delivers in [m.name for m in other.materials]
                                     for other in items.values()):
            report, path = where[code]
            report(f"{path}.delivers",
                   f"no application that requires '{code}' lists the material '{item.delivers}'")
    for i, code in enumerate(meta["required_codes"]):
        if code not in items:
            meta_report(f"required_codes[{i}]", f"required item code '{code}' is not defined in items/")
    if not errors:
        _check_cycles(items, where)
    if errors:
        raise RuleBaseError(errors)

    cal = cfile or {}
    return RuleBase(
        version=meta["version"],
        title=meta["title"],
        digest=bundle_digest(bundle),
        sections=tuple(sections),
        questions=questions,
        stages={c: Stage(c, s["name"], s["name_en"], i) for i, (c, s) in enumerate(stages.items())},
        departments={c: Department(c, d["name"], d["name_en"], d["kind"]) for c, d in departments.items()},
        items=items,
        facts=facts,
        fact_order=fact_order,
        required_codes=tuple(meta["required_codes"]),
        calendar=CalendarOverride(
            holidays=frozenset(cal.get("holidays", ())),
            workdays=frozenset(cal.get("workdays", ())),
            years=frozenset(cal.get("years", ())),
        ),
        top_level_keys=frozenset(q.split(".", 1)[0] for q in questions),
        providers=tuple(Provider(c, p["name"], p["name_en"], p["utility"], tuple(p["districts"]))
                        for c, p in providers.items()),
        services={c: Service(c, v["name"], v["name_en"], v["respond_days"],
                             tuple(Basis(b["document"], b["article"]) for b in v["basis"]))
                  for c, v in services.items()},
        commitment_breach=(CommitmentBreach(meta["commitment_breach"]["months"], tuple(
            Basis(b["document"], b["article"]) for b in meta["commitment_breach"]["basis"]))
            if meta["commitment_breach"] else None),
    )


def _unique(rows: list[dict], key: str, list_name: str, report: _Reporter) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for i, row in enumerate(rows):
        if row[key] in out:
            report(f"{list_name}[{i}].{key}", f"duplicate {key} '{row[key]}'")
        out[row[key]] = row
    return out


def _compile(spec, questions, facts, report: _Reporter, path: str) -> Condition | None:
    if spec is None:
        return None
    try:
        return compile_condition(spec, questions, facts)
    except ConditionError as exc:
        report(f"{path}.{exc.path}" if exc.path else path, exc.reason)
        return None


def _question_view(questions: Mapping[str, Question]) -> dict[str, dict]:
    return {qid: {"type": q.type, "option_values": q.option_values or None} for qid, q in questions.items()}


def _build_questions(qfile: dict, report: _Reporter) -> tuple[list[Section], dict[str, Question]]:
    sections: list[Section] = []
    questions: dict[str, Question] = {}
    order = 0
    every_id = [q["id"] for sec in qfile["sections"] for q in sec["questions"]]
    for si, sec in enumerate(qfile["sections"]):
        sections.append(Section(sec["id"], sec["title"], sec["title_en"]))
        for qi, q in enumerate(sec["questions"]):
            path = f"sections[{si}].questions[{qi}]"
            qid = q["id"]
            if qid in questions:
                report(f"{path}.id", f"duplicate question id '{qid}'")
                continue
            parent = qid.split(".", 1)[0]
            if "." in qid and parent in questions:
                report(f"{path}.id", f"'{qid}' is nested under '{parent}', which is itself a question")
            if "." not in qid and any(k.startswith(qid + ".") for k in questions):
                report(f"{path}.id", f"'{qid}' is already an object of nested questions")
            # show_if may only look at questions asked before this one.
            view = _question_view(questions)
            for other in every_id:
                view.setdefault(other, {"type": "", "option_values": None, "unavailable": (
                    "is not asked before this question; show_if may only use earlier questions")})
            show_if = _compile(q["show_if"], view, (), report, f"{path}.show_if")
            default = q["default"]
            if default is not None and _type_error(q, default):
                report(f"{path}.default", f"default {default!r} is not a valid {q['type']} answer")
            questions[qid] = Question(
                id=qid, section=sec["id"], order=order, text=q["text"], text_en=q["text_en"],
                type=q["type"], required=q["required"], help=q["help"], help_en=q["help_en"],
                basis=q["basis"],
                options=tuple(Option(o["value"], o["label"], o["label_en"]) for o in q["options"]),
                unit=q["unit"], minimum=q["minimum"], maximum=q["maximum"],
                exclusive_minimum=q["exclusive_minimum"], integer=q["integer"],
                default=default, show_if=show_if,
            )
            order += 1
    return sections, questions


def _type_error(q: dict, value: Any) -> bool:
    t = q["type"]
    if t == "bool":
        return not isinstance(value, bool)
    if t == "number":
        return isinstance(value, bool) or not isinstance(value, (int, float))
    if t == "choice":
        return value not in [o["value"] for o in q["options"]]
    return not isinstance(value, str)


def _build_facts(rows: list[dict], questions: dict[str, Question], report: _Reporter):
    by_name = _unique(rows, "name", "facts", report)
    for i, row in enumerate(rows):
        if row["name"] in OPTION_FACTS:
            report(f"facts[{i}].name", f"'{row['name']}' is set by the planning options and cannot be redefined")
    known = set(by_name) | set(OPTION_FACTS)
    view = _question_view(questions)
    facts: dict[str, Fact] = {}
    graph = nx.DiGraph()
    for i, row in enumerate(rows):
        path = f"facts[{i}]"
        cond = _compile(row["condition"], view, known, report, f"{path}.if")
        criteria = []
        for ci, c in enumerate(row["criteria"]):
            cc = _compile(c["condition"], view, known, report, f"{path}.criteria[{ci}].if")
            if cc:
                criteria.append(Criterion(cc, c["passed"], c["failed"]))
        basis = _build_basis(row["basis"], view, known, report, f"{path}.basis")
        facts[row["name"]] = Fact(row["name"], row["title"], cond, tuple(criteria), row["notice"], basis)
        graph.add_node(row["name"])
        for used in (cond.facts if cond else ()) + tuple(f for c in criteria for f in c.condition.facts):
            graph.add_edge(used, row["name"])
    if nx.is_directed_acyclic_graph(graph):  # linear; find_cycle only for the error message
        return facts, tuple(n for n in nx.topological_sort(graph) if n in facts)
    cycle = nx.find_cycle(graph)
    report("facts", "facts depend on each other in a cycle: " + " → ".join([a for a, _ in cycle] + [cycle[0][0]]))
    return facts, tuple(facts)


def _build_basis(rows, view, fact_names, report: _Reporter, path: str) -> tuple[Basis, ...]:
    """Basis entries, each possibly limited by ``if`` to the projects it speaks of."""
    out = []
    for i, b in enumerate(rows):
        cond = _compile(b.get("condition"), view, fact_names, report, f"{path}[{i}].if")
        out.append(Basis(b["document"], b.get("article", ""), cond))
    return tuple(out)


def _build_reasons(spec, view, fact_names, report: _Reporter, path: str) -> tuple[Reason, ...]:
    """``why``: a sentence, or a list of sentences and ``{text, if}`` entries."""
    if spec in (None, ""):
        return ()
    if isinstance(spec, str):
        return (Reason(spec),)
    if not isinstance(spec, list):
        report(path, "why is a sentence or a list of sentences and {text: TEXT, if: CONDITION}")
        return ()
    out = []
    for i, entry in enumerate(spec):
        if isinstance(entry, str):
            out.append(Reason(entry))
        elif isinstance(entry, dict) and set(entry) <= {"text", "if"} and isinstance(entry.get("text"), str):
            out.append(Reason(entry["text"], _compile(entry.get("if"), view, fact_names, report, f"{path}[{i}].if")))
        else:
            report(f"{path}[{i}]", "each reason is a sentence or {text: TEXT, if: CONDITION}")
    return tuple(out)


def _build_items(files, questions, fact_names, stages, departments):
    """Build items and check their references; return (items, code → (reporter, path))."""
    view = _question_view(questions)
    raw: dict[str, tuple[dict, str, _Reporter]] = {}
    for display, data, report in files:
        for i, row in enumerate(data["items"]):
            path = f"items[{i}]"
            if row["code"] in raw:
                report(f"{path}.code", f"duplicate item code '{row['code']}' (also in {raw[row['code']][2].file})")
                continue
            raw[row["code"]] = (row, path, report)
    items: dict[str, Item] = {}
    for code, (row, path, report) in raw.items():
        if row["stage"] not in stages:
            report(f"{path}.stage", f"unknown stage '{row['stage']}'")
        if row["department"] and row["department"] not in departments:
            report(f"{path}.department", f"unknown department '{row['department']}'")
        consulted = None
        if row["consulted"]:
            for di, dep in enumerate(row["consulted"]["departments"]):
                if dep not in departments or dep == row["department"]:
                    report(f"{path}.consulted.departments[{di}]",
                           f"'{dep}' is not another department of the rule base")
            consulted = Consultation(tuple(row["consulted"]["departments"]), row["consulted"]["working_days"],
                                     tuple(Basis(b["document"], b["article"]) for b in row["consulted"]["basis"]))
        applies_if = _compile(row["applies_if"], view, fact_names, report, f"{path}.applies_if")
        requires = []
        for ri, req in enumerate(row["requires"]):
            rpath = f"{path}.requires[{ri}]"
            if isinstance(req, str):
                target, cond = req, None
            elif isinstance(req, dict) and set(req) <= {"item", "if"} and isinstance(req.get("item"), str):
                target = req["item"]
                cond = _compile(req.get("if"), view, fact_names, report, f"{rpath}.if")
            else:
                report(rpath, "a prerequisite is an item code or {item: CODE, if: CONDITION}")
                continue
            if target not in raw:
                report(rpath, f"unknown item '{target}'")
            elif target == code:
                report(rpath, "an item cannot require itself")
            requires.append(Requirement(target, cond))
        modes = []
        for mi, m in enumerate(row["modes"]):
            mpath = f"{path}.modes[{mi}]"
            name, cond = (m, None) if isinstance(m, str) else (
                (m.get("mode"), _compile(m.get("if"), view, fact_names, report, f"{mpath}.if"))
                if isinstance(m, dict) and set(m) <= {"mode", "if"} else (None, None)
            )
            if name not in MODES:
                report(mpath, f"unknown mode {name!r}; one of {', '.join(MODES)} or {{mode: M, if: C}}")
                continue
            modes.append(ModeRule(name, cond))
        days_if = []
        for di, d in enumerate(row["days_if"]):
            dpath = f"{path}.days_if[{di}]"
            days = d.get("days")
            if not {"if", "days"} <= set(d) <= {"if", "days", "basis"} or isinstance(days, bool) \
                    or not isinstance(days, int) or days < 0:
                report(dpath, "each entry is {if: CONDITION, days: WORKING_DAYS} (and optionally basis: [...])")
                continue
            cond = _compile(d["if"], view, fact_names, report, f"{dpath}.if")
            try:
                dbasis = _schema(BasisSchema, many=True).load(d["basis"]) if d.get("basis") else []
            except ValidationError as exc:
                report.marshmallow(exc.messages, f"{dpath}.basis")
                continue
            if cond:
                days_if.append(DaysRule(cond, days, _build_basis(dbasis, view, fact_names, report, f"{dpath}.basis")))
        department_if = []
        for di, d in enumerate(row["department_if"]):
            dpath = f"{path}.department_if[{di}]"
            if d["department"] not in departments:
                report(f"{dpath}.department", f"unknown department '{d['department']}'")
            cond = _compile(d["condition"], view, fact_names, report, f"{dpath}.if")
            if cond:
                department_if.append(DepartmentRule(
                    cond, d["department"], _build_basis(d["basis"], view, fact_names, report, f"{dpath}.basis")))
        if department_if and not row["department"]:
            report(f"{path}.department_if", "an item routed by department_if needs a default department")
        days_answer = row["days_answer"]
        if days_answer is not None and (days_answer not in questions or questions[days_answer].type != "number"
                                        or not questions[days_answer].integer):
            report(f"{path}.days_answer", "days_answer names a whole-number question whose answer overrides the days")
        if any(m.mode == "commitment" for m in modes) and row["commitment_days"] is None:
            report(f"{path}.commitment_days", "items with the commitment mode need commitment_days")
        materials = []
        for mi, m in enumerate(row["materials"]):
            if isinstance(m, str):
                materials.append(Material(m))
            else:
                try:
                    loaded = _schema(MaterialSchema).load(m)
                except ValidationError as exc:
                    report.marshmallow(exc.messages, f"{path}.materials[{mi}]")
                    continue
                cond = _compile(loaded.pop("condition"), view, fact_names, report, f"{path}.materials[{mi}].if")
                materials.append(Material(**loaded, condition=cond))
        lag_from = lag_answer = None
        if row["lag"]:
            lag_from, lag_answer = row["lag"].get("after"), row["lag"].get("answer")
            if lag_from not in raw or lag_answer not in questions or questions[lag_answer].type != "number":
                report(f"{path}.lag", "lag needs {after: ITEM, answer: NUMBER_QUESTION}")
            elif lag_from not in [r.item for r in requires]:
                report(f"{path}.lag.after", f"the lag runs after '{lag_from}', which must be a prerequisite")
        items[code] = Item(
            code=code, name=row["name"], name_en=row["name_en"], kind=row["kind"], stage=row["stage"],
            department=row["department"], legal_days=row["legal_days"], committed_days=row["committed_days"],
            commitment_days=row["commitment_days"], days_if=tuple(days_if), modes=tuple(modes), materials=tuple(materials),
            basis=_build_basis(row["basis"], view, fact_names, report, f"{path}.basis"),
            applies_if=applies_if, requires=tuple(requires),
            why=_build_reasons(row["why"], view, fact_names, report, f"{path}.why"), utility=row["utility"],
            lag_from=lag_from, lag_answer=lag_answer,
            valid_from=row["valid_from"], valid_until=row["valid_until"], file=report.file,
            department_if=tuple(department_if), party=row["party"], service=row["service"],
            days_answer=days_answer,
            review=row["kind"] == "approval" if row["review"] is None else row["review"],
            consulted=consulted, delivers=row["delivers"],
        )
    return items, {code: (report, path) for code, (_, path, report) in raw.items()}


def _check_cycles(items: dict[str, Item], where: dict[str, tuple[_Reporter, str]]) -> None:
    """Reject prerequisite cycles, counting conditional prerequisites too."""
    graph = nx.DiGraph()
    graph.add_nodes_from(items)
    graph.add_edges_from((r.item, code) for code, item in items.items() for r in item.requires)
    if nx.is_directed_acyclic_graph(graph):  # linear; find_cycle only for the error message
        return
    cycle = nx.find_cycle(graph)
    names = [a for a, _ in cycle] + [cycle[0][0]]
    report, path = where[names[1]]
    report(f"{path}.requires", "prerequisites form a cycle: " + " → ".join(names))


def bundle_digest(bundle: RuleBundle) -> str:
    """A short fingerprint of the rule files (not the tests) of a bundle."""
    h = hashlib.sha256()
    for name in sorted(bundle):
        if name.split("/", 1)[0] == "tests":
            continue
        content = bundle[name]
        h.update(name.encode())
        h.update(content.encode("utf-8") if isinstance(content, str) else content)
    return h.hexdigest()[:12]
