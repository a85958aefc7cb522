"""The e-licence (电子证照) as a one-page A4 PDF: the item, project, owner,
issuing department, document number and dates, and a QR code to the public
verification page. Reuses the plan PDF's CJK font search and QR drawing."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from .pdf.cover import _draw_qr, qr_modules
from .pdf.fonts import pdf_font

ACCENT = colors.HexColor("#1f4e8c")
INK = colors.HexColor("#1d2433")


@dataclass(frozen=True)
class LicenceDocument:
    """What a licence states."""

    title: str
    number: str
    item_code: str
    project: str
    owner: str
    department: str
    issued_on: dt.date
    accepted_on: dt.date | None
    verify_url: str
    verification_code: str
    #: the conditions consulted departments attached ("department：condition")
    conditions: tuple[str, ...] = ()


#: Lines of conditions that fit between the facts and the QR code.
MAX_CONDITION_LINES = 8


def _lines(texts: tuple[str, ...], width: int) -> list[str]:
    """Each text cut into lines of at most ``width`` characters."""
    return [text[i:i + width] for text in texts for i in range(0, max(len(text), 1), width)]


def licence_pdf(doc: LicenceDocument, font_spec: str | None = None) -> bytes:
    """The licence as PDF bytes (Chinese text embedded and extractable)."""
    font = pdf_font(font_spec).name
    out = io.BytesIO()
    width, height = A4
    c = Canvas(out, pagesize=A4, invariant=1)
    c.setTitle(f"{doc.title} {doc.number}")
    c.setAuthor(doc.department)
    c.setSubject("电子证照")
    c.setStrokeColor(ACCENT)
    c.setLineWidth(3)
    c.rect(36, 36, width - 72, height - 72)
    c.setLineWidth(0.8)
    c.rect(44, 44, width - 88, height - 88)
    c.setFillColor(ACCENT)
    c.setFont(font, 13)
    c.drawCentredString(width / 2, height - 92, "电子证照")
    c.setFillColor(INK)
    c.setFont(font, 26)
    c.drawCentredString(width / 2, height - 140, doc.title)
    c.setFont(font, 12)
    c.drawCentredString(width / 2, height - 166, f"编号：{doc.number}")
    rows = [
        ("事项", f"{doc.title}（{doc.item_code}）"),
        ("项目名称", doc.project),
        ("建设单位", doc.owner),
        ("发证部门", doc.department),
        ("受理日期", doc.accepted_on.isoformat() if doc.accepted_on else "—"),
        ("发证日期", doc.issued_on.isoformat()),
        ("验证码", doc.verification_code),
    ]
    y = height - 220
    for label, value in rows:
        c.setFont(font, 11)
        c.setFillColor(ACCENT)
        c.drawString(80, y, label)
        c.setFillColor(INK)
        c.setFont(font, 12)
        c.drawString(170, y, value[:48])
        c.setStrokeColor(colors.HexColor("#c9d2de"))
        c.setLineWidth(0.5)
        c.line(80, y - 8, width - 80, y - 8)
        y -= 34
    if doc.conditions:
        c.setFont(font, 11)
        c.setFillColor(ACCENT)
        c.drawString(80, y, "征求意见附加条件")
        c.setFillColor(INK)
        c.setFont(font, 10)
        for line in _lines(doc.conditions, 44)[:MAX_CONDITION_LINES]:
            y -= 16
            c.drawString(90, y, line)
    qr_size = 120
    c.saveState()  # the plan cover's QR drawing works in y-down coordinates
    c.translate(width - 80 - qr_size, 90 + qr_size)
    c.scale(1, -1)
    _draw_qr(c, 0, 0, qr_size, qr_modules(doc.verify_url))
    c.restoreState()
    c.setFont(font, 9)
    c.setFillColor(INK)
    c.drawString(80, 150, "扫描二维码或访问下列地址核验本证照真伪：")
    c.drawString(80, 134, doc.verify_url)
    c.drawString(80, 112, "本证照由拿地即开工审批协调系统签发，与纸质证照具有同等效力。")
    c.showPage()
    c.save()
    return out.getvalue()
