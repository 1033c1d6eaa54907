"""An agency profile: what differs between the four agency services, read from
``services/<agency>/profile.toml``.

Each agency keeps its own words for the common task and unit statuses: the oil field's security
office, the police, the militia and the school guards each name the same step differently, and a
duty room reads its own words while the wire and the command room keep the common codes. A
profile that leaves a common code without a word, or names a code nobody knows, is refused at
load, so a service with a gap in its words never starts.
"""

import tomllib
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, field_validator

from kernel.catalog import AGENCIES, CATEGORIES
from kernel.dispatch_store import UNIT_STATUSES
from kernel.tasks import STATUSES as TASK_STATUSES

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"

# The languages a duty room reads; the first is the default.
LANGUAGES = ("zh", "en")


class UnitSpec(BaseModel):
    """A unit as the agency first knows it; status and position then live in its database."""

    id: str
    name: str
    kind: str
    capabilities: list[str]
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


def _cover(words: dict[str, str], codes: set[str], what: str) -> dict[str, str]:
    missing = sorted(codes - words.keys())
    unknown = sorted(words.keys() - codes)
    blank = sorted(code for code, word in words.items() if not word.strip())
    problems = [
        f"{label} {names}"
        for label, names in (("no word for", missing), ("unknown codes", unknown), ("blank words for", blank))
        if names
    ]
    if problems:
        raise ValueError(f"{what}: {'; '.join(problems)}")
    return words


class StatusWords(BaseModel):
    """One kind of status in each language: common code -> the agency's word."""

    zh: dict[str, str]
    en: dict[str, str]

    def in_language(self, language: str) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}[language]


class TaskWords(StatusWords):
    @field_validator("zh", "en")
    @classmethod
    def _every_task_status(cls, value: dict[str, str]) -> dict[str, str]:
        return _cover(value, set(TASK_STATUSES.values()), "task statuses")


class UnitWords(StatusWords):
    @field_validator("zh", "en")
    @classmethod
    def _every_unit_status(cls, value: dict[str, str]) -> dict[str, str]:
        return _cover(value, set(UNIT_STATUSES.values()), "unit statuses")


class AgencyWords(BaseModel):
    task: TaskWords
    unit: UnitWords


class AgencyProfile(BaseModel):
    id: str
    name_zh: str
    name_en: str
    grpc_port: int
    # The duty room's HTTP console (page and API); JCP_CONSOLE_PORT overrides it.
    console_port: int = Field(gt=0, lt=65536)
    # Categories this agency's own operators may report.
    categories: list[str]
    words: AgencyWords
    units: list[UnitSpec] = []

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - CATEGORIES.keys())
        if unknown:
            raise ValueError(f"unknown categories {unknown}")
        return value

    def task_word(self, status: str, language: str) -> str:
        return self.words.task.in_language(language)[status]

    def unit_word(self, status: str, language: str) -> str:
        return self.words.unit.in_language(language)[status]


def parse(agency: str, text: str) -> AgencyProfile:
    """A profile from its TOML text; ValueError naming the file and every problem in it."""
    where = f"services/{agency}/profile.toml"
    try:
        return AgencyProfile.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{where} is not TOML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg'].removeprefix('Value error, ')}"
            for error in exc.errors()
        )
        raise ValueError(f"{where} is not a valid profile: {problems}") from exc


def load(agency: str) -> AgencyProfile:
    if agency not in AGENCIES:
        raise ValueError(f"unknown agency {agency!r}; expected one of {', '.join(AGENCIES)}")
    return parse(agency, (SERVICES_DIR / agency / "profile.toml").read_text(encoding="utf-8"))
