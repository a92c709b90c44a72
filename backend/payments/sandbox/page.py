"""The payment page a developer pays, fails or cancels on (Vietnamese and English)."""

from __future__ import annotations

import html

from backend.payments.sandbox.state import Transaction

LABELS = {
    "vn": {
        "title": "Cổng thanh toán VNPAY (sandbox cục bộ)",
        "amount": "Số tiền",
        "order": "Nội dung",
        "pay": "Thanh toán",
        "fail": "Thất bại (không đủ số dư)",
        "cancel": "Hủy giao dịch",
    },
    "en": {
        "title": "VNPAY payment gateway (local sandbox)",
        "amount": "Amount",
        "order": "Order",
        "pay": "Pay",
        "fail": "Fail (insufficient funds)",
        "cancel": "Cancel",
    },
}


def render_payment_page(txn: Transaction) -> str:
    words = LABELS.get(txn.locale, LABELS["vn"])
    vnd = f"{txn.amount // 100:,}".replace(",", ".")
    buttons = "".join(
        f'<button name="outcome" value="{outcome}">{html.escape(words[outcome])}</button> '
        for outcome in ("pay", "fail", "cancel")
    )
    return (
        f'<!doctype html><html lang="{"en" if txn.locale == "en" else "vi"}">'
        f'<meta charset="utf-8"><title>{html.escape(words["title"])}</title>'
        f"<h1>{html.escape(words['title'])}</h1>"
        f"<p>{html.escape(words['amount'])}: <b>{vnd} VND</b></p>"
        f"<p>{html.escape(words['order'])}: {html.escape(txn.order_info)}</p>"
        '<form method="post" action="/paymentv2/decide">'
        f'<input type="hidden" name="tmn" value="{html.escape(txn.tmn_code)}">'
        f'<input type="hidden" name="txn_ref" value="{html.escape(txn.txn_ref)}">'
        f"{buttons}</form></html>"
    )


def render_error(code: str, message: str) -> str:
    return (
        '<!doctype html><html lang="vi"><meta charset="utf-8"><title>VNPAY</title>'
        f'<h1 data-code="{html.escape(code)}">{html.escape(message)}</h1></html>'
    )
