"""Routing rules of the three centers, read from ``routing.toml`` so the command room can
read and change them without reading code."""

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kernel.catalog import CATEGORIES

RULES_FILE = Path(__file__).with_name("routing.toml")


@dataclass(frozen=True)
class Center:
    id: str
    name_zh: str
    name_en: str
    commander: str


@dataclass(frozen=True)
class Route:
    center: str
    reason: str


@dataclass(frozen=True)
class RoutingRules:
    centers: dict[str, Center]
    by_category: dict[str, str]
    joint_center: str
    joint_categories: frozenset[str]
    default: str

    def route(self, *, category: str, agencies: set[str]) -> Route:
        if category in self.joint_categories:
            return Route(self.joint_center, f"{category} is handled jointly")
        if len(agencies) >= 2:
            return Route(
                self.joint_center, f"involves {len(agencies)} agencies: {', '.join(sorted(agencies))}"
            )
        if category in self.by_category:
            return Route(self.by_category[category], f"category {category}")
        return Route(self.default, "default center")


class RulesError(ValueError):
    pass


def load(path: Path = RULES_FILE) -> RoutingRules:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    centers = {
        center_id: Center(id=center_id, **fields) for center_id, fields in raw.get("centers", {}).items()
    }
    by_category: dict[str, str] = raw.get("categories", {})
    joint = raw.get("joint", {})
    rules = RoutingRules(
        centers=centers,
        by_category=by_category,
        joint_center=joint.get("center", raw.get("default", "")),
        joint_categories=frozenset(joint.get("categories", [])),
        default=raw.get("default", ""),
    )
    named = {rules.default, rules.joint_center, *by_category.values()}
    if unknown := sorted(named - centers.keys()):
        raise RulesError(f"{path}: unknown centers {unknown}")
    if unknown := sorted((by_category.keys() | rules.joint_categories) - CATEGORIES.keys()):
        raise RulesError(f"{path}: unknown categories {unknown}")
    return rules


@cache
def rules() -> RoutingRules:
    """The rules this process runs with, read once."""
    return load()
