"""Forms of the sync pages: the Enable Sync wizard, Sync Settings, field mappings, support re-enable."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sync.engine.mapping import mappable_books_fields, mappable_fsm_fields, validate_mapping
from sync.engine_models import SyncSettings

DUPLICATE_HELP = {
    "clone": gettext_lazy(
        "Records with the same key (company name, contact email, item name) on both sides are kept apart: each is "
        "created anew on the other side. Books must allow duplicate customer display names, or those records fail "
        "with that reason."
    ),
    "overwrite": gettext_lazy(
        "Records with the same key are linked, and the one modified later overwrites the other, field by field. "
        "When several records share a key, the most recently modified one is linked and the others are reported "
        "as duplicates; nothing is deleted."
    ),
}


class DuplicatesForm(forms.Form):
    duplicate_handling = forms.ChoiceField(
        label=gettext_lazy("Duplicate handling"),
        choices=SyncSettings.Duplicates.choices,
        widget=forms.RadioSelect,
    )
    auto_sync = forms.BooleanField(
        label=gettext_lazy("Sync automatically, three hours after the end of the previous run"), required=False
    )


class SettingsForm(forms.Form):
    duplicate_handling = forms.ChoiceField(
        label=gettext_lazy("Duplicate handling"),
        choices=SyncSettings.Duplicates.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("Applies to records that are new on either side from now on."),
    )
    auto_sync = forms.BooleanField(
        label=gettext_lazy("Automatic sync, three hours after the end of the previous run"), required=False
    )


class SupportEnableForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Support note: what was fixed"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class MappingForm:
    """Rows of FSM field ↔ Books field of one module, posted as ``fsm_field`` / ``books_field`` lists.

    Not a Django form because rows are added and removed on the page (htmx); it validates with the engine's own
    ``validate_mapping`` so the page and the API say the same thing.
    """

    def __init__(self, *, organization, module: str, data=None, initial=None, books_custom_fields=(), prefix=""):
        self.organization = organization
        self.module = module
        self.books_custom_fields = tuple(books_custom_fields)
        self.prefix = prefix or module
        self.title = ""
        self.errors: list[str] = []
        self.fsm_fields = mappable_fsm_fields(organization=organization, module=module)
        self.books_fields = mappable_books_fields(module=module, books_custom_fields=self.books_custom_fields)
        if data is not None:
            fsm = data.getlist(f"{self.prefix}-fsm_field")
            books = data.getlist(f"{self.prefix}-books_field")
            self.pairs = [(f.strip(), b.strip()) for f, b in zip(fsm, books, strict=False) if f.strip() or b.strip()]
            self.is_bound = True
        else:
            self.pairs = list(initial or [])
            self.is_bound = False

    def is_valid(self) -> bool:
        from django.core.exceptions import ValidationError

        self.errors = []
        incomplete = [pair for pair in self.pairs if not pair[0] or not pair[1]]
        if incomplete:
            self.errors.append(_("Choose both fields in every row, or remove the row."))
            return False
        try:
            validate_mapping(
                organization=self.organization,
                module=self.module,
                pairs=self.pairs,
                books_custom_fields=self.books_custom_fields,
            )
        except ValidationError as exc:
            self.errors = [str(m) for m in exc.message_dict.get("mapping", exc.messages)]
            return False
        return True

    @property
    def mandatory_books(self) -> list:
        return [f for f in self.books_fields if f.mandatory]

    @property
    def rows(self) -> list[dict]:
        return [{"fsm": f, "books": b} for f, b in self.pairs]
