from fsmbilling.models.base import Status, TenantModel
from fsmbilling.models.catalog import ServicePart
from fsmbilling.models.customers import Company, Contact
from fsmbilling.models.imports import ImportJob, ImportRowError
from fsmbilling.models.organizations import (
    ApiToken,
    DocumentSequence,
    Invitation,
    Membership,
    Organization,
    Role,
)
from fsmbilling.models.reference import Currency, CustomField, PaymentTerm, Salesperson, Tax, TaxExemption
from fsmbilling.models.work_orders import Asset, ServiceAppointment, WorkOrder, WorkOrderLine
from fsmbilling.models.workflows import WorkflowDelivery, WorkflowRule

__all__ = [
    "ApiToken",
    "Asset",
    "Company",
    "Contact",
    "Currency",
    "CustomField",
    "DocumentSequence",
    "ImportJob",
    "ImportRowError",
    "Invitation",
    "Membership",
    "Organization",
    "PaymentTerm",
    "Role",
    "Salesperson",
    "ServiceAppointment",
    "ServicePart",
    "Status",
    "Tax",
    "TaxExemption",
    "TenantModel",
    "WorkOrder",
    "WorkOrderLine",
    "WorkflowDelivery",
    "WorkflowRule",
]
