"""What Kantata OX documents about each endpoint psops reads (``GET /api/v1/<object>.json``).

Extracted from Kantata's published OpenAPI spec, one file per endpoint, as harvested in the
public repository ``api-evangelist/mavenlink`` (``openapi/mavenlink-<name>-api-openapi.yml``;
the live reference is https://developer.kantata.com).  Per endpoint: the list GET's
``parameters`` (every documented query parameter, the required ones, the ``order`` values it
lists, its ``include`` associations) and, from ``components.schemas``, the object's fields that
psops reads, with their JSON types.

Facts of the spec that shape the connector (``sources/kantata/extract.py``):

- Every object has a string ``id`` (Kantata's response format; the schemas leave it out).
- ``order`` takes only the sort fields an endpoint lists; anything else is ignored by the API.
  Only ``account_memberships``, ``custom_fields``, ``custom_field_values``, ``workspaces``,
  ``time_entries``, ``workspace_resources`` and ``workspace_allocations`` list
  ``updated_at`` *and* document ``updated_after``.  ``roles``, ``custom_field_choices``,
  ``workweeks``, ``workweek_memberships``, ``holiday_calendar_memberships`` and
  ``timesheet_submissions`` document ``updated_after`` and carry ``updated_at`` but list no
  ``updated_at`` sort (read by filter, ``extract.py``); the others are re-read whole.
- Many foreign keys are sent only when their association is included ("``user_id`` will
  only be included in the response if ``user`` is in the list of included associations"):
  ``GATED`` below; the connector asks for those includes.
- A few fields are named otherwise than our raw columns (mapped in ``tables.py``):
  workspace ``status`` is an object ``{color, key, message}``; a workspace's budgeted hours
  are ``estimated_minutes`` (an ``optional_fields`` field); an allocation's resource is
  ``workspace_resource_id``; a choice custom field's ``value`` is a list of choice ids.
- Not in the spec (so never sent by Kantata, NULL in raw): ``users.created_at/updated_at``,
  ``workweeks.title``, ``holiday_calendars.updated_at``, ``holidays.created_at/updated_at``,
  ``holiday_calendar_associations.created_at/updated_at``, ``time_off_entries.updated_at``,
  ``workspace_allocations.user_id`` (an allocation names its resource; the resource names
  the user) and ``custom_fields.subject_type`` (the connector reads custom fields per
  ``subject_type`` filter and records the filter).

The endpoints are written in ``contract_people.py``, ``contract_calendars.py`` and
``contract_work.py`` (from the parts in ``contract_parts.py``); this module lists them all and
checks a request against them.
"""

from __future__ import annotations

from sources.common.contract import Endpoint
from sources.kantata.contract_calendars import CALENDARS
from sources.kantata.contract_people import PEOPLE
from sources.kantata.contract_work import WORK

MAX_PER_PAGE = 200  # every list GET: per_page default 20, maximum 200
CUSTOM_FIELD_SUBJECTS = ("User", "Workspace")  # the subject types psops reads

ENDPOINTS: dict[str, Endpoint] = {e.name: e for e in (*PEOPLE, *CALENDARS, *WORK)}

# sort values some endpoints list without a direction
_BARE_SORTS = {
    "holiday_calendars": {"default"},
    "workspaces": {"search"},
    "workspace_resources": {"alphabetical"},
}


def endpoint(name: str) -> Endpoint:
    return ENDPOINTS[name]


def is_incremental(ep: Endpoint) -> bool:
    """Both a documented ``updated_after`` filter and an ``updated_at`` sort, on an object
    that carries ``updated_at``: pages come in cursor order, so each page's cursor holds."""
    return is_filterable(ep) and "updated_at" in ep.sorts


def is_filterable(ep: Endpoint) -> bool:
    """A documented ``updated_after`` filter on an object that carries ``updated_at``: a run
    can ask only for what changed, even where the pages cannot come in ``updated_at`` order
    (e.g. timesheet submissions, sorted by ``date`` only)."""
    return reads_changes(ep) and "updated_at" in ep.field_names


def reads_changes(ep: Endpoint) -> bool:
    """A documented ``updated_after`` filter, whether or not the object carries
    ``updated_at``: the spec documents the filter on time off entries and users, whose
    schemas have no ``updated_at`` (a run then dates its pass by the server's clock)."""
    return "updated_after" in ep.params


def includes_of(query_value: str | None) -> list[str]:
    return [part.strip() for part in (query_value or "").split(",") if part.strip()]


def order_terms(ep: Endpoint, value: str) -> tuple[list[tuple[str, str]], list[str]]:
    """``order=field:dir[,field:dir]`` -> the valid ``(field, dir)`` terms and a problem per
    term the endpoint does not list (the API ignores those)."""
    terms: list[tuple[str, str]] = []
    problems: list[str] = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        if part in _BARE_SORTS.get(ep.name, set()):
            terms.append((part, "asc"))
            continue
        field, _, direction = part.rpartition(":")
        if field in ep.sorts and direction in ("asc", "desc"):
            terms.append((field, direction))
        else:
            valid = ", ".join(sorted(ep.sorts)) or "none"
            problems.append(f"{ep.path}: order {part!r} is not a listed sort (valid: {valid})")
    return terms, problems


def request_problems(ep: Endpoint, query: dict[str, str]) -> list[str]:
    """Undocumented or missing parameters, unlisted sorts and unknown includes."""
    problems = ep.request_problems(query)
    if "order" in query:
        problems += order_terms(ep, query["order"])[1]
    unknown = [i for i in includes_of(query.get("include")) if i not in ep.extra["includes"]]
    problems += [f"{ep.path}: include {name!r} is not documented" for name in unknown]
    return problems
