"""Our own invoice PDF (INV-6), rendered from FSM data with fpdf2 when Books gives no PDF (the sandbox renders none)."""

from __future__ import annotations

from fpdf import FPDF

from invoicing.models import Invoice
from invoicing.taxes.money import quantize


def _text(value) -> str:
    """Core PDF fonts speak Latin-1: anything else is replaced, never an error."""
    return str(value or "").encode("latin-1", "replace").decode("latin-1")


def render_invoice_pdf(invoice: Invoice) -> bytes:
    places = invoice.currency.decimal_places if invoice.currency_id else 2
    currency = invoice.currency.code if invoice.currency_id else invoice.organization.base_currency

    def money(value) -> str:
        return f"{quantize(value, places):,}"

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, _text(invoice.organization.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 7, _text(f"Invoice {invoice.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(
        0, 6, _text(f"Date {invoice.date:%Y-%m-%d} - due {invoice.due_date:%Y-%m-%d}"), new_x="LMARGIN", new_y="NEXT"
    )
    if invoice.payment_terms_label:
        pdf.cell(0, 6, _text(f"Terms: {invoice.payment_terms_label}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 6, "Bill to", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 6, _text(invoice.customer_name), new_x="LMARGIN", new_y="NEXT")
    address = invoice.billing_address or {}
    for part in (address.get("address"), address.get("street2"),
                 " ".join(filter(None, [address.get("city"), address.get("state"), address.get("zip")])),
                 address.get("country")):  # fmt: skip
        if part:
            pdf.cell(0, 6, _text(part), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (80, 20, 28, 18, 34)
    pdf.set_font("Helvetica", "B", 10)
    for width, label in zip(widths, ("Item", "Qty", "Rate", "Disc. %", "Amount"), strict=True):
        pdf.cell(width, 7, label, border="B", align="L" if label == "Item" else "R")
    pdf.ln()
    pdf.set_font("Helvetica", "", 10)
    for line in invoice.lines.select_related("item", "tax"):
        name = line.item.name + (f" - {line.description}" if line.description else "")
        pdf.cell(widths[0], 7, _text(name[:48]))
        pdf.cell(widths[1], 7, f"{line.quantity.normalize():f}", align="R")
        pdf.cell(widths[2], 7, money(line.rate), align="R")
        pdf.cell(widths[3], 7, f"{line.discount_percent.normalize():f}", align="R")
        pdf.cell(widths[4], 7, money(line.amount), align="R")
        pdf.ln()
    pdf.ln(2)

    def total_row(label: str, value, bold: bool = False) -> None:
        pdf.set_font("Helvetica", "B" if bold else "", 10)
        pdf.cell(sum(widths[:4]), 7, _text(label), align="R")
        pdf.cell(widths[4], 7, money(value), align="R")
        pdf.ln()

    total_row("Sub total", invoice.sub_total)
    for tax in invoice.tax_lines.all():
        total_row(tax.name, tax.amount)
    total_row(f"Total ({currency})", invoice.total, bold=True)
    total_row("Paid", invoice.amount_paid)
    total_row("Balance due", invoice.balance, bold=True)
    if invoice.notes:
        pdf.ln(4)
        pdf.multi_cell(0, 6, _text(invoice.notes))
    return bytes(pdf.output())
