from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import ValidationError

from encours.api.auth import TokenAuth
from encours.api.disputes import router as disputes_router
from encours.api.insurance import router as insurance_router
from encours.api.ledger import router as ledger_router
from encours.api.params import validation_error
from encours.core.errors import PermissionDenied

api = NinjaAPI(
    title="encours API",
    version="1",
    urls_namespace="api-v1",
    auth=TokenAuth(),
    # no validator badge: it would send the schema's address to swagger.io (and the CSP forbids it)
    docs=Swagger(settings={"validatorUrl": None}),
    description="Receivables, risk and collections. Authenticate with `Authorization: Bearer <token>` "
    "(create one with `manage.py api_token USERNAME`).",
)


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """A service refused the token's user: 403 with the reason, whichever operation forgot to catch it."""
    return api.create_response(request, {"detail": str(exc)}, status=403)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A bad query or path parameter: 400 naming it; a malformed JSON body: 422 (see api/params.py)."""
    return validation_error(api, request, exc)


api.add_router("/", ledger_router)
api.add_router("/", "encours.risk.api.router")
api.add_router("/", insurance_router)

api.add_router("/", disputes_router)
