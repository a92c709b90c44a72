"""The sandbox's routes: VNPay's payment page, its IPN and return redirect, refund and querydr,
and a control API (`/_sandbox/...`) to register merchants and bend their IPNs."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from backend.clock import HANOI
from backend.payments import vnpay
from backend.payments.sandbox.page import render_error, render_payment_page
from backend.payments.sandbox.state import (
    INSTANCE_HEADER,
    IPN_ACTIONS,
    IpnRule,
    SandboxMerchant,
    SandboxState,
    Transaction,
)

REQUIRED = (
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_Amount",
    "vnp_CurrCode",
    "vnp_TxnRef",
    "vnp_OrderInfo",
    "vnp_Locale",
    "vnp_ReturnUrl",
    "vnp_IpAddr",
    "vnp_CreateDate",
    "vnp_ExpireDate",
)
OUTCOMES = {"pay": vnpay.PAID, "fail": vnpay.INSUFFICIENT_FUNDS, "cancel": vnpay.CUSTOMER_CANCELLED}
IPN_TIMEOUT_SECONDS = 30.0


def _now() -> datetime:
    return datetime.now(HANOI)


def _ipn_params(merchant: SandboxMerchant, txn: Transaction) -> dict[str, str]:
    params = {
        "vnp_TmnCode": merchant.tmn_code,
        "vnp_Amount": str(txn.amount),
        "vnp_BankCode": txn.bank_code,
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": txn.order_info,
        "vnp_PayDate": txn.pay_date or "",
        "vnp_ResponseCode": txn.response_code or "",
        "vnp_TransactionNo": txn.transaction_no or "0",
        "vnp_TransactionStatus": txn.status,
        "vnp_TxnRef": txn.txn_ref,
    }
    if txn.status == vnpay.PAID:
        params["vnp_BankTranNo"] = f"VNP{txn.transaction_no}"
    return params


def _signed(params: dict[str, str], secret: str) -> str:
    return vnpay.signed_query(params, secret)


def create_app(state: SandboxState | None = None) -> Starlette:
    """The sandbox as a Starlette app, sharing `state` if given."""
    sandbox = state if state is not None else SandboxState()
    background: set[asyncio.Task[None]] = set()

    async def deliver(merchant: SandboxMerchant, query: str) -> None:
        """GET the merchant's IPN URL (or hold the IPN when it has none)."""
        if merchant.ipn_url is None:
            merchant.held.append(query)
            return
        entry: dict[str, Any] = {"query": query}
        try:
            async with httpx.AsyncClient(trust_env=False, timeout=IPN_TIMEOUT_SECONDS) as client:
                response = await client.get(f"{merchant.ipn_url}?{query}")
            entry["status"] = response.status_code
            entry["answer"] = response.json()
        except (httpx.HTTPError, ValueError) as error:
            entry["error"] = repr(error)
        merchant.deliveries.append(entry)

    async def send_ipn(merchant: SandboxMerchant, txn: Transaction) -> None:
        params = _ipn_params(merchant, txn)
        rule = merchant.next_action()
        action = rule.action if rule else None
        if action == "drop":
            return
        if action == "wrong_amount":
            params["vnp_Amount"] = str(txn.amount + 100_000)
        query = _signed(params, merchant.hash_secret)
        if action == "bad_signature":
            query = query.rsplit("=", 1)[0] + "=" + "0" * 128
        if action == "delay":
            assert rule is not None
            if rule.delay_seconds <= 0 or merchant.ipn_url is None:
                merchant.held.append(query)
                return

            async def later() -> None:
                await asyncio.sleep(rule.delay_seconds)
                await deliver(merchant, query)

            task = asyncio.create_task(later())
            background.add(task)
            task.add_done_callback(background.discard)
            return
        if action == "duplicate":
            # Both at once, as VNPay's retries can overlap a slow answer.
            await asyncio.gather(deliver(merchant, query), deliver(merchant, query))
            return
        await deliver(merchant, query)

    async def payment_page(request: Request) -> Response:
        params = dict(request.query_params)
        merchant = sandbox.merchant(params.get("vnp_TmnCode", ""))
        if merchant is None:
            return HTMLResponse(render_error("02", "Merchant không tồn tại"), status_code=400)
        if any(not params.get(name) for name in REQUIRED) or params["vnp_Command"] != "pay":
            return HTMLResponse(render_error("03", "Dữ liệu gửi sang không đúng định dạng"), 400)
        if not vnpay.verify_query(params, merchant.hash_secret):
            return HTMLResponse(render_error("70", "Sai chữ ký"), status_code=400)
        try:
            expire_at = vnpay.parse_hanoi_time(params["vnp_ExpireDate"])
            amount = int(params["vnp_Amount"])
        except ValueError:
            return HTMLResponse(render_error("03", "Dữ liệu gửi sang không đúng định dạng"), 400)
        if expire_at <= _now():
            return HTMLResponse(render_error("11", "Đã hết hạn chờ thanh toán"), status_code=400)
        key = (merchant.tmn_code, params["vnp_TxnRef"])
        txn = sandbox.transactions.get(key)
        if txn is None:
            txn = Transaction(
                tmn_code=merchant.tmn_code,
                txn_ref=params["vnp_TxnRef"],
                amount=amount,
                order_info=params["vnp_OrderInfo"],
                return_url=params["vnp_ReturnUrl"],
                create_date=params["vnp_CreateDate"],
                expire_at=expire_at,
                locale=params["vnp_Locale"],
            )
            sandbox.add_transaction(txn)
        elif txn.status != "01":
            return HTMLResponse(render_error("01", "Giao dịch đã tồn tại"), status_code=400)
        return HTMLResponse(render_payment_page(txn))

    async def decide(request: Request) -> Response:
        form = await request.form()
        merchant = sandbox.merchant(str(form.get("tmn", "")))
        txn = sandbox.transactions.get((str(form.get("tmn", "")), str(form.get("txn_ref", ""))))
        outcome = str(form.get("outcome", ""))
        if merchant is None or txn is None or outcome not in OUTCOMES:
            return JSONResponse({"error": "unknown transaction or outcome"}, status_code=404)
        if txn.status != "01":
            return JSONResponse({"error": "transaction already finished"}, status_code=409)
        now = _now()
        code = OUTCOMES[outcome] if now < txn.expire_at else vnpay.PAGE_EXPIRED
        txn.response_code = code
        txn.status = vnpay.PAID if code == vnpay.PAID else "02"
        txn.transaction_no = str(next(sandbox.transaction_numbers)) if code != "24" else "0"
        txn.pay_date = vnpay.hanoi_time(now)
        await send_ipn(merchant, txn)
        # The customer's browser goes back to the merchant with the same signed result.
        back = _signed(_ipn_params(merchant, txn), merchant.hash_secret)
        return RedirectResponse(f"{txn.return_url}?{back}", status_code=302)

    def api_answer(
        merchant: SandboxMerchant, body: dict[str, Any], fields: tuple[str, ...], **values: str
    ) -> JSONResponse:
        answer: dict[str, str] = {
            "vnp_ResponseId": body.get("vnp_RequestId", ""),
            "vnp_Command": body.get("vnp_Command", ""),
            "vnp_TmnCode": merchant.tmn_code,
            "vnp_TxnRef": body.get("vnp_TxnRef", ""),
            "vnp_OrderInfo": body.get("vnp_OrderInfo", ""),
            **values,
        }
        answer["vnp_SecureHash"] = vnpay.pipe_checksum(answer, fields, merchant.hash_secret)
        return JSONResponse(answer)

    def querydr(merchant: SandboxMerchant, body: dict[str, Any]) -> Response:
        fields = vnpay.QUERYDR_RESPONSE_FIELDS
        if not vnpay.verify_response(body, vnpay.QUERYDR_FIELDS, merchant.hash_secret):
            return api_answer(merchant, body, fields, vnp_ResponseCode="97", vnp_Message="Checksum")
        txn = sandbox.transactions.get((merchant.tmn_code, str(body.get("vnp_TxnRef"))))
        if txn is None:
            return api_answer(
                merchant, body, fields, vnp_ResponseCode="91", vnp_Message="Not found"
            )
        return api_answer(
            merchant,
            body,
            fields,
            vnp_ResponseCode="00",
            vnp_Message="QueryDR Success",
            vnp_Amount=str(txn.amount),
            vnp_BankCode=txn.bank_code,
            vnp_PayDate=txn.pay_date or "",
            vnp_TransactionNo=txn.transaction_no or "",
            vnp_TransactionType="01",
            vnp_TransactionStatus=txn.status,
        )

    def refund(merchant: SandboxMerchant, body: dict[str, Any]) -> Response:
        fields = vnpay.REFUND_RESPONSE_FIELDS
        if not vnpay.verify_response(body, vnpay.REFUND_FIELDS, merchant.hash_secret):
            return api_answer(merchant, body, fields, vnp_ResponseCode="97", vnp_Message="Checksum")
        txn = sandbox.transactions.get((merchant.tmn_code, str(body.get("vnp_TxnRef"))))
        if txn is None or txn.status != vnpay.PAID:
            return api_answer(
                merchant, body, fields, vnp_ResponseCode="91", vnp_Message="Not found"
            )
        request_id = str(body.get("vnp_RequestId"))
        if request_id in txn.refund_requests:
            return api_answer(
                merchant, body, fields, vnp_ResponseCode="94", vnp_Message="Duplicate"
            )
        try:
            amount = int(body.get("vnp_Amount", ""))
        except ValueError:
            amount = 0
        if amount <= 0 or txn.refunded + amount > txn.amount:
            return api_answer(merchant, body, fields, vnp_ResponseCode="02", vnp_Message="Amount")
        txn.refund_requests.add(request_id)
        txn.refunded += amount
        return api_answer(
            merchant,
            body,
            fields,
            vnp_ResponseCode="00",
            vnp_Message="Refund success",
            vnp_Amount=str(amount),
            vnp_BankCode=txn.bank_code,
            vnp_PayDate=txn.pay_date or "",
            vnp_TransactionNo=str(next(sandbox.transaction_numbers)),
            vnp_TransactionType=str(body.get("vnp_TransactionType", "")),
            vnp_TransactionStatus="05",
        )

    async def api(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"vnp_ResponseCode": "99", "vnp_Message": "Not JSON"}, 400)
        if not isinstance(body, dict):
            return JSONResponse({"vnp_ResponseCode": "99", "vnp_Message": "Not JSON"}, 400)
        merchant = sandbox.merchant(str(body.get("vnp_TmnCode", "")))
        if merchant is None:
            return JSONResponse({"vnp_ResponseCode": "99", "vnp_Message": "No merchant"}, 400)
        if body.get("vnp_Command") == "querydr":
            return querydr(merchant, body)
        if body.get("vnp_Command") == "refund":
            return refund(merchant, body)
        return JSONResponse({"vnp_ResponseCode": "99", "vnp_Message": "Unknown command"}, 400)

    # Control API.
    async def put_merchant(request: Request) -> Response:
        body = await request.json()
        tmn = request.path_params["tmn"]
        secret = body.get("hashSecret") if isinstance(body, dict) else None
        if not isinstance(secret, str) or not secret:
            return JSONResponse({"error": "hashSecret is required"}, status_code=400)
        ipn_url = body.get("ipnUrl")
        sandbox.add_merchant(SandboxMerchant(tmn_code=tmn, hash_secret=secret, ipn_url=ipn_url))
        return JSONResponse({"tmnCode": tmn, "ipnUrl": ipn_url})

    def _merchant_or_404(request: Request) -> SandboxMerchant | None:
        return sandbox.merchant(request.path_params["tmn"])

    async def put_rules(request: Request) -> Response:
        merchant = _merchant_or_404(request)
        if merchant is None:
            return JSONResponse({"error": "no such merchant"}, status_code=404)
        body = await request.json()
        rules = body.get("rules") if isinstance(body, dict) else None
        if not isinstance(rules, list) or any(
            not isinstance(r, dict) or r.get("action") not in IPN_ACTIONS for r in rules
        ):
            return JSONResponse({"error": f"rules: [{{action: {IPN_ACTIONS}}}]"}, 400)
        merchant.rules.clear()
        for r in rules:
            merchant.rules.append(
                IpnRule(
                    action=r["action"],
                    times=int(r.get("times", 1)),
                    delay_seconds=float(r.get("delaySeconds", 0)),
                )
            )
        return JSONResponse({"rules": len(merchant.rules)})

    async def list_ipns(request: Request) -> Response:
        merchant = _merchant_or_404(request)
        if merchant is None:
            return JSONResponse({"error": "no such merchant"}, status_code=404)
        held = list(merchant.held)
        if request.query_params.get("take") == "true":
            merchant.held.clear()
        return JSONResponse({"ipns": held, "deliveries": list(merchant.deliveries)})

    async def release_ipns(request: Request) -> Response:
        merchant = _merchant_or_404(request)
        if merchant is None or merchant.ipn_url is None:
            return JSONResponse({"error": "no such merchant, or no IPN URL"}, status_code=404)
        held = list(merchant.held)
        merchant.held.clear()
        before = len(merchant.deliveries)
        for query in held:
            await deliver(merchant, query)
        return JSONResponse(
            {"released": len(held), "deliveries": list(merchant.deliveries)[before:]}
        )

    async def get_transaction(request: Request) -> Response:
        txn = sandbox.transactions.get((request.path_params["tmn"], request.path_params["ref"]))
        if txn is None:
            return JSONResponse({"error": "no such transaction"}, status_code=404)
        return JSONResponse(
            {
                "txnRef": txn.txn_ref,
                "amount": txn.amount,
                "status": txn.status,
                "responseCode": txn.response_code,
                "transactionNo": txn.transaction_no,
                "refunded": txn.refunded,
            }
        )

    async def index(_request: Request) -> Response:
        return HTMLResponse(
            "<!doctype html><meta charset=utf-8><title>VNPay sandbox</title>"
            "<h1>Local VNPay sandbox</h1><p>Payment page: /paymentv2/vpcpay.html; API: "
            "/merchant_webapi/api/transaction; control: /_sandbox/merchants/{tmnCode}</p>",
            headers={INSTANCE_HEADER: sandbox.instance_id},
        )

    return Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            Route("/paymentv2/vpcpay.html", payment_page, methods=["GET"]),
            Route("/paymentv2/decide", decide, methods=["POST"]),
            Route("/merchant_webapi/api/transaction", api, methods=["POST"]),
            Route("/_sandbox/merchants/{tmn}", put_merchant, methods=["PUT"]),
            Route("/_sandbox/merchants/{tmn}/ipn-rules", put_rules, methods=["PUT"]),
            Route("/_sandbox/merchants/{tmn}/ipns", list_ipns, methods=["GET"]),
            Route("/_sandbox/merchants/{tmn}/ipns/release", release_ipns, methods=["POST"]),
            Route("/_sandbox/merchants/{tmn}/transactions/{ref}", get_transaction, methods=["GET"]),
        ]
    )
