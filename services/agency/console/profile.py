"""The agency as its duty room sees it: names, the categories it reports, its own words for the
common statuses, and whether its links to the gateway and the broker are up.

It needs no sign-in: the sign-in page shows the agency's name, and whether the gateway (which
sign-in needs) can be reached.
"""

from fastapi import APIRouter

from kernel.catalog import CATEGORIES
from services.agency.console.context import Context
from services.agency.console.schemas import AgencyRead, CategoryRead, Links

router = APIRouter(prefix="/api/v1", tags=["agency"])


@router.get("/agency", response_model=AgencyRead)
def agency(context: Context) -> AgencyRead:
    profile = context.profile
    return AgencyRead(
        id=profile.id,
        name_zh=profile.name_zh,
        name_en=profile.name_en,
        categories=[
            CategoryRead(code=code, name_zh=CATEGORIES[code].name_zh, name_en=CATEGORIES[code].name_en)
            for code in profile.categories
        ],
        words=profile.words.model_dump(),
        links=Links.model_validate(context.links.as_dict()),
    )
