"""An agency profile: what differs between the four agency services, read from
``services/<agency>/profile.toml``."""

import tomllib
from pathlib import Path

from pydantic import BaseModel, Field, field_validator

from kernel.catalog import AGENCIES, CATEGORIES

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"


class UnitSpec(BaseModel):
    """A unit as the agency first knows it; status and position then live in its database."""

    id: str
    name: str
    kind: str
    capabilities: list[str]
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class AgencyProfile(BaseModel):
    id: str
    name_zh: str
    name_en: str
    grpc_port: int
    # Categories this agency's own operators may report.
    categories: list[str]
    units: list[UnitSpec] = []

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - CATEGORIES.keys())
        if unknown:
            raise ValueError(f"unknown categories {unknown}")
        return value


def load(agency: str) -> AgencyProfile:
    if agency not in AGENCIES:
        raise ValueError(f"unknown agency {agency!r}; expected one of {', '.join(AGENCIES)}")
    with (SERVICES_DIR / agency / "profile.toml").open("rb") as handle:
        return AgencyProfile.model_validate(tomllib.load(handle))
