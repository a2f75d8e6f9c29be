"""The spend and contracts files under the Local Government Association's column names
(`--columns lga`; docs/publishing.md, "LGA columns"), as councils publish them.

Built from the publication `calloff.publishing.transparency` gives, never queried again: the
same keys, its `rows` renamed and reordered, with `columns` naming the LGA's columns in
order (which `calloff.publishing.files.columns_of` reads). Each cell is the value calloff's
own column has; the LGA's own columns are filled from what calloff knows, or left empty.
"""

from __future__ import annotations

from typing import Any

from calloff.domain.transparency_settings import TransparencySettings
from calloff.errors import InvalidInput

# The LGA's spend schema, in its order.
SPEND_COLUMNS = (
    "OrganisationLabel",
    "OrganisationURI",
    "EffectiveDate",
    "OrganisationalUnit",
    "BeneficiaryName",
    "BeneficiaryOtherID",
    "PaymentDate",
    "TransactionNumber",
    "Amount",
    "IrrecoverableVATAmount",
    "Purpose",
    "ProclassLabel",
    "ProclassCode",
    "ProfitCentre",
    "VATRegistrationNumber",
    # calloff's further facts, after the schema's own: the payment's contract (the s.70
    # guidance's "linking payments to contracts"), its invoice, merchant category and codes.
    "ContractReferenceNumber",
    "InvoiceNumber",
    "MerchantCategory",
    "GLCode",
    "PurchaseOrderNumber",
)
# The LGA's contracts schema's names for what the register holds, in the schema's order,
# then calloff's further facts, which the schema has no column for.
CONTRACT_COLUMNS = (
    "OrganisationLabel",
    "OrganisationURI",
    "Title",
    "ContractReferenceNumber",
    "Description",
    "ContractType",
    "ServiceLabel",
    "ContractStartDate",
    "ContractEndDate",
    "ReviewDate",
    "Value",
    "IrrecoverableVAT",
    "SupplierName",
    "SupplierCompanyRegistrationNumber",
    "SupplierCharityRegistrationNumber",
    "ProcurementProcess",
    "SME",
    "VCSE",
    "SupplierPPON",
    "SupportedEmploymentProvider",
    "PublicServiceMutual",
    "ContractStatus",
)

# Each LGA column a calloff row already has, with calloff's name for it.
SPEND_RENAMED = {
    "OrganisationLabel": "organisation",
    "OrganisationalUnit": "service_area",
    "BeneficiaryName": "beneficiary",
    "PaymentDate": "payment_date",
    "TransactionNumber": "transaction_number",
    "Amount": "amount",
    "IrrecoverableVATAmount": "irrecoverable_vat",
    "Purpose": "purpose",
    "ProfitCentre": "cost_centre",
    "ContractReferenceNumber": "contract_reference",
    "InvoiceNumber": "invoice",
    "MerchantCategory": "merchant_category",
    "GLCode": "gl_code",
    "PurchaseOrderNumber": "purchase_order",
}
CONTRACT_RENAMED = {
    "Title": "title",
    "ContractReferenceNumber": "reference",
    "Description": "description",
    "ContractType": "kind",
    "ServiceLabel": "service_area",
    "ContractStartDate": "start_date",
    "ContractEndDate": "end_date",
    "ReviewDate": "review_date",
    "Value": "value",
    "IrrecoverableVAT": "irrecoverable_vat",
    "SupplierName": "supplier",
    "SupplierCompanyRegistrationNumber": "companies_house",
    "SupplierCharityRegistrationNumber": "charity_number",
    "ProcurementProcess": "procurement_route",
    "SME": "sme",
    "VCSE": "vcse",
    "SupplierPPON": "ppon",
    "SupportedEmploymentProvider": "supported_employment",
    "PublicServiceMutual": "public_service_mutual",
    "ContractStatus": "status",
}
PUBLICATIONS = ("spend", "contracts")


def relabel(publication: dict[str, Any], settings: TransparencySettings) -> dict[str, Any]:
    """`publication` (spend or contracts, as built) with its rows under the LGA's columns:
    a list for a list, an iterator for an iterator."""
    name = publication["publication"]
    columns: tuple[str, ...]
    if name == "spend":
        columns = SPEND_COLUMNS
        rows = (_spend_row(row, publication, settings) for row in publication["rows"])
    elif name == "contracts":
        columns = CONTRACT_COLUMNS
        rows = (_contract_row(row, publication, settings) for row in publication["rows"])
    else:
        raise InvalidInput(
            f"the LGA's columns are for the spend and contracts files, not {name}: "
            "leave columns out"
        )
    # Rows read one at a time (a streamed spend file) are relabelled one at a time.
    streamed = not isinstance(publication["rows"], list)
    return {**publication, "rows": rows if streamed else list(rows), "columns": columns}


def _spend_row(
    row: dict[str, Any], publication: dict[str, Any], settings: TransparencySettings
) -> dict[str, Any]:
    cells = {lga: row[ours] for lga, ours in SPEND_RENAMED.items()}
    cells.update(
        OrganisationURI=settings.organisation_uri or None,
        # The day the data is as at: a past quarter's file is as it stood at its end.
        EffectiveDate=publication["period_end"],
        # The beneficiary's registration: its company number, else its charity number.
        BeneficiaryOtherID=row["companies_house"] or row["charity_number"],
        ProclassLabel=settings.proclass_label or None,
        ProclassCode=settings.proclass_code or None,
        VATRegistrationNumber=None,  # calloff keeps no supplier's VAT number
    )
    return {column: cells[column] for column in SPEND_COLUMNS}


def _contract_row(
    row: dict[str, Any], publication: dict[str, Any], settings: TransparencySettings
) -> dict[str, Any]:
    cells = {lga: row[ours] for lga, ours in CONTRACT_RENAMED.items()}
    cells.update(
        OrganisationLabel=publication["organisation"],
        OrganisationURI=settings.organisation_uri or None,
    )
    return {column: cells[column] for column in CONTRACT_COLUMNS}
