"""VNPay's HTTP callbacks: the IPN (server to server) and the return page (the customer's)."""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from backend import clock
from backend.payments import service as payment_service
from backend.payments import vnpay
from backend.state import app_state

RETURN_TEXT = {
    "paid": (
        "Thanh toán thành công, đơn đang được xác nhận",
        "Paid: your booking is being confirmed",
    ),
    "failed": ("Thanh toán không thành công", "The payment did not go through"),
    "invalid": ("Kết quả thanh toán không hợp lệ", "This payment result is not valid"),
}


async def ipn(request: Request) -> Response:
    """GET /payments/vnpay/ipn: settle the payment once; answer {RspCode, Message}."""
    state = app_state(request.app)
    merchant = payment_service.merchant_of(state.settings)
    if merchant is None:
        code, message = vnpay.IPN_OTHER
    else:
        params = dict(request.query_params)
        code, message = await payment_service.handle_ipn(
            state.db, merchant, params, now=clock.now()
        )
    return JSONResponse({"RspCode": code, "Message": message})


async def payment_return(request: Request) -> Response:
    """GET /payments/vnpay/return: show the customer the result. Never confirms anything: only
    the IPN (or querydr) does; the app reads the booking's status."""
    state = app_state(request.app)
    merchant = payment_service.merchant_of(state.settings)
    params = dict(request.query_params)
    if merchant is None or not vnpay.verify_query(params, merchant.hash_secret):
        result = "invalid"
    elif params.get("vnp_ResponseCode") == vnpay.PAID:
        result = "paid"
    else:
        result = "failed"
    vi, en = RETURN_TEXT[result]
    body = (
        '<!doctype html><html lang="vi"><meta charset="utf-8"><title>ThangLong</title>'
        f'<body data-result="{result}" data-txn-ref="{html.escape(params.get("vnp_TxnRef", ""))}">'
        f'<h1>{html.escape(vi)}</h1><p lang="en">{html.escape(en)}</p></body></html>'
    )
    return HTMLResponse(body, status_code=200 if result != "invalid" else 400)


routes = [
    Route("/payments/vnpay/ipn", ipn, methods=["GET"]),
    Route("/payments/vnpay/return", payment_return, methods=["GET"]),
]
