from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FieldNoteForm(forms.Form):
    visited_on = forms.DateField(label=_("Visit date"), widget=forms.DateInput(attrs={"type": "date"}))
    contact = forms.CharField(label=_("Met"), max_length=120, required=False)
    body = forms.CharField(label=_("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["visited_on"].initial = timezone.localdate()
