from django.core.exceptions import ValidationError

from encours.core import identifiers


def _raise_if(message: str | None) -> None:
    if message:
        raise ValidationError(message)


def validate_siren(value: str) -> None:
    _raise_if(identifiers.siren_error(value) if value else None)


def validate_siret(value: str) -> None:
    _raise_if(identifiers.siret_error(value) if value else None)


def validate_vat(value: str) -> None:
    _raise_if(identifiers.vat_error(value) if value else None)


def validate_iban(value: str) -> None:
    _raise_if(identifiers.iban_error(value) if value else None)


def validate_naf(value: str) -> None:
    if not value:
        return
    try:
        identifiers.normalize_naf(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
