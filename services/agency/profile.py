"""An agency profile: what differs between the four agency services, read from
``services/<agency>/profile.toml``."""

import tomllib
from pathlib import Path

from pydantic import BaseModel, field_validator

from services.common.catalog import AGENCIES, CATEGORIES

SERVICES_DIR = Path(__file__).resolve().parent.parent


class AgencyProfile(BaseModel):
    id: str
    name_zh: str
    name_en: str
    grpc_port: int
    # Categories this agency's own operators may report.
    categories: list[str]

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
