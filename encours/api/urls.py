from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from encours.api.auth import TokenAuth
from encours.api.disputes import router as disputes_router
from encours.api.insurance import router as insurance_router
from encours.api.ledger import router as ledger_router
from encours.core.errors import PermissionDenied

api = NinjaAPI(
    title="encours API",
    version="1",
    urls_namespace="api-v1",
    auth=TokenAuth(),
    description="Receivables, risk and collections. Authenticate with `Authorization: Bearer <token>` "
    "(create one with `manage.py api_token USERNAME`).",
)


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """A service refused the token's user: 403 with the reason, whichever operation forgot to catch it."""
    return api.create_response(request, {"detail": str(exc)}, status=403)


api.add_router("/", ledger_router)
api.add_router("/", "encours.risk.api.router")
api.add_router("/", insurance_router)

api.add_router("/", disputes_router)
