"""The API's errors: one hierarchy, one wire format.

Domain code raises these; the HTTP layer (``carbon_accounting.api``) turns any of them into
``{"detail": ..., "code": ...}`` with the status below. Nothing else maps errors to HTTP.
"""

from __future__ import annotations

from http import HTTPStatus


class ApiError(Exception):
    """An error the caller can act on. Subclasses fix the status; instances carry code and detail."""

    status: HTTPStatus = HTTPStatus.BAD_REQUEST

    def __init__(self, detail: str, code: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.field = field  # the request field at fault, when there is one (a bulk import reports it)

    def body(self) -> dict[str, object]:
        return {"detail": self.detail, "code": self.code}

    def headers(self) -> dict[str, str]:
        """Headers the answer carries besides its body (``Retry-After``)."""
        return {}


class BadRequest(ApiError):
    status = HTTPStatus.BAD_REQUEST


class Unauthorized(ApiError):
    status = HTTPStatus.UNAUTHORIZED


class Forbidden(ApiError):
    status = HTTPStatus.FORBIDDEN

    def __init__(self) -> None:
        super().__init__("Not authorized", "FORBIDDEN")


class NotFound(ApiError):
    status = HTTPStatus.NOT_FOUND


class MethodNotAllowed(ApiError):
    status = HTTPStatus.METHOD_NOT_ALLOWED


class Conflict(ApiError):
    status = HTTPStatus.CONFLICT


class PreconditionFailed(ApiError):
    status = HTTPStatus.PRECONDITION_FAILED


class InternalError(ApiError):
    """A fault of ours or of AWS: the client can only retry, quoting the correlation id."""

    status = HTTPStatus.INTERNAL_SERVER_ERROR


class InvalidHeader(ApiError):
    """A request header at fault: 422 with the field-level ``detail`` list, as the resolver's own."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY

    def __init__(self, header: str, detail: str, kind: str, code: str = "VALIDATION_ERROR") -> None:
        super().__init__(detail, code, field=header)
        self.kind = kind

    def body(self) -> dict[str, object]:
        return {
            "detail": [{"loc": ["header", self.field], "msg": self.detail, "type": self.kind}],
            "code": self.code,
        }


class RetryLater(ApiError):
    """A request that succeeds if sent again after ``Retry-After`` seconds."""

    def __init__(self, status: HTTPStatus, detail: str, code: str, retry_after: int = 1) -> None:
        super().__init__(detail, code)
        self.status = status
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class InvalidCups(BadRequest):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, "INVALID_CUPS", field="cups")


class FacilityNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Facility not found", "FACILITY_NOT_FOUND")


class VersionConflict(PreconditionFailed):
    def __init__(self, current_version: int) -> None:
        super().__init__(
            f"The resource was modified (current version {current_version}); fetch it and retry",
            "VERSION_CONFLICT",
        )


class OrganizationNotFound(NotFound):
    def __init__(self, organization_id: object) -> None:
        super().__init__(f"Organization {organization_id} not found", "ORGANIZATION_NOT_FOUND")


class InvoiceNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Invoice not found", "INVOICE_NOT_FOUND")


class SupplyPointNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Supply point not found", "SUPPLY_POINT_NOT_FOUND")
