"""Region tax editions (TAX-1..7).

- ``editions``: which edition an organization's country selects, what each edition offers (customer tax treatments,
  item tax preferences, tax properties) and the default taxes seeded for it.
- ``validators``: tax numbers (GSTIN, ABN, VAT numbers, TRN, GST/HST numbers) and customer tax properties.
- ``catalog``: a read-only snapshot of an organization's taxes, used by prefill and money.
- ``prefill``: the tax a line gets from its customer and item (TAX-5), as pure functions.
- ``money``: the one place where line and document amounts are rounded (TAX-7).

See docs/taxes.md for the rules and their sources.
"""
