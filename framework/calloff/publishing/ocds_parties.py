"""The parties of the OCDS releases: the council and each provider (docs/publishing.md,
"Open data (OCDS)").

A provider is identified by its Companies House number (GB-COH), else its charity number
(GB-CHC), else an id of the publisher's own; its PPON is an additional identifier.

Its statuses (SME, VCSE, supported employment provider, public service mutual) are left
out of the OCDS package: a release carries only the fields the core schema or a declared
extension defines, and none defines these. `parties[].details` is an open object in core
OCDS 1.1.5 with no fields of its own, so libcoveocds reports anything put in it as an
additional (unknown) field: `details.scale` (SME) is the partyScale extension's, and
`details.vcse`, `details.shelteredWorkshop` (supported employment) and
`details.publicServiceMissionOrganization` (public service mutual) are the UK extension's,
which needs further extensions not at hand to check against (../shared/ocds/README.md).
The contracts register (Transparency Code) and the notices carry the statuses instead.
"""

from __future__ import annotations

from typing import Any

from calloff.domain.model import Framework
from calloff.errors import InvalidInput


def publisher_prefix(fw: Framework) -> str:
    """The publisher's registered OCDS prefix, which every ocid begins with; refused,
    saying how to name it, where the framework has none."""
    if not fw.ocid_prefix:
        name = f"the framework {fw.id} has no ocid_prefix: name the council's registered prefix"
        or_file = '(or ocid_prefix = "ocds-xxxxxx" in the definition file of a new database)'
        raise InvalidInput(
            f'{name} with set_ocid_prefix("ocds-xxxxxx") {or_file}',
            command=f"{name} with `calloff framework ocid-prefix ocds-xxxxxx` {or_file}",
        )
    return fw.ocid_prefix


def buyer_party(fw: Framework) -> dict[str, Any]:
    return {
        "id": f"{publisher_prefix(fw)}-buyer",
        "name": fw.buyer,
        "roles": ["buyer", "procuringEntity"],
    }


def provider_party(row: dict[str, Any], fw: Framework, roles: list[str]) -> dict[str, Any]:
    """A provider with its registration numbers: Companies House as GB-COH, a charity as
    GB-CHC, the PPON beside them; its address. Its statuses are left out (see above)."""
    schemes = [("GB-COH", row.get("companies_house")), ("GB-CHC", row.get("charity"))]
    known = [(scheme, ident) for scheme, ident in schemes if ident]
    own = f"{publisher_prefix(fw)}-provider-{row['id']}"
    party: dict[str, Any] = {
        "id": f"{known[0][0]}-{known[0][1]}" if known else own,
        "name": row["name"],
        "roles": roles,
    }
    if known:
        party["identifier"] = {"scheme": known[0][0], "id": known[0][1], "legalName": row["name"]}
    more = [{"scheme": s, "id": i} for s, i in known[1:]]
    if row.get("ppon"):
        more.append({"scheme": "GB-PPON", "id": row["ppon"]})
    if more:
        party["additionalIdentifiers"] = more
    if row.get("address"):
        party["address"] = {"streetAddress": row["address"], "countryName": "United Kingdom"}
    return party


def ref(party: dict[str, Any]) -> dict[str, Any]:
    """An OrganizationReference to a party: its id and name."""
    return {"id": party["id"], "name": party["name"]}
