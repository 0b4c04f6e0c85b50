"""Tables of the sync engine: settings, field mappings, the link table, runs, failures (SPEC §5, DESIGN-sync.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SyncType(models.TextChoices):
    I = "I", _("Type I: companies ↔ business customers")  # noqa: E741 - the product's own name
    II = "II", _("Type II: contacts ↔ individual customers")
    III = "III", _("Type III: companies and their contacts ↔ business customers and contact persons")
    IV = "IV", _("Type IV: as III, plus contacts without a company ↔ individual customers")


class SyncSettings(models.Model):
    """One per organization: whether sync is on, how, and why it was stopped."""

    class Duplicates(models.TextChoices):
        CLONE = "clone", _("Clone: create the record anew on the other side")
        OVERWRITE = "overwrite", _("Overwrite: link the two, the later modified one wins")

    organization = models.OneToOneField(
        "fsmbilling.Organization", on_delete=models.CASCADE, related_name="sync_settings"
    )
    sync_type = models.CharField(max_length=3, choices=SyncType.choices, default=SyncType.IV)
    duplicate_handling = models.CharField(max_length=10, choices=Duplicates.choices, default=Duplicates.OVERWRITE)
    is_enabled = models.BooleanField(default=False)
    enabled_at = models.DateTimeField(null=True, blank=True)
    enabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    auto_sync = models.BooleanField(default=True, help_text=_("Run automatically three hours after the previous run"))
    next_auto_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set when a pre-run check failed (SYN-15): only platform support enables sync again.
    disabled_by_error = models.BooleanField(default=False)
    disabled_reason = models.TextField(blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # {"companies": {"module": "fsm" | "books" | null, "fields": {"phone": "books"}}} (SYN-11)
    owner_policies = models.JSONField(default=dict, blank=True)
    # Start of the previous completed run, per module (the incremental cursor, SYN-10).
    cursors = models.JSONField(default=dict, blank=True)
    # Modules whose mapping changed: every record of them is taken at the next run (SYN-6).
    resync_modules = models.JSONField(default=list, blank=True)
    # Content hashes of reference data read from Books (taxes, currencies, terms, salespersons).
    reference_hashes = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sync settings")
        verbose_name_plural = _("sync settings")

    def __str__(self) -> str:
        return f"Sync of {self.organization}"


class FieldMapping(models.Model):
    """One FSM field ↔ Books field of a module pair (SYN-5). ``cf:<api_name>`` names a custom field."""

    class Module(models.TextChoices):
        COMPANIES = "companies", _("Companies ↔ Customers")
        CONTACTS = "contacts", _("Contacts ↔ Customers")
        SERVICES_AND_PARTS = "services_and_parts", _("Services and Parts ↔ Items")

    organization = models.ForeignKey("fsmbilling.Organization", on_delete=models.CASCADE, related_name="+")
    module = models.CharField(max_length=30, choices=Module.choices)
    fsm_field = models.CharField(max_length=80)
    books_field = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["module", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "module", "fsm_field"], name="mapping_unique_fsm_field"),
            models.UniqueConstraint(
                fields=["organization", "module", "books_field"], name="mapping_unique_books_field"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module}: {self.fsm_field} ↔ {self.books_field}"


class SyncLink(models.Model):
    """One pair of linked records: the core of sync (DESIGN-sync.md §1).

    ``base`` is the canonical content both sides last agreed on; ``remote_modified_at`` is Books' last modified time
    at that moment. A ``pending_create`` row is written and committed before a record is created on the other side,
    so a run that dies in between finds it and looks the record up by ``match_key`` instead of creating it twice.
    """

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        CONTACT = "contact", _("Contact (individual customer)")
        CONTACT_PERSON = "contact_person", _("Contact person")
        ITEM = "item", _("Service or part")
        INVOICE = "invoice", _("Invoice")
        ESTIMATE = "estimate", _("Estimate")
        PAYMENT = "payment", _("Payment")

    class State(models.TextChoices):
        LINKED = "linked", _("Linked")
        PENDING_CREATE = "pending_create", _("Being created")
        BROKEN = "broken", _("Broken: deleted on one side")
        DUPLICATE = "duplicate", _("Duplicate")

    organization = models.ForeignKey("fsmbilling.Organization", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    local_id = models.BigIntegerField(null=True, blank=True)
    remote_id = models.CharField(max_length=40, blank=True)
    remote_parent_id = models.CharField(max_length=40, blank=True)
    # Which side a pending create goes to: "books" (FSM record being created in Books) or "fsm".
    pending_side = models.CharField(max_length=5, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.LINKED)
    match_key = models.CharField(max_length=255, blank=True)
    base = models.JSONField(null=True, blank=True)
    base_hash = models.CharField(max_length=64, blank=True)
    remote_modified_at = models.DateTimeField(null=True, blank=True)
    local_modified_at = models.DateTimeField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True, help_text=_("e.g. the primary contact person's id"))
    needs_resync = models.BooleanField(default=False)
    last_run = models.ForeignKey("sync.SyncRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    broken_reported = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "local_id"],
                condition=models.Q(local_id__isnull=False),
                name="synclink_unique_local",
            ),
            models.UniqueConstraint(
                fields=["organization", "kind", "remote_id"],
                condition=~models.Q(remote_id=""),
                name="synclink_unique_remote",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "kind", "state"], name="synclink_org_kind_state"),
            models.Index(fields=["organization", "kind", "match_key"], name="synclink_org_kind_key"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.local_id} ↔ {self.remote_id or '?'} ({self.state})"


class SyncRun(models.Model):
    """A run is a row first and a task second (STYLE 3): state, timings, counts, checkpoint."""

    class Trigger(models.TextChoices):
        AUTOMATIC = "automatic", _("Automatic")
        MANUAL = "manual", _("Manual (Sync Now)")
        MAPPING_CHANGE = "mapping_change", _("Mapping change")
        RETRY = "retry", _("Retry")
        FIRST = "first", _("First sync")
        IMPORT = "import", _("Import from Books")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to start")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        PARTIALLY_FAILED = "partially_failed", _("Partially failed")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")
        CUT_SHORT = "cut_short", _("Cut short (resumes at the next run)")

    ACTIVE_STATES = (State.PENDING, State.RUNNING)

    organization = models.ForeignKey("fsmbilling.Organization", on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text=_("Why it failed, was skipped or cut short, and what to do"))
    # {"companies": {"to_books": {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}, "to_fsm": {...}}}
    counts = models.JSONField(default=dict, blank=True)
    progress = models.JSONField(default=dict, blank=True)
    api_calls = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["organization", "-id"], name="syncrun_org_recent")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(state__in=["pending", "running"]),
                name="syncrun_one_active_per_org",
            )
        ]

    def __str__(self) -> str:
        return f"Sync run {self.pk} ({self.get_state_display()})"

    @property
    def run_id(self) -> str:
        return f"SR-{self.pk:06d}"


class SyncFailure(models.Model):
    """A record that failed in a run (SYN-17, SYN-18). Open failures are retried at the next run."""

    class Direction(models.TextChoices):
        TO_BOOKS = "to_books", _("FSM → Books")
        TO_FSM = "to_fsm", _("Books → FSM")

    class State(models.TextChoices):
        OPEN = "open", _("Open: retried at the next run")
        SKIPPED = "skipped", _("Skipped by an administrator")
        RESOLVED = "resolved", _("Resolved")

    organization = models.ForeignKey("fsmbilling.Organization", on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="failures")
    module = models.CharField(max_length=30)
    kind = models.CharField(max_length=20)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    local_id = models.BigIntegerField(null=True, blank=True)
    remote_id = models.CharField(max_length=40, blank=True)
    record_label = models.CharField(max_length=255, blank=True)
    reason_code = models.CharField(max_length=40)
    zoho_code = models.IntegerField(null=True, blank=True)
    message = models.TextField(blank=True, help_text=_("What Books (or the engine) said"))
    explanation = models.TextField(blank=True, help_text=_("What it means and what to do"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organization", "state", "kind"], name="syncfailure_org_state"),
            models.Index(fields=["run", "module"], name="syncfailure_run_module"),
        ]

    def __str__(self) -> str:
        return f"{self.record_label}: {self.reason_code}"


class ManualRunDay(models.Model):
    """Sync Now requests of one organization on one local calendar day (SYN-8: at most 30)."""

    organization = models.ForeignKey("fsmbilling.Organization", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "day"], name="manualrunday_unique")]


class MatchDecision(models.Model):
    """An administrator's decision in the match review (SYN-7), applied by the first run."""

    class Action(models.TextChoices):
        LINK = "link", _("Link (overwrite by later change)")
        CREATE = "create", _("Create anew on the other side")
        SKIP = "skip", _("Do not sync")

    organization = models.ForeignKey("fsmbilling.Organization", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=SyncLink.Kind.choices)
    local_id = models.BigIntegerField()
    remote_id = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    score = models.PositiveSmallIntegerField(default=0)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "local_id"], name="matchdecision_unique_local"),
        ]


class SupportNote(models.Model):
    """What platform support did for an organization and why (re-enable sync, switch finance organization)."""

    organization = models.ForeignKey("fsmbilling.Organization", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=60)
    note = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
