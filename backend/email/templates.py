"""Booking emails in Vietnamese and English, both in every message (the reader needs no setting).

Each template renders to a subject, a plain-text body and an HTML body from the outbox data a
hook wrote (backend/bookings/tickets/hooks.py); every value is escaped in the HTML.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

CONFIRMED = "email.booking.confirmed"
CANCELLED = "email.booking.cancelled"
REFUNDED = "email.booking.refunded"
NO_SHOW = "email.booking.no_show"
QR_CID = "ticket-qr"  # the inline image's Content-ID in a confirmation


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    with_ticket: bool = False


def money_vi(amount: int) -> str:
    return f"{amount:,} ₫".replace(",", ".")


def money_en(amount: int) -> str:
    return f"VND {amount:,}"


def _lang(value: Any, lang: str) -> str:
    if isinstance(value, Mapping):
        return str(value.get(lang) or next((v for v in value.values() if v), ""))
    return str(value or "")


def _when(data: Mapping[str, Any], lang: str) -> str:
    if data.get("check_in"):
        if lang == "vi":
            return f"Nhận phòng {data['check_in']}, trả phòng {data['check_out']}"
        return f"Check-in {data['check_in']}, check-out {data['check_out']}"
    return f"{data['date']} {data['time']}"


def _details(data: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    vi = lang == "vi"
    return [
        ("Mã đặt chỗ" if vi else "Booking code", str(data["code"])),
        ("Dịch vụ" if vi else "Service", _lang(data["service"], lang)),
        ("Địa điểm" if vi else "Place", _lang(data["place"], lang)),
        ("Thời gian" if vi else "When", _when(data, lang)),
        ("Số khách" if vi else "Guests", str(data["guests"])),
        (
            "Tổng tiền" if vi else "Total",
            money_vi(int(data["amount_vnd"])) if vi else money_en(int(data["amount_vnd"])),
        ),
    ]


def _confirmed(data: Mapping[str, Any], lang: str) -> tuple[str, list[str]]:
    if lang == "vi":
        return f"Chào {data['name']},", [
            "Đơn đặt chỗ của bạn đã được xác nhận. Vé của bạn là mã QR đính kèm: hãy đưa mã "
            "này cho nhân viên khi đến nơi (không cần mạng).",
            f"Vé có hiệu lực đến {data['valid_until']} (giờ Hà Nội).",
        ]
    return f"Dear {data['name']},", [
        "Your booking is confirmed. Your ticket is the attached QR code: show it to the staff "
        "when you arrive (it works offline).",
        f"The ticket is valid until {data['valid_until']} (Hanoi time).",
    ]


def _cancelled(data: Mapping[str, Any], lang: str) -> tuple[str, list[str]]:
    refund = int(data.get("refund_vnd") or 0)
    percent = data.get("refund_percent")
    if lang == "vi":
        lines = ["Đơn đặt chỗ của bạn đã bị hủy; vé của đơn này không còn giá trị."]
        if data.get("reason"):
            lines.append(f"Lý do: {data['reason']}")
        lines.append(
            f"Số tiền được hoàn: {money_vi(refund)} ({percent}%)."
            if refund
            else "Đơn này không được hoàn tiền theo chính sách hủy."
        )
        return f"Chào {data['name']},", lines
    lines = ["Your booking was cancelled; its ticket is no longer valid."]
    if data.get("reason"):
        lines.append(f"Reason: {data['reason']}")
    lines.append(
        f"Refund: {money_en(refund)} ({percent}%)."
        if refund
        else "No refund is due under the cancellation policy."
    )
    return f"Dear {data['name']},", lines


def _refunded(data: Mapping[str, Any], lang: str) -> tuple[str, list[str]]:
    refund = int(data.get("refund_vnd") or 0)
    if lang == "vi":
        return f"Chào {data['name']},", [
            f"Chúng tôi đã hoàn {money_vi(refund)} cho đơn đặt chỗ này qua VNPay. Tùy ngân hàng, "
            "tiền có thể về tài khoản của bạn sau vài ngày làm việc."
        ]
    return f"Dear {data['name']},", [
        f"We refunded {money_en(refund)} for this booking through VNPay. Depending on your bank, "
        "it may take a few working days to reach your account."
    ]


def _no_show(data: Mapping[str, Any], lang: str) -> tuple[str, list[str]]:
    kept = int(data.get("amount_vnd") or 0)
    if lang == "vi":
        lines = [
            "Nhà hàng đã ghi nhận bạn không đến theo lịch đặt bàn; "
            "vé của đơn này không còn giá trị."
        ]
        if kept:
            lines.append(
                f"Theo chính sách không đến, tiền đặt cọc {money_vi(kept)} không được hoàn."
            )
        return f"Chào {data['name']},", lines
    lines = [
        "The restaurant recorded that you did not come to this booking; "
        "its ticket is no longer valid."
    ]
    if kept:
        lines.append(f"Under the no-show policy, the deposit of {money_en(kept)} is not refunded.")
    return f"Dear {data['name']},", lines


Body = Callable[[Mapping[str, Any], str], tuple[str, list[str]]]
_TEMPLATES: dict[str, tuple[dict[str, str], Body]] = {
    CONFIRMED: ({"vi": "Xác nhận đặt chỗ", "en": "Booking confirmed"}, _confirmed),
    CANCELLED: ({"vi": "Đã hủy đặt chỗ", "en": "Booking cancelled"}, _cancelled),
    REFUNDED: ({"vi": "Đã hoàn tiền", "en": "Refund sent"}, _refunded),
    NO_SHOW: ({"vi": "Không đến theo lịch đặt", "en": "Booking missed"}, _no_show),
}


def has_template(kind: str) -> bool:
    return kind in _TEMPLATES


def render(kind: str, data: Mapping[str, Any]) -> Rendered:
    """The email of `kind`: Vietnamese first, then English, in one message."""
    titles, body = _TEMPLATES[kind]
    subject = f"{titles['vi']} / {titles['en']} {data['code']}"
    texts, htmls = [], []
    for lang in ("vi", "en"):
        greeting, lines = body(data, lang)
        details = _details(data, lang)
        texts.append(
            "\n".join(
                [greeting, "", *lines, "", *(f"{label}: {value}" for label, value in details)]
            )
        )
        esc = html.escape
        rows = "".join(
            f"<tr><th align='left'>{esc(label)}</th><td>{esc(value)}</td></tr>"
            for label, value in details
        )
        paragraphs = "".join(f"<p>{esc(line)}</p>" for line in lines)
        htmls.append(
            f"<div lang='{lang}'><p>{esc(greeting)}</p>{paragraphs}<table>{rows}</table></div>"
        )
    with_ticket = kind == CONFIRMED and bool(data.get("ticket_code"))
    qr = f"<p><img src='cid:{QR_CID}' alt='QR' width='240' height='240'></p>" if with_ticket else ""
    document = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(subject)}</title></head><body>"
        + htmls[0]
        + qr
        + "<hr>"
        + htmls[1]
        + "</body></html>"
    )
    text = texts[0] + "\n\n----------\n\n" + texts[1] + "\n"
    return Rendered(subject=subject, text=text, html=document, with_ticket=with_ticket)
